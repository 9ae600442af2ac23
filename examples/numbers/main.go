// Command numbers uploads a list of telephone numbers in the request body
// (UploadNumbers, no file needed), runs the batch and prints one line per
// number: its live status, its type and its current network.
//
//	go run ./examples/numbers
//
// Without HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET it uses the built-in fake
// service.
package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// numbers are the numbers to look up: international, with or without
// spaces and punctuation, and one that is too short to be a number.
var numbers = []string{
	"+447700900123",
	"+44 7911 123456",
	"+1 202-555-0143",
	"+4915123456789",
	"+33612345678",
	"+393471234567",
	"0031612345678",
	"12345",
}

func main() {
	exampleenv.Run(run, hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(3)))
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client
	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "numbers-from-code"})
	if err != nil {
		return err
	}
	fmt.Printf("Created batch %s.\n", batch.ID)

	if err := client.UploadNumbers(ctx, batch.ID, numbers); err != nil {
		return err
	}
	fmt.Printf("Uploaded %d numbers in the request body.\n", len(numbers))

	if err := client.StartBatch(ctx, batch.ID); err != nil {
		return err
	}
	if batch, err = client.WaitForBatch(ctx, batch.ID, env.WaitOptions(nil)); err != nil {
		return err
	}
	fmt.Printf("Batch %s is %s: %d of %d numbers done.\n\n", batch.ID, batch.Status, batch.NumComplete, batch.NumItems)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "number\tlive status\ttype\tcurrent network\tcountry")
	for r, err := range client.Results(ctx, batch.ID) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.TelephoneNumber, r.LiveStatus, r.TelephoneNumberType,
			orDash(r.CurrentNetwork.Name), orDash(r.CurrentNetwork.CountryName))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Println()

	if err := client.DeleteBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Deleted batch %s.\n", batch.ID)
	return nil
}

// orDash returns s, or "-" when s is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
