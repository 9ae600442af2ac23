package hlrlookuptest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// noKeepAlive gives c a client that opens a connection per request, so
// net/http never retries a hung-up request by itself.
func noKeepAlive(c *tc) *tc {
	tr := &http.Transport{DisableKeepAlives: true}
	c.t.Cleanup(tr.CloseIdleConnections)
	c.hc = &http.Client{Transport: tr}
	return c
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     int
		retryAfter string
		ctype      string
		body       string // substring; "" means an empty body
	}{
		{429, "7", "application/json", `{"error":"TOO_MANY_REQUESTS","message":"Please try again later"}`},
		{429, "Wed, 21 Oct 2026 07:28:00 GMT", "application/json", "TOO_MANY_REQUESTS"},
		{500, "", "", ""},
		{502, "", "text/html; charset=utf-8", "<h1>502 Bad Gateway</h1>"},
		{503, "30", "text/plain; charset=utf-8", "Service Unavailable"},
		{504, "", "text/html; charset=utf-8", "<h1>504 Gateway Timeout</h1>"},
		{409, "", "application/json", `"error":"DATA_ALREADY_LOADED"`},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			c := newTC(t)
			id := c.create("")
			c.srv.InjectFault(Fault{Method: "GET", Path: "/batches/{id}", Status: tt.status, RetryAfter: tt.retryAfter})
			r := c.do("GET", "/batches/"+id, "", "")
			if r.status != tt.status || r.header.Get("Retry-After") != tt.retryAfter || r.header.Get("Content-Type") != tt.ctype {
				t.Fatalf("got %d Retry-After %q Content-Type %q", r.status, r.header.Get("Retry-After"), r.header.Get("Content-Type"))
			}
			if tt.body == "" && len(r.body) != 0 || !strings.Contains(string(r.body), tt.body) {
				t.Errorf("body %q", r.body)
			}
			c.must(http.StatusOK, "GET", "/batches/"+id, "", "") // used up
			log := c.srv.Requests()
			if f := log[1]; f.Fault != FaultStatus || f.Applied || f.Status != tt.status {
				t.Errorf("log entry %+v", f)
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	a, b := c.create(""), c.create("")
	c.srv.InjectFault(Fault{Path: "/batches/" + b, Kind: FaultStatus, Status: 503, Times: 2})
	c.srv.InjectFault(Fault{Method: "DELETE", Status: 500})
	steps := []struct {
		method, path string
		want         int
	}{
		{"GET", "/batches/" + a, 200},
		{"PUT", "/batches/" + b + "/", 503}, // literal path, trailing slash ignored
		{"GET", "/batches/" + a + "/results", 400},
		{"GET", "/batches/" + b, 503},
		{"GET", "/batches/" + b, 200}, // Times: 2 used up
		{"DELETE", "/batches/" + a, 500},
		{"DELETE", "/batches/" + a, 200},
	}
	for i, s := range steps {
		if r := c.do(s.method, s.path, "application/json", `{"status":"PAUSED"}`); r.status != s.want {
			t.Errorf("step %d %s %s: %d, want %d", i, s.method, s.path, r.status, s.want)
		}
	}
	for _, bad := range []Fault{{}, {Kind: FaultStatus}, {Kind: FaultKind(99)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%+v) did not panic", bad)
				}
			}()
			c.srv.InjectFault(bad)
		}()
	}
}

func TestFaultHangUpBefore(t *testing.T) {
	t.Parallel()
	c := noKeepAlive(newTC(t))
	c.srv.InjectFault(Fault{Method: "POST", Path: "/batches/", Kind: FaultHangUpBefore})
	if _, err := c.try("POST", "/batches/", "application/json", `{"type":"HLR_V2"}`); err == nil {
		t.Fatal("no transport error")
	}
	if _, ok := c.srv.Batch("1001"); ok {
		t.Fatal("the hung-up create was applied")
	}
	if got := c.create(""); got != "1001" {
		t.Errorf("retry created %s", got)
	}
	if e := c.srv.Requests()[0]; e.Status != 0 || e.Applied || e.Fault != FaultHangUpBefore || e.BodyBytes != 17 {
		t.Errorf("log entry %+v", e)
	}
}

func TestFaultHangUpAfter(t *testing.T) {
	t.Parallel()
	c := noKeepAlive(newTC(t))
	id := c.create("")
	c.srv.InjectFault(Fault{Path: "/batches/{id}/source", Kind: FaultHangUpAfter})
	if _, err := c.try("POST", "/batches/"+id+"/source", "text/csv", "447700900123\n447700900124\n"); err == nil {
		t.Fatal("no transport error")
	}
	st, _ := c.srv.Batch(id)
	if st.Status != StatusReady || st.NumItems != 2 {
		t.Fatalf("the upload was not applied: %+v", st)
	}
	// The ambiguous case: a blind retry is refused, the batch tells the truth.
	if r := c.do("POST", "/batches/"+id+"/source", "text/csv", "447700900123\n447700900124\n"); r.status != 409 {
		t.Errorf("retry: %d", r.status)
	}
	if b := c.get(id); b.NumItems != 2 {
		t.Errorf("numItems %d", b.NumItems)
	}
	if st, _ = c.srv.Batch(id); st.UploadAttempts != 2 || st.Uploads != 1 {
		t.Errorf("attempts %d uploads %d", st.UploadAttempts, st.Uploads)
	}
	if e := c.srv.Requests()[1]; e.Status != 0 || !e.Applied || e.Fault != FaultHangUpAfter {
		t.Errorf("log entry %+v", e)
	}
}

func TestFaultCutBody(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	id := c.create("")
	c.upload(id, "447700900123\n447700900124\n447700900125\n")
	c.put(id, `{"status":"PROCESSING"}`)
	full := c.must(200, "GET", "/batches/"+id+"/results", "", "").body
	c.srv.InjectFault(Fault{Method: "GET", Path: "/batches/{id}/results", Kind: FaultCutBody})
	res, err := c.hc.Get(c.url("/batches/" + id + "/results"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.ContentLength != int64(len(full)) {
		t.Fatalf("status %d Content-Length %d, want 200 %d", res.StatusCode, res.ContentLength, len(full))
	}
	got, err := io.ReadAll(res.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read error %v", err)
	}
	if string(got) != string(full[:len(full)/2]) {
		t.Errorf("got %d bytes, want the first %d", len(got), len(full)/2)
	}
	if e := c.srv.Requests()[4]; e.Status != 200 || !e.Applied || e.Fault != FaultCutBody {
		t.Errorf("log entry %+v", e)
	}
}

func TestFaultStall(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	id := c.create("")
	c.srv.InjectFault(Fault{Method: "PUT", Kind: FaultStall})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PUT", c.url("/batches/"+id+"/"), strings.NewReader(`{"status":"PAUSED"}`))
	req.Header.Set("Content-Type", "application/json")
	if _, err := c.hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a deadline", err)
	}
	if b := c.get(id); b.Status != StatusNew {
		t.Errorf("status %s", b.Status)
	}
	// Close releases a stalled request. The fake's handler is served by a
	// wrapper that says when the request has arrived, so that the test waits
	// on a channel, not the clock.
	s2 := NewServer()
	s2.InjectFault(Fault{Kind: FaultStall})
	arrived := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		s2.ServeHTTP(w, r)
	}))
	defer front.Close()
	errc := make(chan error, 1)
	go func() {
		res, err := front.Client().Get(front.URL + "/batches/?apikey=" + APIKey)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	s2.Close()
	if err := <-errc; err == nil {
		t.Error("stalled request got a response after Close")
	}
}
