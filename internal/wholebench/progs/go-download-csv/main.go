// Command go-download-csv is the whole-process benchmark's Go peer of the
// DownloadFile workload, what a Go engineer writes by hand: a plain
// net/http GET of the CSV download, os.Create, io.Copy, Close (no sync).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	base := flag.String("base", "", "the service's base URL")
	out := flag.String("out", "", "the file to download to")
	flag.Parse()
	resp, err := http.Get(*base + "/batches/1001/results")
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fail(errors.New(resp.Status))
	}
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-download-csv:", err)
	os.Exit(1)
}
