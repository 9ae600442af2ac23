// Command benchcheck runs the SDK's benchmarks (bench_test.go in the
// repository root) and prints one table: each SDK sub-benchmark beside its
// baseline from the same run, with the throughput ratio, allocations and
// peak heap, followed by the targets of BENCHMARKS.md and whether they hold.
//
//	go run ./internal/benchcheck                 # full size (1,000,000 rows)
//	go run ./internal/benchcheck -short          # small inputs, quick
//	go run ./internal/benchcheck -count 3        # median of three runs
//
// It makes no network request beyond the benchmarks' own loopback server.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one benchmark line: the metrics by unit ("ns/op", "MB/s",
// "rows/s", "B/op", "allocs/op", "peak-heap-MB").
type result struct {
	name    string
	metrics map[string][]float64
}

func (r *result) get(unit string) (float64, bool) {
	v := slices.Clone(r.metrics[unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	return v[len(v)/2], true // the median over -count runs
}

var procSuffix = regexp.MustCompile(`-\d+$`)

func main() {
	short := flag.Bool("short", false, "small inputs (as CI runs them)")
	count := flag.Int("count", 1, "runs of each benchmark; the table shows medians")
	bench := flag.String("bench", ".", "benchmarks to run (go test -bench)")
	benchtime := flag.String("benchtime", "1x", "go test -benchtime")
	flag.Parse()

	args := []string{"test", "-run", "^$", "-bench", *bench, "-benchtime", *benchtime, "-count", strconv.Itoa(*count)}
	if *short {
		args = append(args, "-short")
	}
	args = append(args, ".")
	fmt.Fprintf(os.Stderr, "go %s\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fatal(err)
	}
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	results, order := parse(io.TeeReader(out, os.Stderr))
	if err := cmd.Wait(); err != nil {
		fatal(fmt.Errorf("go test: %w", err))
	}
	report(os.Stdout, results, order)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchcheck:", err)
	os.Exit(1)
}

// parse reads go test -bench output.
func parse(r io.Reader) (map[string]*result, []string) {
	results := map[string]*result{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		res := results[name]
		if res == nil {
			res = &result{name: name, metrics: map[string][]float64{}}
			results[name] = res
			order = append(order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				res.metrics[f[i+1]] = append(res.metrics[f[i+1]], v)
			}
		}
	}
	return results, order
}

// pair is an SDK result beside its baseline.
type pair struct {
	group    string // "ResultsCSV/rows=1000000"
	sdk, bl  *result
	unit     string // "rows/s" or "MB/s"
	ratio    float64
	sdkSpeed float64
	blSpeed  float64
}

func pairs(results map[string]*result, order []string) []pair {
	var ps []pair
	for _, name := range order {
		group, variant, ok := strings.Cut(reverse(name), "/")
		if !ok || reverse(group) != "sdk" {
			continue
		}
		g := reverse(variant)
		bl := results[g+"/baseline"]
		if bl == nil {
			continue
		}
		p := pair{group: g, sdk: results[name], bl: bl, unit: "MB/s"}
		if _, ok := p.sdk.get("rows/s"); ok {
			p.unit = "rows/s"
		}
		p.sdkSpeed, _ = p.sdk.get(p.unit)
		p.blSpeed, _ = p.bl.get(p.unit)
		if p.blSpeed > 0 {
			p.ratio = p.sdkSpeed / p.blSpeed
		}
		ps = append(ps, p)
	}
	return ps
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

func report(w io.Writer, results map[string]*result, order []string) {
	ps := pairs(results, order)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| benchmark | SDK | baseline | ratio | allocs/op SDK / baseline | B/op SDK / baseline | peak heap MB (live) SDK / baseline |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, p := range ps {
		fmt.Fprintf(w, "| %s | %s | %s | %.2fx | %s / %s | %s / %s | %s / %s |\n", p.group,
			speed(p.sdkSpeed, p.unit), speed(p.blSpeed, p.unit), p.ratio,
			num(p.sdk, "allocs/op"), num(p.bl, "allocs/op"), bytesPerOp(p.sdk), bytesPerOp(p.bl),
			heap(p.sdk), heap(p.bl))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Targets:")
	byGroup := map[string]pair{}
	for _, p := range ps {
		byGroup[p.group] = p
	}
	check := func(ok bool, format string, a ...any) {
		mark := "MET   "
		if !ok {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, fmt.Sprintf(format, a...))
	}
	for _, p := range ps {
		kind, _, _ := strings.Cut(p.group, "/")
		switch kind {
		case "UploadFile", "Download":
			check(p.ratio >= 0.9, "%s: %.2fx the baseline's throughput (want >= 0.9x)", p.group, p.ratio)
		case "ResultsCSV", "ResultsJSON":
			check(p.ratio >= 2, "%s: %.2fx the baseline's rows/s (want >= 2x)", p.group, p.ratio)
		}
	}
	// Allocation and peak heap across the two sizes of each benchmark.
	sizes := map[string][]pair{} // "Download/*/to" -> small, large
	for _, p := range ps {
		parts := strings.Split(p.group, "/")
		if len(parts) < 2 || !strings.Contains(parts[1], "=") {
			continue
		}
		key := parts[0]
		if len(parts) > 2 {
			key += "/" + strings.Join(parts[2:], "/")
		}
		sizes[key] = append(sizes[key], p)
	}
	keys := make([]string, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := sizes[k]
		if len(s) != 2 {
			continue
		}
		small, large := s[0], s[1]
		kind, _, _ := strings.Cut(k, "/")
		switch kind {
		case "UploadFile", "Download":
			a, _ := small.sdk.get("B/op")
			b, _ := large.sdk.get("B/op")
			check(b <= a*1.5+64<<10, "%s: B/op %s at %s, %s at %s (want flat)", k,
				bytesPerOp(small.sdk), size(small.group), bytesPerOp(large.sdk), size(large.group))
		case "ResultsCSV", "ResultsJSON":
			a, _ := small.sdk.get("peak-live-MB")
			b, _ := large.sdk.get("peak-live-MB")
			check(b <= a*1.5+2, "%s: peak live heap %.1f MB at %s, %.1f MB at %s (want flat); heap objects incl. garbage %s, %s", k,
				a, size(small.group), b, size(large.group), heap(small.sdk), heap(large.sdk))
		}
	}
}

func size(group string) string {
	parts := strings.Split(group, "/")
	return parts[1]
}

func speed(v float64, unit string) string {
	if unit == "rows/s" {
		return fmt.Sprintf("%.0f rows/s", v)
	}
	return fmt.Sprintf("%.0f MB/s", v)
}

func num(r *result, unit string) string {
	v, ok := r.get(unit)
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func bytesPerOp(r *result) string {
	v, ok := r.get("B/op")
	switch {
	case !ok:
		return "-"
	case v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.0f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

func heap(r *result) string {
	v, ok := r.get("peak-heap-MB")
	if !ok {
		return "-"
	}
	live, _ := r.get("peak-live-MB")
	return fmt.Sprintf("%.1f (%.1f)", v, live)
}
