package hlrlookuptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// memExchangeResult is what a client sees of one exchange, minus the Date.
type memExchangeResult struct {
	status        int
	header        http.Header
	contentLength int64
	te            []string
	body          string
	readErr       error
	err           error
}

// memSend sends one request through hc and reads the whole answer.
func memSend(t *testing.T, hc *http.Client, srv *Server, ctx context.Context, method, pathQuery, ctype string, body io.Reader) memExchangeResult {
	t.Helper()
	sep := "?"
	if strings.Contains(pathQuery, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+pathQuery+sep+"apikey="+APIKey+"&secret="+Secret, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := hc.Do(req)
	if err != nil {
		return memExchangeResult{err: err}
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(res.Body)
	h := res.Header.Clone()
	h.Del("Date")
	return memExchangeResult{status: res.StatusCode, header: h, contentLength: res.ContentLength,
		te: res.TransferEncoding, body: string(b), readErr: rerr}
}

// TestWithoutNetworkAnswersAsTheNetworkDoes sends the same requests to a
// networked server and to one WithoutNetwork and compares what the client
// sees: statuses, headers (Content-Length or chunked, the sniffed or set
// Content-Type), bodies, faults, and the request log.
func TestWithoutNetworkAnswersAsTheNetworkDoes(t *testing.T) {
	t.Parallel()
	many := strings.Repeat("+447700900123\n", 40) // results over 2 KiB: chunked
	type step struct {
		method, path, ctype string
		body                func() io.Reader
		fault               *Fault
	}
	str := func(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
	unknownLength := func(s string) func() io.Reader {
		return func() io.Reader { return io.MultiReader(strings.NewReader(s)) }
	}
	steps := []step{
		{method: "POST", path: "/batches/", ctype: "application/json", body: str(`{"filename":"a.csv","type":"HLR_V2"}`)},
		{method: "POST", path: "/batches/", ctype: "application/json", body: unknownLength(`{"filename":"b.csv","type":"HLR_V2"}`)},
		{method: "POST", path: "/batches/", ctype: "application/json", body: unknownLength("")},
		{method: "GET", path: "/batches/1001"},
		{method: "GET", path: "/batches/9999"},
		{method: "GET", path: "/nowhere"},
		{method: "PATCH", path: "/batches/1001"},
		{method: "POST", path: "/batches/1001/source", ctype: "text/csv", body: unknownLength(many)},
		{method: "POST", path: "/batches/1002/source", ctype: "text/csv", body: str("+447700900001\n")},
		{method: "PUT", path: "/batches/1001/", ctype: "application/json", body: str(`{"status":"PROCESSING"}`)},
		{method: "GET", path: "/batches/1001/results"},
		{method: "GET", path: "/batches/1001/results?format=json"},
		{method: "GET", path: "/batches/1002/results"},
		{method: "GET", path: "/batches/", fault: &Fault{Status: 500}},
		{method: "GET", path: "/batches/", fault: &Fault{Status: 502}},
		{method: "GET", path: "/batches/", fault: &Fault{Status: 503, RetryAfter: "7"}},
		{method: "GET", path: "/batches/", fault: &Fault{Status: 429, RetryAfter: "1"}},
		{method: "GET", path: "/batches/1001", fault: &Fault{Kind: FaultHangUpBefore}},
		{method: "PUT", path: "/batches/1002/", ctype: "application/json", body: str(`{"status":"PROCESSING"}`), fault: &Fault{Kind: FaultHangUpAfter}},
		{method: "GET", path: "/batches/1001/results", fault: &Fault{Kind: FaultCutBody}},
		{method: "GET", path: "/batches/1001", fault: &Fault{Kind: FaultCutBody}},
		{method: "GET", path: "/batches/1001"},
	}
	run := func(t *testing.T, srv *Server) ([]memExchangeResult, []Request) {
		var out []memExchangeResult
		for _, st := range steps {
			hc := &http.Client{Transport: srv.Transport()}
			if srv.mem == nil { // a fresh connection per request: no silent resend of a GET
				tr := &http.Transport{DisableKeepAlives: true}
				t.Cleanup(tr.CloseIdleConnections)
				hc.Transport = tr
			}
			if st.fault != nil {
				srv.InjectFault(*st.fault)
			}
			var body io.Reader
			if st.body != nil {
				body = st.body()
			}
			out = append(out, memSend(t, hc, srv, t.Context(), st.method, st.path, st.ctype, body))
		}
		return out, srv.Requests()
	}
	clock := func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	network := NewServer(WithClock(clock))
	t.Cleanup(network.Close)
	memory := NewServer(WithClock(clock), WithoutNetwork())
	t.Cleanup(memory.Close)
	if memory.Connections() != 0 || !strings.HasPrefix(memory.URL, "https://") {
		t.Errorf("WithoutNetwork: URL %s, %d connections", memory.URL, memory.Connections())
	}
	wantRes, wantLog := run(t, network)
	gotRes, gotLog := run(t, memory)
	for i, st := range steps {
		w, g := wantRes[i], gotRes[i]
		name := fmt.Sprintf("%d: %s %s (fault %v)", i, st.method, st.path, st.fault)
		if (w.err == nil) != (g.err == nil) || (w.readErr == nil) != (g.readErr == nil) {
			t.Errorf("%s: errors differ: network %v / %v, in memory %v / %v", name, w.err, w.readErr, g.err, g.readErr)
			continue
		}
		if w.err != nil {
			if !errors.Is(g.err, io.EOF) {
				t.Errorf("%s: in memory the hang-up is %v, want one matching io.EOF", name, g.err)
			}
			continue
		}
		if w.readErr != nil && !errors.Is(g.readErr, io.ErrUnexpectedEOF) || !errors.Is(w.readErr, g.readErr) {
			t.Errorf("%s: body read error %v in memory, %v on the network", name, g.readErr, w.readErr)
		}
		if w.status != g.status || w.contentLength != g.contentLength || !slices.Equal(w.te, g.te) ||
			fmt.Sprint(w.header) != fmt.Sprint(g.header) || w.body != g.body {
			t.Errorf("%s: differs\nnetwork:   %d CL %d TE %v %v %.120q\nin memory: %d CL %d TE %v %v %.120q", name,
				w.status, w.contentLength, w.te, w.header, w.body, g.status, g.contentLength, g.te, g.header, g.body)
		}
	}
	if len(wantLog) != len(gotLog) {
		t.Fatalf("the network log has %d entries, the in-memory one %d", len(wantLog), len(gotLog))
	}
	for i := range wantLog {
		if w, g := wantLog[i].String(), gotLog[i].String(); w != g ||
			wantLog[i].ContentLength != gotLog[i].ContentLength || wantLog[i].BodyBytes != gotLog[i].BodyBytes ||
			!slices.Equal(wantLog[i].TransferEncoding, gotLog[i].TransferEncoding) {
			t.Errorf("log %d: network %s (CL %d, TE %v, %d bytes read), in memory %s (CL %d, TE %v, %d bytes read)", i,
				w, wantLog[i].ContentLength, wantLog[i].TransferEncoding, wantLog[i].BodyBytes,
				g, gotLog[i].ContentLength, gotLog[i].TransferEncoding, gotLog[i].BodyBytes)
		}
	}
}

// TestWithoutNetworkRefusesOtherHosts: the in-memory transport reaches
// only its own server, and a closed server refuses like a closed port.
func TestWithoutNetworkRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithoutNetwork())
	hc := &http.Client{Transport: srv.Transport()}
	if _, err := hc.Get("https://example.com/batches/"); err == nil || !strings.Contains(err.Error(), "serves only") {
		t.Errorf("another host: %v", err)
	}
	srv.Close()
	srv.Close()
	_, err := hc.Get(srv.URL + "/batches/")
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("after Close: %v, want a refused connection", err)
	}
}

