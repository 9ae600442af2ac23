// Command wholebench is the whole-process benchmark of issue 12: the SDK's
// typed results and DownloadFile measured as whole programs, each fetching
// a generated results download from a loopback server in a process of its
// own, beside the programs people write without the SDK, in the same run.
//
//	go run ./internal/wholebench                 # 1,000,000 rows, 5 runs
//	go run ./internal/wholebench -rows 100000 -runs 3 -only typed-csv,download-csv
//	go run ./internal/wholebench -data ~/.cache/wholebench   # keep the generated files
//
// Workloads and sides (each side is a program: it fetches, does the work,
// checks its answer and exits):
//
//   - typed-csv: the SDK's Client.Results counting r.Live(), against a plain
//     net/http GET and encoding/csv reading []string records (default
//     settings), counting rec[i] == "LIVE" in the live_status column.
//   - typed-json: the SDK's DownloadFile(FormatJSON) then ReadResults over
//     the file, counting Live, against Python's urllib and json.loads (when
//     python3 is on PATH) and a plain net/http GET with encoding/json
//     decoding into a slice of structs mirroring the record.
//   - download-csv: the SDK's DownloadFile of the CSV, against curl -s -o
//     (when curl is on PATH) and a plain net/http GET, os.Create, io.Copy,
//     Close.
//
// The data are internal/benchdata's (realistic rows: quoted network names,
// the uploaded file's own columns, PHP's escapes in JSON), generated once
// into -data (reused when present, complete and of benchdata's version) or
// into a temporary directory. The Go programs are built once with go build
// before anything is measured (into -data's bin directory, where go build
// relinks only what changed, or a temporary directory), and run with GOGC, GOMEMLIMIT and GODEBUG
// removed from their environment (the defaults). Every program runs once
// as a warm-up that is not counted, then runs are interleaved (run 1 of
// every program, then run 2, …; each run of a workload starts with another
// of its sides, and the data file is read through before every side, so
// that it is in the page cache whatever ran before). For each run: the
// wall time from start to exit, and the peak RSS (getrusage's ru_maxrss;
// Unix only). Output files are checked for their size and removed after
// each run, so their pages are not written back during the next program.
//
// The report is a markdown table: per workload and side the median, the
// range, the peak RSS, and the SDK's median over each peer's, against the
// issue's targets (MET or MISSED), with go version, nproc, the CPU model
// and the load average before and after. With strace on PATH, the SDK's
// DownloadFile of the CSV runs once more under strace, which reports how
// long its final fsync took.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	o := options{warmUps: 1}
	flag.IntVar(&o.rows, "rows", 1_000_000, "result rows in the generated downloads")
	flag.IntVar(&o.runs, "runs", 5, "measured runs of every program (after one warm-up run)")
	flag.StringVar(&o.data, "data", "", "directory for the generated files, reused when present, and the built programs (default: a temporary directory, removed)")
	only := flag.String("only", "", "comma-separated workloads to run: "+strings.Join(workloadNames, ", ")+" (default: all)")
	flag.BoolVar(&o.noStrace, "nostrace", false, "skip the extra run of DownloadFile under strace")
	flag.Parse()
	if *only != "" {
		o.only = strings.Split(*only, ",")
	}
	if o.data != "" {
		o.binDir = filepath.Join(o.data, "bin") // go build relinks only what changed
	}
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wholebench:", err)
		os.Exit(1)
	}
}
