// Command results runs a batch of testdata/numbers.csv and streams its typed
// results (Client.Results: the CSV download decoded row by row, never held
// whole) into a summary: counts by live status, by number type and by
// current network, and the credits spent (half a credit for a number found
// in the global cache).
//
//	go run ./examples/results
//
// Without HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET it uses the built-in fake
// service.
package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
)

func main() {
	exampleenv.Run(run)
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client
	input, err := exampleenv.Testdata("numbers.csv")
	if err != nil {
		return err
	}
	// Results up to a week old from the global cache cost half a credit.
	week := 7
	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{
		Filename:  "numbers.csv",
		Arguments: &hlrlookup.BatchArguments{CacheDaysGlobal: &week},
	})
	if err != nil {
		return err
	}
	if err := client.UploadFile(ctx, batch.ID, input, nil); err != nil {
		return err
	}
	if err := client.StartBatch(ctx, batch.ID); err != nil {
		return err
	}
	if batch, err = client.WaitForBatch(ctx, batch.ID, env.WaitOptions(nil)); err != nil {
		return err
	}
	fmt.Printf("Batch %s (numbers.csv) is %s with %d numbers.\n", batch.ID, batch.Status, batch.NumItems)

	var total int
	var credits float64
	byStatus := map[string]int{}
	byType := map[string]int{}
	byNetwork := map[string]int{}
	for r, err := range client.Results(ctx, batch.ID) {
		if err != nil {
			return err
		}
		total++
		credits += r.CreditsSpent
		byStatus[string(r.LiveStatus)]++
		byType[string(r.TelephoneNumberType)]++
		network := "(none)"
		if r.CurrentNetwork.Name != "" {
			network = r.CurrentNetwork.Name
			if r.CurrentNetwork.CountryISO3 != "" {
				network += ", " + r.CurrentNetwork.CountryISO3
			}
		}
		byNetwork[network]++
	}

	fmt.Printf("\n%d results, %.1f credits spent.\n", total, credits)
	printCounts("live status", byStatus)
	printCounts("number type", byType)
	printCounts("current network", byNetwork)

	if err := client.DeleteBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("\nDeleted batch %s.\n", batch.ID)
	return nil
}

// printCounts prints counts under a title, the largest first (ties by name).
func printCounts(title string, counts map[string]int) {
	fmt.Printf("\nBy %s:\n", title)
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	for _, k := range keys {
		fmt.Printf("  %3d  %s\n", counts[k], k)
	}
}
