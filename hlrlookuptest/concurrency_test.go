package hlrlookuptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrency runs 50 clients at once through create, upload, start,
// get, list and download; run it with -race.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithProcessing(PerPoll(3)))
	const workers = 50
	var wg sync.WaitGroup
	ids := make([]string, workers)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			cl := &tc{t: t, srv: c.srv, hc: c.hc, key: APIKey, secret: Secret}
			fail := func(format string, a ...any) { errs <- fmt.Errorf("worker %d: "+format, append([]any{w}, a...)...) }
			r, err := cl.try("POST", "/batches/", "application/json", `{"type":"HLR_V2"}`)
			if err != nil || r.status != 201 {
				fail("create: %v %d", err, r.status)
				return
			}
			var b wireBatch
			_ = json.Unmarshal(r.body, &b)
			id := b.ID.(string)
			ids[w] = id
			body := fmt.Sprintf("4477009%05d\n4477008%05d\n", w, w)
			for _, step := range []struct{ method, path, ctype, body string }{
				{"POST", "/batches/" + id + "/source", "text/csv", body},
				{"PUT", "/batches/" + id, "application/json", `{"status":"PROCESSING"}`},
				{"GET", "/batches/" + id, "", ""},
				{"GET", "/batches/?limit=100", "", ""},
				{"GET", "/batches/" + id + "/results", "", ""},
			} {
				r, err := cl.try(step.method, step.path, step.ctype, step.body)
				if err != nil || r.status != http.StatusOK {
					fail("%s %s: %v %d %s", step.method, step.path, err, r.status, r.body)
					return
				}
			}
			// A concurrent second upload is refused.
			if r, err := cl.try("POST", "/batches/"+id+"/source", "text/csv", body); err != nil || r.status != 409 {
				fail("second upload: %v %d", err, r.status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for w, id := range ids {
		if seen[id] {
			t.Errorf("id %s given twice", id)
		}
		seen[id] = true
		st, ok := c.srv.Batch(id)
		if !ok || st.Status != StatusComplete || st.NumItems != 2 || st.Uploads != 1 || st.UploadAttempts != 2 {
			t.Errorf("worker %d batch %+v", w, st)
		}
	}
	if n := len(c.srv.Requests()); n != workers*7 {
		t.Errorf("%d requests logged, want %d", n, workers*7)
	}
}
