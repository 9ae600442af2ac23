package hlrlookuptest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestRequestLogRedaction(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("k2", "very-secret-2"))
	id := c.create("")
	c.as("k2", "very-secret-2").must(200, "GET", "/batches/", "", "")
	c.as(APIKey, "wrong-secret-xyz").must(401, "GET", "/batches/"+id, "", "")
	c.srv.InjectFault(Fault{Status: 429})
	c.must(429, "GET", "/batches/"+id+"?Secret=dup", "", "")

	log := c.srv.Requests()
	if len(log) != 4 {
		t.Fatalf("%d entries", len(log))
	}
	want := []string{
		"POST /batches/?apikey=test-key&secret=REDACTED -> 201",
		"GET /batches/?apikey=k2&secret=REDACTED -> 200",
		"GET /batches/1001?apikey=test-key&secret=REDACTED -> 401",
		"GET /batches/1001?Secret=REDACTED&apikey=test-key&secret=REDACTED -> 429 fault=status (not applied)",
	}
	for i, e := range log {
		s := e.String()
		if s != want[i] {
			t.Errorf("entry %d: %q, want %q", i, s, want[i])
		}
		for _, secret := range []string{Secret, "very-secret-2", "wrong-secret-xyz", "dup"} {
			all := s + fmt.Sprintf("%v %+v %#v", e, e, e)
			if strings.Contains(all, secret) {
				t.Errorf("entry %d leaks %q: %s", i, secret, all)
			}
		}
		if !slices.Equal(e.Query["secret"][:1], []string{"REDACTED"}) {
			t.Errorf("entry %d query %v", i, e.Query)
		}
	}
	// A copy: changing it does not change the log.
	log[0].Query.Set("secret", "x")
	if c.srv.Requests()[0].Query.Get("secret") != "REDACTED" {
		t.Error("Requests returned the log itself")
	}
	c.srv.ResetRequests()
	if n := len(c.srv.Requests()); n != 0 {
		t.Errorf("%d entries after reset", n)
	}
}

func TestRequestLogFields(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	id := c.create("")
	body := "447700900123\n447700900124\n"
	// An io.Reader of unknown size goes out chunked.
	req, _ := http.NewRequest("POST", c.url("/batches/"+id+"/source?column=0"), io.MultiReader(strings.NewReader(body)))
	req.Header.Set("Content-Type", "text/csv")
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	e := c.srv.Requests()[1]
	if e.Method != "POST" || e.Path != "/batches/1001/source" || e.ContentType != "text/csv" ||
		e.ContentLength != -1 || !slices.Equal(e.TransferEncoding, []string{"chunked"}) ||
		e.BodyBytes != int64(len(body)) || e.Status != 200 || !e.Applied || e.Fault != FaultNone ||
		e.Query.Get("column") != "0" || e.At.IsZero() {
		t.Errorf("entry %+v", e)
	}
	c.must(200, "GET", "/batches/"+id, "", "")
	if e := c.srv.Requests()[2]; e.ContentLength != 0 || e.BodyBytes != 0 || e.TransferEncoding != nil {
		t.Errorf("GET entry %+v", e)
	}
}

func TestConnections(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	for range 5 {
		c.must(200, "GET", "/batches/", "", "")
	}
	if n := c.srv.Connections(); n != 1 {
		t.Errorf("keep-alive client: %d connections, want 1", n)
	}
	noKeepAlive(c)
	for range 3 {
		c.must(200, "GET", "/batches/", "", "")
	}
	if n := c.srv.Connections(); n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}

// A client that puts an account's secret in the path or in another query
// parameter (a redirect echo, a mistaken ID) does not get it into the log.
func TestRequestLogRedactsSecretsOutsideTheSecretParameter(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("k2", "very-secret-2"))
	c.must(404, "GET", "/batches/x"+Secret+"y", "", "")
	c.must(404, "GET", "/batches/very-secret-2", "", "")
	c.must(200, "GET", "/batches/?note=a"+Secret+"&"+Secret+"=1", "", "")
	log := c.srv.Requests()
	if len(log) != 3 {
		t.Fatalf("%d entries", len(log))
	}
	want := []string{
		"GET /batches/xREDACTEDy?apikey=test-key&secret=REDACTED -> 404",
		"GET /batches/REDACTED?apikey=test-key&secret=REDACTED -> 404",
		"GET /batches/?REDACTED=1&apikey=test-key&note=aREDACTED&secret=REDACTED -> 200",
	}
	for i, e := range log {
		all := e.String() + fmt.Sprintf("%v %+v %#v", e, e, e)
		if e.String() != want[i] {
			t.Errorf("entry %d: %q, want %q", i, e.String(), want[i])
		}
		for _, secret := range []string{Secret, "very-secret-2"} {
			if strings.Contains(all, secret) {
				t.Errorf("entry %d leaks %q: %s", i, secret, all)
			}
		}
	}
}
