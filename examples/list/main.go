// Command list iterates over every batch of the account with AllBatches,
// which reads the list (GET /batches/) page by page as the loop needs it.
//
//	go run ./examples/list
//
// Against the built-in fake service it first creates seven batches in
// various states, so that there is something to list; against the real
// service (HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET set) it creates nothing and
// only lists.
package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
)

// pageSize is small so that the loop crosses several pages.
const pageSize = 3

func main() {
	exampleenv.Run(run)
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client
	if env.UsingFake() {
		if err := createSamples(ctx, client); err != nil {
			return err
		}
	}

	fmt.Printf("All batches, read in pages of %d:\n", pageSize)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  id\tfilename\tstatus\tdone")
	n := 0
	for b, err := range client.AllBatches(ctx, &hlrlookup.ListOptions{Limit: pageSize}) {
		if err != nil {
			return err
		}
		n++
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d/%d\n", b.ID, b.Filename, b.Status, b.NumComplete, b.NumItems)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("%d batches.\n", n)
	if env.UsingFake() {
		fmt.Printf("The fake service answered %d list requests.\n", listRequests(env))
	}
	return nil
}

// createSamples creates seven batches on the fake service: some empty, some
// with data, some complete.
func createSamples(ctx context.Context, client *hlrlookup.Client) error {
	months := []string{"january", "february", "march", "april", "may", "june", "july"}
	for i, month := range months {
		b, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: month + ".csv"})
		if err != nil {
			return err
		}
		if i%3 == 2 {
			continue // left empty
		}
		numbers := []string{"+447700900123", "+12025550143", "+4915123456789"}[:1+i%3]
		if err := client.UploadNumbers(ctx, b.ID, numbers); err != nil {
			return err
		}
		if i < 4 {
			if err := client.StartBatch(ctx, b.ID); err != nil {
				return err
			}
		}
	}
	fmt.Printf("Created %d batches on the fake service.\n", len(months))
	return nil
}

// listRequests counts the GET /batches/ requests in the fake's request log.
func listRequests(env *exampleenv.Env) int {
	n := 0
	for _, r := range env.Fake.Requests() {
		if r.Method == "GET" && (r.Path == "/batches/" || r.Path == "/batches") {
			n++
		}
	}
	return n
}
