package hlrlookuptest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// tc is a plain net/http client of one Server, for one account.
type tc struct {
	t           *testing.T
	srv         *Server
	hc          *http.Client
	key, secret string
}

// newTC starts a server with opts and returns a client of its default
// account, on a fresh transport.
func newTC(t *testing.T, opts ...ServerOption) *tc {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &tc{t: t, srv: srv, hc: &http.Client{Transport: tr}, key: APIKey, secret: Secret}
}

// as returns a client of the same server for another account.
func (c *tc) as(key, secret string) *tc {
	c2 := *c
	c2.key, c2.secret = key, secret
	return &c2
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// errCode returns the "error" field of a JSON error body.
func (r resp) errCode() string {
	var e struct{ Error string }
	_ = json.Unmarshal(r.body, &e)
	return e.Error
}

// url builds the full URL of pathQuery with the credentials added.
func (c *tc) url(pathQuery string) string {
	u, err := url.Parse(c.srv.URL + pathQuery)
	if err != nil {
		c.t.Fatal(err)
	}
	q := u.Query()
	if c.key != "" {
		q.Set("apikey", c.key)
	}
	if c.secret != "" {
		q.Set("secret", c.secret)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// try sends a request and returns the response or the transport error.
func (c *tc) try(method, pathQuery, ctype, body string) (resp, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url(pathQuery), rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return roundTrip(c.hc, req)
}

// roundTrip sends req with hc and reads the whole answer.
func roundTrip(hc *http.Client, req *http.Request) (resp, error) {
	res, err := hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{res.StatusCode, res.Header, b}, nil
}

// do is try that fails the test on a transport error.
func (c *tc) do(method, pathQuery, ctype, body string) resp {
	c.t.Helper()
	r, err := c.try(method, pathQuery, ctype, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	return r
}

// must is do that also checks the status.
func (c *tc) must(want int, method, pathQuery, ctype, body string) resp {
	c.t.Helper()
	r := c.do(method, pathQuery, ctype, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, pathQuery, r.status, want, r.body)
	}
	return r
}

// wireBatch is the Batch object as the tests decode it.
type wireBatch struct {
	ID             any             `json:"id"`
	Filename       string          `json:"filename"`
	NumColumns     int             `json:"numColumns"`
	OwnerName      string          `json:"ownerName"`
	Type           string          `json:"type"`
	BatchArguments json.RawMessage `json:"batchArguments"`
	ScheduledStart *string         `json:"scheduledStart"`
	CreationDate   string          `json:"creationDate"`
	NumItems       int             `json:"numItems"`
	NumComplete    int             `json:"numComplete"`
	Status         string          `json:"status"`
}

func (c *tc) decodeBatch(r resp) wireBatch {
	c.t.Helper()
	var b wireBatch
	if err := json.Unmarshal(r.body, &b); err != nil {
		c.t.Fatalf("decode batch %s: %v", r.body, err)
	}
	return b
}

// create makes an HLR_V2 batch and returns its id.
func (c *tc) create(args string) string {
	c.t.Helper()
	body := `{"filename":"t.csv","type":"HLR_V2"}`
	if args != "" {
		body = `{"filename":"t.csv","type":"HLR_V2","batchArguments":` + args + `}`
	}
	b := c.decodeBatch(c.must(http.StatusCreated, "POST", "/batches/", "application/json", body))
	id, ok := b.ID.(string)
	if !ok {
		c.t.Fatalf("id %v is not a string", b.ID)
	}
	return id
}

func (c *tc) upload(id, body string) wireBatch {
	c.t.Helper()
	return c.decodeBatch(c.must(http.StatusOK, "POST", "/batches/"+id+"/source", "text/csv", body))
}

func (c *tc) put(id, body string) wireBatch {
	c.t.Helper()
	return c.decodeBatch(c.must(http.StatusOK, "PUT", "/batches/"+id+"/", "application/json", body))
}

func (c *tc) get(id string) wireBatch {
	c.t.Helper()
	return c.decodeBatch(c.must(http.StatusOK, "GET", "/batches/"+id, "", ""))
}

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 6, 1, 9, 0, 0, 123_000_000, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}
