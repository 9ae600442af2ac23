package hlrlookup_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// lookupClient is the fake's client pointed at its lookup endpoints too,
// with quick retries.
func lookupClient(srv *hlrlookuptest.Server) *hlrlookup.Client {
	return srv.Client(hlrlookup.WithLookupURL(srv.LookupURL()),
		hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Second, MaxWait: 2 * time.Second}))
}

// TestLookupFlowNeverPaysTwice: on the fake, whose charges per number show
// what was paid, a lookup whose outcome is unknown is settled without a
// second charge, and a cached answer from before the call is not passed off
// as the fresh lookup.
func TestLookupFlowNeverPaysTwice(t *testing.T) {
	t.Parallel()
	numbers := []string{"+447700900123", "+4915123456789", "+12025550143"}
	for _, tc := range []struct {
		name  string
		fault hlrlookuptest.Fault
	}{
		{"connection lost after applying", hlrlookuptest.Fault{Kind: hlrlookuptest.FaultHangUpAfter}},
		{"body cut after applying", hlrlookuptest.Fault{Kind: hlrlookuptest.FaultCutBody}},
		{"500 without applying", hlrlookuptest.Fault{Status: http.StatusInternalServerError}},
		{"502 twice", hlrlookuptest.Fault{Status: http.StatusBadGateway, Times: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t, hlrlookuptest.WithoutNetwork())
				c := lookupClient(srv)
				tc.fault.Method, tc.fault.Path = http.MethodPost, "/apiv2/hlr"
				srv.InjectFault(tc.fault)
				res, err := c.LookupHLR(t.Context(), numbers, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					if r.TelephoneNumber != numbers[i] || !r.OK() {
						t.Errorf("result %d: %+v", i, *r)
					}
					if got := srv.Charges(numbers[i]); got != 1 {
						t.Errorf("%s charged %d times, want 1", numbers[i], got)
					}
				}
			})
		})
	}

	t.Run("cached answer from before the call", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newFake(t, hlrlookuptest.WithoutNetwork())
			c := lookupClient(srv)
			if _, err := c.LookupHLR(t.Context(), numbers[:1], nil); err != nil { // cached, charged once
				t.Fatal(err)
			}
			time.Sleep(time.Hour) // the synctest clock
			srv.InjectFault(hlrlookuptest.Fault{Method: http.MethodPost, Path: "/apiv2/hlr", Status: http.StatusInternalServerError})
			res, err := c.LookupHLR(t.Context(), numbers, nil)
			var oe *hlrlookup.LookupOutcomeError
			if !errors.Is(err, hlrlookup.ErrOutcomeUnknown) || !errors.As(err, &oe) || len(oe.Numbers) != 1 || oe.Numbers[0] != numbers[0] {
				t.Fatalf("err %v, want the first number in doubt", err)
			}
			if len(res) != 3 || res[0] != nil || res[1] == nil || res[2] == nil {
				t.Fatalf("results %v", res)
			}
			for _, n := range numbers {
				if got := srv.Charges(n); got != 1 {
					t.Errorf("%s charged %d times, want 1", n, got)
				}
			}
		})
	})
}

// TestLookupFlowSplitsInOrder: 500 numbers on the fake go out in 7
// requests, at most 3 in flight, answered out of order (earlier requests
// wait longer), and come back in input order, each charged once; the balance
// goes down by what they cost.
func TestLookupFlowSplitsInOrder(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithLookupDelay(func(ns []string) time.Duration {
			i, _ := strconv.Atoi(ns[0][len(ns[0])-5:])              // 10000 + the number's index
			return time.Duration(1000-(i-10000)) * time.Millisecond // the first request answers last
		}))
		c := lookupClient(srv)
		before, err := c.Balance(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		numbers := make([]string, 500)
		for i := range numbers {
			numbers[i] = "+4477009" + strconv.Itoa(10000+i)
		}
		res, err := c.LookupHLR(t.Context(), numbers, &hlrlookup.LookupOptions{Concurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		spent := 0.0
		for i, r := range res {
			if r.TelephoneNumber != numbers[i] {
				t.Fatalf("result %d is for %q", i, r.TelephoneNumber)
			}
			spent += r.CreditsSpent
			if srv.Charges(numbers[i]) > 1 {
				t.Errorf("%s charged %d times", numbers[i], srv.Charges(numbers[i]))
			}
		}
		if m := srv.MaxInFlight(); m != 3 {
			t.Errorf("max in flight %d, want 3", m)
		}
		after, err := c.Balance(t.Context())
		if err != nil || before-after != spent {
			t.Errorf("balance %v → %v (%v), spent %v", before, after, err, spent)
		}
	})
}

// TestLookupFlowRepeatOnServiceClock: the fake's answers carry a Date from
// its own clock, the one its timestamps come from (as the service's do), so
// that a repeat of the call's own lookup is recognised whatever the skew
// between the fake's clock and the caller's: here the fake's is an hour
// behind, and the repeat's answers were put in doubt.
func TestLookupFlowRepeatOnServiceClock(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
		c := lookupClient(srv)
		srv.InjectFault(hlrlookuptest.Fault{Kind: hlrlookuptest.FaultHangUpAfter, Method: http.MethodPost, Path: "/apiv2/hlr"})
		numbers := []string{"+447700900123", "+4915123456789"}
		res, err := c.LookupHLR(t.Context(), numbers, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range numbers {
			if res[i] == nil || res[i].TelephoneNumber != n || srv.Charges(n) != 1 {
				t.Errorf("%s: result %v, charged %d times", n, res[i], srv.Charges(n))
			}
		}
	})
}