// TestWithoutNetworkInsideSynctest: with no socket, the fake runs inside a
// synctest bubble, so waits that take minutes on the clock take none of the
// test's time: WaitForBatch's default polling of a Rate batch, a
// Retry-After, a stall that lasts until a deadline, a body read cut by one.
func TestWithoutNetworkInsideSynctest(t *testing.T) {
	t.Parallel()
	numbers := []string{"+447700900001", "+447700900002", "+447700900003", "+447700900004", "+447700900005", "+447700900006"}
	synctest.Test(t, func(t *testing.T) {
		srv := NewServer(WithoutNetwork(), WithProcessing(Rate(0.25)))
		defer srv.Close()
		c := srv.Client()
		ctx := t.Context()
		b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "synctest.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UploadNumbers(ctx, b.ID, numbers); err != nil {
			t.Fatal(err)
		}
		if err := c.StartBatch(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		polls := 0
		done, err := c.WaitForBatch(ctx, b.ID, &hlrlookup.WaitOptions{OnProgress: func(*hlrlookup.Batch) { polls++ }})
		if err != nil || !done.Status.Complete() || done.NumComplete != len(numbers) {
			t.Fatalf("WaitForBatch = %+v, %v", done, err)
		}
		// 6 numbers at 0.25 a second: 24 s; polls at 0, 5, 12.5, 23.75 and 40.6 s.
		if waited := time.Since(start); waited < 24*time.Second || polls != 5 {
			t.Errorf("waited %s of the bubble's clock over %d polls; want at least 24s over 5", waited, polls)
		}

		// A Retry-After of a minute is honoured, at no cost.
		srv.InjectFault(Fault{Method: "GET", Status: http.StatusTooManyRequests, RetryAfter: "60"})
		slow := srv.Client(hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: 1, MinWait: time.Second, MaxWait: 2 * time.Minute}))
		start = time.Now()
		if _, err := slow.GetBatch(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != time.Minute {
			t.Errorf("Retry-After 60 took %s of the bubble's clock", waited)
		}

		// A stall ends with the request's context.
		srv.InjectFault(Fault{Method: "GET", Kind: FaultStall})
		dctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		start = time.Now()
		_, err = c.GetBatch(dctx, b.ID)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 90*time.Second {
			t.Errorf("stalled GET: %v after %s", err, time.Since(start))
		}
		synctest.Wait()
		if log := srv.Requests(); log[len(log)-1].Fault != FaultStall || log[len(log)-1].Status != 0 {
			t.Errorf("the stalled request is logged as %s", log[len(log)-1])
		}

		// A body being read ends with the context too.
		rctx, rcancel := context.WithCancel(ctx)
		req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/batches/"+string(b.ID)+"/results?apikey="+APIKey+"&secret="+Secret, nil)
		res, err := (&http.Client{Transport: srv.Transport()}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.Body.Read(make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		rcancel()
		if _, err := io.ReadAll(res.Body); !errors.Is(err, context.Canceled) {
			t.Errorf("reading after the context ended: %v", err)
		}
		res.Body.Close()
	})
}

// TestWithoutNetworkCloseEndsRequestsInFlight: Close releases a stalled
// request and a body nobody reads, and waits for their handlers.
func TestWithoutNetworkCloseEndsRequestsInFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := NewServer(WithoutNetwork())
		c := &tc{t: t, srv: srv, hc: &http.Client{Transport: srv.Transport()}, key: APIKey, secret: Secret}
		id := c.create("")
		c.upload(id, strings.Repeat("+447700900123\n", 200)) // results over 2 KiB: streamed
		c.put(id, `{"status":"PROCESSING"}`)
		res, err := c.hc.Get(c.url("/batches/" + id + "/results"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		srv.InjectFault(Fault{Kind: FaultStall})
		stalled := make(chan error)
		go func() {
			_, err := c.try("GET", "/batches/"+id, "", "")
			stalled <- err
		}()
		synctest.Wait()
		srv.Close()
		if err := <-stalled; err == nil {
			t.Error("the stalled request succeeded after Close")
		}
		if _, err := io.ReadAll(res.Body); err == nil {
			t.Error("the unread body was read to its end after Close")
		}
	})
}

