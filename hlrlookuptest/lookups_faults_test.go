package hlrlookuptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestLookupFaults(t *testing.T) {
	t.Parallel()
	n := charged(t, 0)
	tests := []struct {
		name      string
		fault     Fault
		status    int    // 0: the request fails
		body      string // for a status
		charged   int
		applied   bool
		logStatus int
	}{
		{"429", Fault{Method: "POST", Path: "/apiv2/hlr", Status: 429, RetryAfter: "7"}, 429, "TOO_MANY_REQUESTS", 0, false, 429},
		{"500", Fault{Path: "/apiv2/hlr/", Status: 500}, 500, "", 0, false, 500},
		{"502", Fault{Path: "/apiv2/hlr", Status: 502}, 502, "nginx", 0, false, 502},
		{"hang up before", Fault{Path: "/apiv2/hlr", Kind: FaultHangUpBefore}, 0, "", 0, false, 0},
		{"hang up after", Fault{Path: "/apiv2/hlr", Kind: FaultHangUpAfter}, 0, "", 1, true, 0},
		{"cut body", Fault{Path: "/apiv2/hlr", Kind: FaultCutBody}, 0, "", 1, true, 200},
		{"literal path", Fault{Path: "/apiv2/hlr", Status: 503}, 503, "unavailable", 0, false, 503},
		{"another endpoint", Fault{Path: "/apiv2/mnp", Status: 500}, 200, "", 1, true, 200},
		{"balance", Fault{Path: "/apiv2/balance", Status: 500}, 200, "", 1, true, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTC(t)
			c.srv.InjectFault(tt.fault)
			r, err := postLookup(context.Background(), c.hc, c.srv.URL, "/apiv2/hlr", lookupBody(item(n)))
			switch {
			case tt.status == 0 && err == nil:
				t.Fatalf("status %d, want the request to fail", r.status)
			case tt.status != 0 && err != nil:
				t.Fatal(err)
			case tt.status != 0 && (r.status != tt.status || !strings.Contains(string(r.body), tt.body)):
				t.Fatalf("status %d, body %q; want %d with %q", r.status, r.body, tt.status, tt.body)
			}
			if tt.fault.RetryAfter != "" && r.header.Get("Retry-After") != tt.fault.RetryAfter {
				t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
			}
			if got := c.srv.Charges(n); got != tt.charged || c.srv.Balance(APIKey) != DefaultBalance-float64(tt.charged) {
				t.Errorf("charges %d, balance %v; want %d", got, c.srv.Balance(APIKey), tt.charged)
			}
			log := c.srv.Requests()
			if len(log) != 1 || log[0].Applied != tt.applied || log[0].Status != tt.logStatus || log[0].Path != "/apiv2/hlr" {
				t.Errorf("log %v", log)
			}
		})
	}
}

