// Command sdk-results-csv is the whole-process benchmark's SDK side of the
// typed CSV workload: Client.Results over the CSV download, counting the
// LIVE results.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/seed682fd871/hlrlookup"
)

func main() {
	base := flag.String("base", "", "the service's base URL")
	rows := flag.Int("rows", 0, "the rows to expect")
	want := flag.Int("live", 0, "the LIVE rows to expect")
	flag.Parse()
	c, err := hlrlookup.NewClient("bench-key", "bench-secret", hlrlookup.WithBaseURL(*base))
	if err != nil {
		fail(err)
	}
	n, live := 0, 0
	for r, err := range c.Results(context.Background(), "1001") {
		if err != nil {
			fail(err)
		}
		n++
		if r.Live() {
			live++
		}
	}
	if n != *rows || live != *want {
		fail(fmt.Errorf("%d rows, %d LIVE; want %d, %d", n, live, *rows, *want))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sdk-results-csv:", err)
	os.Exit(1)
}