// memSlowBody sends one number a second, n times, on the clock of the
// bubble it runs in.
type memSlowBody struct{ n int }

func (r *memSlowBody) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	r.n--
	time.Sleep(time.Second)
	return copy(p, "+447700900123\n"), nil
}

// TestWithoutNetworkContextEndsRequestBody: a request whose context ends
// while its body is still being sent fails, and, as on the network, where
// the connection drops and the handler's read fails, the fake never applies
// it: an upload cut off by its deadline stores nothing, even once the
// caller's body has been read to its end.
func TestWithoutNetworkContextEndsRequestBody(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := NewServer(WithoutNetwork())
		defer srv.Close()
		c := &tc{t: t, srv: srv, hc: &http.Client{Transport: srv.Transport()}, key: APIKey, secret: Secret}
		id := c.create("")
		body := &memSlowBody{n: 10}
		ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "POST", c.url("/batches/"+id+"/source"), body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		res, err := c.hc.Do(req)
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("upload past its deadline: %v, want context.DeadlineExceeded", err)
		}
		time.Sleep(time.Minute) // long enough for the whole body, had it gone on
		synctest.Wait()
		if st, _ := srv.Batch(id); st.Uploads != 0 || st.NumItems != 0 {
			t.Errorf("the upload cut off by its deadline was applied: %d uploads, %d items; log %v", st.Uploads, st.NumItems, srv.Requests())
		}
		if log := srv.Requests(); len(log) != 2 || log[1].Status == http.StatusOK {
			t.Errorf("the fake's log: %v, want the upload not answered 200", log)
		}
	})
}