// Inside a synctest bubble, on the in-memory transport: WithLookupDelay
// makes answers arrive out of order, FaultDelay and FaultStall hold a
// request on the bubble's clock and end with its context, and MaxInFlight
// counts the requests held at once.
func TestLookupDelaysInsideSynctest(t *testing.T) {
	t.Parallel()
	slow, fast := charged(t, 0), charged(t, 1)
	synctest.Test(t, func(t *testing.T) {
		srv := NewServer(WithoutNetwork(), WithLookupDelay(func(numbers []string) time.Duration {
			if slices.Contains(numbers, slow) {
				return 3 * time.Second
			}
			return time.Second
		}))
		defer srv.Close()
		hc := &http.Client{Transport: srv.Transport()}
		ctx := t.Context()

		var mu sync.Mutex
		var order []string
		var wg sync.WaitGroup
		start := time.Now()
		for _, n := range []string{slow, fast} {
			wg.Go(func() {
				r, err := postLookup(ctx, hc, srv.URL, "/apiv2/hlr", lookupBody(item(n)))
				if err != nil || r.status != 200 {
					t.Errorf("%s: %v %d", n, err, r.status)
				}
				mu.Lock()
				order = append(order, n)
				mu.Unlock()
			})
			synctest.Wait() // the slow one is sent first
		}
		if srv.InFlight() != 2 {
			t.Errorf("InFlight = %d while both wait", srv.InFlight())
		}
		wg.Wait()
		if !slices.Equal(order, []string{fast, slow}) || time.Since(start) != 3*time.Second {
			t.Errorf("answers in order %v after %s; want the fast one first, 3s", order, time.Since(start))
		}
		if srv.MaxInFlight() != 2 || srv.InFlight() != 0 {
			t.Errorf("MaxInFlight %d, InFlight %d", srv.MaxInFlight(), srv.InFlight())
		}
		srv.ResetMaxInFlight()
		if srv.MaxInFlight() != 0 {
			t.Errorf("MaxInFlight after reset: %d", srv.MaxInFlight())
		}

		// A client that gives up ends the wait: nothing applied, nothing charged.
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		other := charged(t, 2)
		if _, err := postLookup(dctx, hc, srv.URL, "/apiv2/mnp", lookupBody(item(slow), item(other))); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a delayed request past its deadline: %v", err)
		}
		synctest.Wait()
		if srv.Charges(other) != 0 || srv.InFlight() != 0 {
			t.Errorf("a request abandoned while delayed: charges %d, in flight %d", srv.Charges(other), srv.InFlight())
		}

		// FaultDelay, on any endpoint.
		srv.InjectFault(Fault{Path: "/apiv2/balance", Delay: time.Minute})
		start = time.Now()
		r, err := postLookup(ctx, hc, srv.URL, "/apiv2/balance", `{"api_key":"`+APIKey+`","api_secret":"`+Secret+`"}`)
		if err != nil || r.status != 200 || time.Since(start) != time.Minute {
			t.Errorf("FaultDelay: %v %d after %s", err, r.status, time.Since(start))
		}
		srv.InjectFault(Fault{Path: "/apiv2/validate", Kind: FaultDelay, Delay: time.Hour})
		dctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if _, err := postLookup(dctx, hc, srv.URL, "/apiv2/validate", lookupBody(item(other))); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("FaultDelay past the deadline: %v", err)
		}
		// FaultStall holds a lookup until the client leaves.
		srv.InjectFault(Fault{Path: "/apiv2/hlr", Kind: FaultStall})
		dctx, cancel = context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		if _, err := postLookup(dctx, hc, srv.URL, "/apiv2/hlr", lookupBody(item(other))); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("FaultStall: %v", err)
		}
		synctest.Wait()
		if srv.Charges(other) != 0 {
			t.Errorf("charges %d after requests that were never applied", srv.Charges(other))
		}
		log := srv.Requests()
		for _, i := range []int{2, 4, 5} {
			if log[i].Applied || log[i].Status != 0 {
				t.Errorf("log[%d] = %s, want not applied, no status", i, log[i])
			}
		}
		if log[3].Fault != FaultDelay || !log[3].Applied || log[3].Status != 200 {
			t.Errorf("log[3] = %s", log[3])
		}
	})
}

func TestLookupLogHoldsNoSecret(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("k2", "other-secret"))
	n := charged(t, 0)
	bodies := []string{
		lookupBody(item(n)),
		lookupBody(item(n, `"`+Secret+`":1`)),
		lookupBody(item(n, `"input_format":"`+Secret+`"`)),
		`{"api_key":"` + APIKey + `","api_secret":"` + Secret + `x","requests":[` + item(n) + `]}`,
		`{"api_key":"k2","api_secret":"other-secret","requests":[{"telephone_number":"1","other-secret":2}]}`,
	}
	c.srv.InjectFault(Fault{Path: "/apiv2/hlr", Kind: FaultHangUpAfter})
	for _, b := range bodies {
		req, _ := http.NewRequest("POST", c.srv.URL+"/apiv2/hlr", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("ReferenceID", "ref-1")
		req.Header.Set("AccountID", "customer "+Secret)
		res, err := c.hc.Do(req)
		if err != nil {
			continue
		}
		var sb strings.Builder
		_, _ = io.Copy(&sb, res.Body)
		res.Body.Close()
		if strings.Contains(sb.String(), Secret) || strings.Contains(sb.String(), "other-secret") {
			t.Errorf("answer %s holds a secret", sb.String())
		}
	}
	for _, r := range c.srv.Requests() {
		line := r.String() + fmt.Sprintf(" %#v", r)
		if strings.Contains(line, Secret) || strings.Contains(line, "other-secret") {
			t.Errorf("log entry holds a secret: %s", line)
		}
		if r.ReferenceID != "ref-1" || r.AccountID != "customer REDACTED" {
			t.Errorf("headers logged as %q, %q", r.ReferenceID, r.AccountID)
		}
	}
}
