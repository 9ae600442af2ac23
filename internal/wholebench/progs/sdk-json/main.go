// Command sdk-json is the whole-process benchmark's SDK side of the typed
// JSON workload: Client.DownloadFile of the JSON download to a file, then
// ReadResults over that file, counting the LIVE results.
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
	out := flag.String("out", "", "the file to download to")
	flag.Parse()
	c, err := hlrlookup.NewClient("bench-key", "bench-secret", hlrlookup.WithBaseURL(*base))
	if err != nil {
		fail(err)
	}
	if _, err := c.DownloadFile(context.Background(), "1001", hlrlookup.FormatJSON, *out); err != nil {
		fail(err)
	}
	f, err := os.Open(*out)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	n, live := 0, 0
	for r, err := range hlrlookup.ReadResults(f) {
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
	fmt.Fprintln(os.Stderr, "sdk-json:", err)
	os.Exit(1)
}
