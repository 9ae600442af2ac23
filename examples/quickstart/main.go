// Command quickstart runs the SDK's main job from start to end: create a
// batch, upload a CSV file whose numbers are in column B, start the batch,
// wait for it with a progress line, download the results as CSV, summarise
// them and delete the batch.
//
// Run it from the repository root:
//
//	go run ./examples/quickstart
//
// Without HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET it uses the built-in fake
// service; with them it spends real credits (one per number of
// testdata/customers.csv).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

func main() {
	// The fake completes 4 numbers per poll, so the progress line moves.
	exampleenv.Run(run, hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(4)))
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client
	input, err := exampleenv.Testdata("customers.csv")
	if err != nil {
		return err
	}

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "customers.csv"})
	if err != nil {
		return err
	}
	fmt.Printf("Created batch %s (%s).\n", batch.ID, batch.Filename)

	// The file has a header row (customer_id,phone,name): the numbers are in column B.
	if err := client.UploadFile(ctx, batch.ID, input, &hlrlookup.UploadOptions{Column: hlrlookup.ColumnB}); err != nil {
		return err
	}
	if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Uploaded customers.csv (numbers in column B): %d numbers.\n", batch.NumItems)

	if err := client.StartBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Println("Started the batch.")

	last := -1
	batch, err = client.WaitForBatch(ctx, batch.ID, env.WaitOptions(func(b *hlrlookup.Batch) {
		if b.NumComplete != last { // the real service is polled every few seconds; print changes only
			last = b.NumComplete
			fmt.Printf("  progress: %d/%d numbers (%.0f%%)\n", b.NumComplete, b.NumItems, 100*b.Progress())
		}
	}))
	if err != nil {
		return err
	}
	fmt.Printf("Batch %s is %s.\n", batch.ID, batch.Status)

	dir, err := os.MkdirTemp("", "hlrlookup-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "results.csv")
	n, err := client.DownloadFile(ctx, batch.ID, hlrlookup.FormatCSV, path)
	if err != nil {
		return err
	}
	fmt.Printf("Downloaded the results as CSV: %d bytes, saved as results.csv in a temporary directory.\n", n)

	if err := summarise(path); err != nil {
		return err
	}

	if err := client.DeleteBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Deleted batch %s.\n", batch.ID)
	return nil
}

// summarise reads the saved results file and prints how many numbers are
// live, dead, something else or badly formatted, and the credits spent.
func summarise(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	var total, live, dead, other, badFormat int
	var credits float64
	for r, err := range hlrlookup.ReadResults(f) {
		if err != nil {
			return err
		}
		total++
		credits += r.CreditsSpent
		switch {
		case r.TelephoneNumberType == hlrlookup.NumberTypeBadFormat:
			badFormat++
		case r.LiveStatus == hlrlookup.LiveStatusLive:
			live++
		case r.LiveStatus == hlrlookup.LiveStatusDead:
			dead++
		default:
			other++
		}
	}
	fmt.Printf("Summary of %d numbers:\n", total)
	fmt.Printf("  live          %3d\n", live)
	fmt.Printf("  dead          %3d\n", dead)
	fmt.Printf("  other status  %3d  (absent, no coverage, inconclusive, …)\n", other)
	fmt.Printf("  bad format    %3d  (not charged)\n", badFormat)
	fmt.Printf("  credits spent %5.1f\n", credits)
	return nil
}
