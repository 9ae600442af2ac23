// Command sdk-download-csv is the whole-process benchmark's SDK side of the
// DownloadFile workload: Client.DownloadFile of the CSV download (written
// to a temporary file, synced, renamed into place).
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
	out := flag.String("out", "", "the file to download to")
	flag.Parse()
	c, err := hlrlookup.NewClient("bench-key", "bench-secret", hlrlookup.WithBaseURL(*base))
	if err != nil {
		fail(err)
	}
	if _, err := c.DownloadFile(context.Background(), "1001", hlrlookup.FormatCSV, *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sdk-download-csv:", err)
	os.Exit(1)
}
