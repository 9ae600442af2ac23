package hlrlookup_test

// This file holds the code of the README's "Testing your code with the fake
// service" section, so that the README's example compiles and passes.

import (
	"net/http"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// countLive is the code under test: it runs a batch and counts live numbers.
func countLive(t *testing.T, client *hlrlookup.Client, numbers []string) int {
	ctx := t.Context()
	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "list.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.UploadNumbers(ctx, batch.ID, numbers); err != nil {
		t.Fatal(err)
	}
	if err := client.StartBatch(ctx, batch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := client.WaitForBatch(ctx, batch.ID, nil); err != nil {
		t.Fatal(err)
	}
	live := 0
	for r, err := range client.Results(ctx, batch.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Live() {
			live++
		}
	}
	return live
}

func TestCountLiveOnTheFake(t *testing.T) {
	t.Parallel()
	srv := hlrlookuptest.NewServer() // in memory; a started batch completes at once
	defer srv.Close()

	// The service fails twice before answering: the client retries.
	srv.InjectFault(hlrlookuptest.Fault{Method: http.MethodGet, Path: "/batches/{id}", Times: 2, Status: http.StatusServiceUnavailable})
	client := srv.Client(hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}))

	numbers := []string{"+447700900123", "+4915123456789", "12345"}
	got := countLive(t, client, numbers)

	want := 0
	for _, n := range numbers {
		if hlrlookuptest.ResultRecord(n)["live_status"] == "LIVE" { // results are predictable
			want++
		}
	}
	if got != want || want == 0 {
		t.Errorf("live = %d, want %d", got, want)
	}
	gets := 0
	for _, r := range srv.Requests() { // what was sent, with the secret redacted
		if r.Method == http.MethodGet && r.Path == "/batches/1001" {
			gets++
		}
	}
	if gets != 3 {
		t.Errorf("%d polls, want 3 (two 503s, then the answer)", gets)
	}
}
