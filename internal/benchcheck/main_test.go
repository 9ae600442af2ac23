package main

import (
	"strings"
	"testing"
)

// A run of two sizes, two runs each: the verdicts use the medians.
const sample = `goos: linux
BenchmarkResultsCSV/rows=1000/side=sdk-2        1  3375000 ns/op  300.00 MB/s  0.30 peak-live-MB  300000 rows/s  1000 B/op  10 allocs/op
BenchmarkResultsCSV/rows=1000/side=sdk-2        1  3375000 ns/op  300.00 MB/s  0.30 peak-live-MB  310000 rows/s  1000 B/op  10 allocs/op
BenchmarkResultsCSV/rows=1000/side=baseline-2   1  9000000 ns/op  100.00 MB/s  1.00 peak-live-MB  100000 rows/s  1000 B/op  10 allocs/op
BenchmarkResultsCSV/rows=1000/side=baseline-2   1  9000000 ns/op  100.00 MB/s  1.00 peak-live-MB  900000 rows/s  1000 B/op  10 allocs/op
BenchmarkResultsCSV/rows=10000/side=sdk-2       1  3375000 ns/op  300.00 MB/s  9.00 peak-live-MB  300000 rows/s  1000 B/op  10 allocs/op
BenchmarkResultsCSV/rows=10000/side=baseline-2  1  9000000 ns/op  100.00 MB/s  1.00 peak-live-MB  100000 rows/s  1000 B/op  10 allocs/op
BenchmarkUploadFile/numbers=10/side=sdk-2       1  1000 ns/op  95.00 MB/s  0.5 peak-live-MB  300000 B/op  10 allocs/op
BenchmarkUploadFile/numbers=10/side=baseline-2  1  1000 ns/op  100.00 MB/s  0.5 peak-live-MB  300000 B/op  10 allocs/op
BenchmarkUploadFile/numbers=10/side=baseline-no-sendfile-2  1  1000 ns/op  1.00 MB/s  0.5 peak-live-MB  1 B/op  1 allocs/op
PASS
`

func TestCheck(t *testing.T) {
	rs := runs{}
	rs.read(strings.NewReader(sample))
	var out strings.Builder
	if check(&out, rs) {
		t.Error("check reported every target met")
	}
	want := `MISSED ResultsCSV/rows=1000: the SDK's rows/s is 0.34x the baseline's (want >= 1.25x)
MET    ResultsCSV/rows=10000: the SDK's rows/s is 3.00x the baseline's (want >= 1.25x)
MET    UploadFile/numbers=10: the SDK's B/s is 0.95x the baseline's (want >= 0.9x)
MISSED ResultsCSV: the SDK's peak-live-MB is 0.3 at rows=1000, 9.0 at rows=10000 (want flat)
`
	if out.String() != want {
		t.Errorf("verdicts:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestCheckNothing(t *testing.T) {
	var out strings.Builder
	if check(&out, runs{}) || !strings.Contains(out.String(), "no result lines") {
		t.Errorf("no benchmark lines: %q", out.String())
	}
}
