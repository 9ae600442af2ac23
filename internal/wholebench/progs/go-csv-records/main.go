// Command go-csv-records is the whole-process benchmark's peer of the typed
// CSV workload, what a Go engineer writes by hand: a plain net/http GET of
// the CSV download, encoding/csv's Reader with its default settings reading
// []string records, the live_status column found in the header, and
// rec[i] == "LIVE" counted.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
)

func main() {
	base := flag.String("base", "", "the service's base URL")
	rows := flag.Int("rows", 0, "the rows to expect")
	want := flag.Int("live", 0, "the LIVE rows to expect")
	flag.Parse()
	resp, err := http.Get(*base + "/batches/1001/results")
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fail(errors.New(resp.Status))
	}
	r := csv.NewReader(resp.Body)
	header, err := r.Read()
	if err != nil {
		fail(err)
	}
	col := slices.Index(header, "live_status")
	if col < 0 {
		fail(errors.New("no live_status column"))
	}
	n, live := 0, 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(err)
		}
		n++
		if rec[col] == "LIVE" {
			live++
		}
	}
	if n != *rows || live != *want {
		fail(fmt.Errorf("%d rows, %d LIVE; want %d, %d", n, live, *rows, *want))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-csv-records:", err)
	os.Exit(1)
}
