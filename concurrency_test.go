package hlrlookup_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// conWorkers is how many goroutines share the one client.
const conWorkers = 50

// conLifecycle runs a whole batch's life with c: create, upload, read,
// start, wait, download, iterate, list, delete. Every number is unique to
// worker w, so any crosstalk between goroutines shows in the results.
func conLifecycle(ctx context.Context, c *hlrlookup.Client, w int, shared hlrlookup.BatchID) error {
	numbers := []string{fmt.Sprintf("+4477009%05d", 2*w), fmt.Sprintf("+4477009%05d", 2*w+1)}
	name := fmt.Sprintf("worker-%02d.csv", w)
	b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: name})
	if err != nil {
		return err
	}
	if w%2 == 0 {
		err = c.UploadNumbers(ctx, b.ID, numbers)
	} else {
		data := []byte(numbers[0] + "\n" + numbers[1] + "\n")
		err = c.Upload(ctx, b.ID, bytes.NewReader(data), int64(len(data)), nil)
	}
	if err != nil {
		return err
	}
	got, err := c.GetBatch(ctx, b.ID)
	if err != nil {
		return err
	}
	if got.Filename != name || got.NumItems != len(numbers) {
		return fmt.Errorf("worker %d read batch %s as %q with %d items", w, b.ID, got.Filename, got.NumItems)
	}
	if _, err := c.GetBatch(ctx, shared); err != nil {
		return err
	}
	if err := c.StartBatch(ctx, b.ID); err != nil {
		return err
	}
	if _, err := c.WaitForBatch(ctx, b.ID, relWaitOpts); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := c.DownloadTo(ctx, b.ID, hlrlookup.FormatJSON, &buf); err != nil {
		return err
	}
	var seen []string
	for r, err := range c.Results(ctx, b.ID) {
		if err != nil {
			return err
		}
		seen = append(seen, r.TelephoneNumber)
	}
	if !slices.Equal(seen, numbers) {
		return fmt.Errorf("worker %d got results for %q, want %q", w, seen, numbers)
	}
	if _, err := c.ListBatches(ctx, &hlrlookup.ListOptions{Limit: 5}); err != nil {
		return err
	}
	return c.DeleteBatch(ctx, b.ID)
}

// TestOneClientManyGoroutines shares one Client between 50 goroutines doing
// mixed calls (run it with -race), and counts the fake's TCP connections to
// show that connections are reused rather than dialled per request.
func TestOneClientManyGoroutines(t *testing.T) {
	t.Parallel()
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(100)))
	t.Cleanup(srv.Close)
	c := srv.Client(hlrlookup.WithRetryPolicy(relTiny))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	shared, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "shared.csv"})
	if err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	errs := make(chan error, conWorkers)
	var wg sync.WaitGroup
	for w := range conWorkers {
		wg.Go(func() {
			<-start // all at once
			errs <- conLifecycle(ctx, c, w, shared.ID)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}

	requests := len(srv.Requests())
	conns := srv.Connections()
	t.Logf("%d goroutines, %d requests, %d TCP connections", conWorkers, requests, conns)
	if requests < conWorkers*10 {
		t.Errorf("only %d requests; the workers did not run", requests)
	}
	// At most conWorkers requests are in flight at once, so a pool that
	// reuses connections needs about conWorkers of them. net/http may dial
	// a few more: a dial begun while a request waits can finish after
	// another connection was freed, and then joins the pool. 2×conWorkers
	// leaves room for that (50–76 were seen); a pool that keeps only
	// GOMAXPROCS+1 idle connections per host redials for most requests
	// (130–190 were seen), and dialling per request would give ~500.
	if conns > 2*conWorkers {
		t.Errorf("%d connections for %d requests from %d goroutines: connections are not reused", conns, requests, conWorkers)
	}
	for _, r := range srv.Requests() {
		if r.Status < 200 || r.Status >= 300 {
			t.Errorf("request failed: %s", r)
		}
	}
	if l, err := c.ListBatches(ctx, nil); err != nil || l.Total != 1 {
		t.Errorf("after the workers: %v batches, %v; want only the shared one", l, err)
	}
}
