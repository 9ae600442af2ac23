package hlrlookup_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/seed682fd871/hlrlookup"
)

// A batch that takes ten minutes, waited for with the default WaitOptions:
// WaitForBatch polls at most once per interval, the interval grows by half
// from 5s and stays at the 1m maximum, so the whole wait costs 16 GETs
// (recorded in BENCHMARKS.md).
func TestWaitForBatchTenMinutesGETCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
		c, err := hlrlookup.NewClient("k", "s", hlrlookup.WithBaseURL("https://api.test"),
			hlrlookup.WithHTTPClient(&http.Client{Transport: mt}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var polls []time.Duration
		mt.RegisterResponder(http.MethodGet, "https://api.test/batches/7", func(req *http.Request) (*http.Response, error) {
			elapsed := time.Since(start)
			polls = append(polls, elapsed)
			status, done := "PROCESSING", int(elapsed*1000/(10*time.Minute))
			if elapsed >= 10*time.Minute {
				status, done = "COMPLETE", 1000
			}
			return httpmock.NewStringResponse(http.StatusOK,
				fmt.Sprintf(`{"id":"7","status":%q,"numItems":1000,"numComplete":%d}`, status, done)), nil
		})
		b, err := c.WaitForBatch(t.Context(), "7", nil)
		if err != nil || b.Status != hlrlookup.StatusComplete {
			t.Fatalf("WaitForBatch = %+v, %v", b, err)
		}
		if len(polls) != 16 {
			t.Errorf("%d GETs over a 10-minute batch, want 16 (polls at %v)", len(polls), polls)
		}
		// At most once per interval: every gap at least the one before it
		// (5s growing by half), and never more than the 1m maximum.
		for i := 1; i < len(polls); i++ {
			gap := polls[i] - polls[i-1]
			if gap < 5*time.Second || gap > time.Minute {
				t.Errorf("gap %d is %v, want 5s to 1m", i, gap)
			}
			if i > 1 && gap < polls[i-1]-polls[i-2] {
				t.Errorf("gap %d (%v) is shorter than the one before", i, gap)
			}
		}
		if last := polls[len(polls)-1] - polls[len(polls)-2]; last != time.Minute {
			t.Errorf("last gap %v, want the 1m maximum", last)
		}
		t.Logf("%d GETs; polls at %v", len(polls), polls)
	})
}

// An interval so long that growing it by half overflows a Duration waits
// MaxPollInterval; it does not wrap to a negative wait and poll in a loop.
func TestWaitForBatchHugeIntervalSaturates(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		c, err := hlrlookup.NewClient("k", "s", hlrlookup.WithBaseURL("https://api.test"),
			hlrlookup.WithHTTPClient(&http.Client{Transport: mt}))
		if err != nil {
			t.Fatal(err)
		}
		const first = time.Duration(7e18) // about 222 years; 1.5x overflows int64
		ctx, cancel := context.WithTimeout(t.Context(), first+time.Duration(1e18))
		defer cancel()
		polls := 0
		mt.RegisterResponder(http.MethodGet, "https://api.test/batches/7", func(*http.Request) (*http.Response, error) {
			if polls++; polls > 10 {
				cancel() // the bug: a negative interval polls without waiting
			}
			return httpmock.NewStringResponse(http.StatusOK, `{"id":"7","status":"PROCESSING","numItems":2}`), nil
		})
		_, err = c.WaitForBatch(ctx, "7", &hlrlookup.WaitOptions{PollInterval: first, MaxPollInterval: math.MaxInt64})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the deadline", err)
		}
		if polls != 2 {
			t.Errorf("%d polls before the deadline, want 2 (at 0 and after the first interval)", polls)
		}
	})
}
