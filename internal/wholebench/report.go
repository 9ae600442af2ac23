package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reportEnv is what the report says besides the measurements.
type reportEnv struct {
	loadBefore, loadAfter string
	fsync                 string // the strace measure of DownloadFile's final fsync, or ""
}

// report writes the markdown table of the measurements.
func report(w io.Writer, o options, ws []*workload, e *env, re reportEnv) {
	fmt.Fprintf(w, "## Whole-process benchmark: %s rows (CSV %.1f MB", thousands(o.rows), float64(e.csvSize)/1e6)
	if e.jsonSize > 0 {
		fmt.Fprintf(w, ", JSON %.1f MB", float64(e.jsonSize)/1e6)
	}
	fmt.Fprintf(w, "), medians of %d interleaved runs (%d warm-up run before them, not counted)\n\n", o.runs, o.warmUps)
	fmt.Fprintf(w, "%s, nproc %d, CPU %s; load average before %s, after %s\n\n",
		goVersion(), runtime.NumCPU(), cpuModel(), re.loadBefore, re.loadAfter)
	fmt.Fprintln(w, "| workload | side | median | min–max | peak RSS | SDK ÷ side | target | verdict |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|---|")
	var notes []string
	for _, wl := range ws {
		sdk := wl.sides[0]
		sdkMedian := median(sdk.times)
		for i, s := range wl.sides {
			title := ""
			if i == 0 {
				title = wl.title
			}
			if s.absent != "" {
				fmt.Fprintf(w, "| %s | %s | not run | | | | %s | |\n", title, s.name, targetText(s))
				notes = append(notes, fmt.Sprintf("%s: %s, so its side was not run.", s.name, s.absent))
				continue
			}
			m := median(s.times)
			rss := slices.Max(s.rssKB)
			cells := []string{title, s.name, seconds(m), span(slices.Min(s.times), slices.Max(s.times)), rssText(rss)}
			switch {
			case s.sdk:
				verdict := ""
				if rss >= 0 {
					verdict = metText(float64(rss)*1024 <= rssTarget)
				}
				cells = append(cells, "", fmt.Sprintf("peak RSS ≤ %.0f MB", rssTarget/1e6), verdict)
			default:
				ratio := float64(sdkMedian) / float64(m)
				verdict := ""
				if s.target > 0 {
					verdict = metText(ratio <= s.target)
				}
				cells = append(cells, fmt.Sprintf("%.2fx", ratio), targetText(s), verdict)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "Peak RSS is getrusage's ru_maxrss of each program, the largest of its runs")
	if kb := driverPeakRSSKB(); kb >= 0 {
		fmt.Fprintf(w, "; none is below the driver's own peak, %s, which Linux counts into each program's (Go starts them as vfork children, in the driver's memory until they exec)", rssText(kb))
	}
	fmt.Fprintln(w, ".")
	if re.fsync != "" {
		fmt.Fprintf(w, "DownloadFile's final fsync: %s\n", re.fsync)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

func targetText(s *side) string {
	if s.target == 0 {
		return ""
	}
	return fmt.Sprintf("≤ %gx", s.target)
}

func metText(met bool) string {
	if met {
		return "MET"
	}
	return "MISSED"
}

// median is the median of ds (the mean of the middle two for an even
// count).
func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// seconds formats d for the table: "1.68 s", or "85.2 ms" under a second.
func seconds(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/1e6)
}

// span formats the range lo to hi in the unit of hi: "1.60–1.75 s".
func span(lo, hi time.Duration) string {
	if hi >= time.Second {
		return fmt.Sprintf("%.2f–%.2f s", lo.Seconds(), hi.Seconds())
	}
	return fmt.Sprintf("%.1f–%.1f ms", float64(lo)/1e6, float64(hi)/1e6)
}

// driverPeakRSSKB is the driver's peak resident set in KB, VmHWM of
// /proc/self/status (Linux), or -1. Not getrusage's: that counts the
// program that started the driver, such as go run, by the same rule.
func driverPeakRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
				return kb
			}
		}
	}
	return -1
}

// rssText formats a peak RSS of kb KB in MB (10^6 bytes).
func rssText(kb int64) string {
	if kb < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(kb)*1024/1e6)
}

// thousands writes n with commas: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
