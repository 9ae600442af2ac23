// Command benchcheck judges the targets of BENCHMARKS.md on the output of the
// SDK's benchmarks (bench_test.go): one line per target, MET or MISSED. The
// figures themselves (medians over runs, their spread, every SDK
// sub-benchmark beside its baseline, the peak heap) are benchstat's:
//
//	go test -run '^$' -bench . -benchtime 1x -count 5 . > bench.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260512194132-3cf34090a3db -col '/side@(baseline sdk)' bench.txt
//	go run ./internal/benchcheck bench.txt
//
// What benchstat cannot do is hold a figure to a target: the SDK's throughput
// at least a multiple of its baseline's, or its memory flat from the smaller
// input to the larger one. benchcheck takes the median of each figure over
// the runs, prints the verdicts and exits with status 1 if a target is missed.
package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// target is what BENCHMARKS.md asks of one benchmark: the SDK's speed at
// least ratio times the baseline's, and its memory at the larger input at
// most 1.5 times that at the smaller plus slack.
type target struct {
	speed  string
	ratio  float64
	memory string
	slack  float64
}

// targets: ResultsCSV's baseline is encoding/csv reading []string records
// and checking one column (issue 12), and the SDK is to take at most 0.8x
// its time: at least 1.25x its rows/s. ResultsJSON's baseline is
// json.Unmarshal into []map[string]any.
var targets = map[string]target{
	"UploadFile":  {"B/s", 0.9, "B/op", 64 << 10},
	"Download":    {"B/s", 0.9, "B/op", 64 << 10},
	"ResultsCSV":  {"rows/s", 1.25, "peak-live-MB", 2},
	"ResultsJSON": {"rows/s", 2, "peak-live-MB", 2},
	"Lookups":     {"numbers/s", 1, "peak-live-MB", 2},
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcheck bench.txt... (the output of go test -bench; see BENCHMARKS.md)")
		os.Exit(2)
	}
	rs := runs{}
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err == nil {
			rs.read(f)
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchcheck:", err)
			os.Exit(2)
		}
	}
	if !check(os.Stdout, rs) {
		os.Exit(1)
	}
}

// runs holds the figures of the SDK side ("sdk") and the baseline side of
// every sub-benchmark ("ResultsCSV/rows=1000"), by unit, one value per run.
type runs map[string]map[string]map[string][]float64

// line matches the result line of a sub-benchmark with a side, e.g.
// "BenchmarkResultsCSV/rows=1000/side=sdk-2  1  3375000 ns/op  2960000 rows/s".
var line = regexp.MustCompile(`^Benchmark(\S+)/side=(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func (rs runs) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name, side, f := m[1], m[2], strings.Fields(m[3])
		if rs[name] == nil {
			rs[name] = map[string]map[string][]float64{}
		}
		if rs[name][side] == nil {
			rs[name][side] = map[string][]float64{}
		}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			unit := f[i+1]
			if unit == "MB/s" { // the testing package's unit for SetBytes
				v, unit = v*1e6, "B/s"
			}
			if err == nil {
				rs[name][side][unit] = append(rs[name][side][unit], v)
			}
		}
	}
}

// median is the median of a figure over the runs, or false without one.
func (rs runs) median(name, side, unit string) (float64, bool) {
	v := slices.Sorted(slices.Values(rs[name][side][unit]))
	if len(v) == 0 {
		return 0, false
	}
	return v[len(v)/2], true
}

// check prints a verdict for every target the runs have figures for and
// reports whether all are met.
func check(w io.Writer, rs runs) bool {
	ok := len(rs) > 0
	verdict := func(met bool, format string, a ...any) {
		mark := "MET   "
		if !met {
			mark, ok = "MISSED", false
		}
		fmt.Fprintf(w, "%s %s\n", mark, fmt.Sprintf(format, a...))
	}
	bySize := map[string][]string{} // "Download/to" -> its names, smaller input first
	for _, name := range slices.Sorted(maps.Keys(rs)) {
		t, found := targets[strings.Split(name, "/")[0]]
		if !found {
			continue
		}
		sdk, ok1 := rs.median(name, "sdk", t.speed)
		base, ok2 := rs.median(name, "baseline", t.speed)
		if ok1 && ok2 && base > 0 {
			verdict(sdk/base >= t.ratio, "%s: the SDK's %s is %.2fx the baseline's (want >= %gx)", name, t.speed, sdk/base, t.ratio)
		}
		key := strings.Replace(name, "/"+sizePart(name), "", 1)
		bySize[key] = append(bySize[key], name)
	}
	for _, key := range slices.Sorted(maps.Keys(bySize)) {
		names := bySize[key]
		if len(names) != 2 {
			continue
		}
		slices.SortFunc(names, func(a, b string) int { return size(a) - size(b) })
		t := targets[strings.Split(key, "/")[0]]
		small, ok1 := rs.median(names[0], "sdk", t.memory)
		large, ok2 := rs.median(names[1], "sdk", t.memory)
		if ok1 && ok2 {
			verdict(large <= small*1.5+t.slack, "%s: the SDK's %s is %s at %s, %s at %s (want flat)", key, t.memory,
				figure(small, t.memory), sizePart(names[0]), figure(large, t.memory), sizePart(names[1]))
		}
	}
	if len(rs) == 0 {
		fmt.Fprintln(w, "MISSED every target: no result lines of sub-benchmarks named side=sdk or side=baseline")
	}
	return ok
}

// figure formats a value of unit for the verdicts.
func figure(v float64, unit string) string {
	if unit == "B/op" {
		return fmt.Sprintf("%.0f KiB", v/1024)
	}
	return fmt.Sprintf("%.1f", v)
}

// sizePart is the name's first key=value part, its input size ("rows=1000").
func sizePart(name string) string {
	for part := range strings.SplitSeq(name, "/") {
		if strings.Contains(part, "=") {
			return part
		}
	}
	return ""
}

// size is the number in the name's size part (1000 for "rows=1000").
func size(name string) int {
	_, v, _ := strings.Cut(sizePart(name), "=")
	n, _ := strconv.Atoi(v)
	return n
}
