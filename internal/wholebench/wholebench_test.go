package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup/internal/benchdata"
)

// TestWholeBench runs the benchmark end to end on a small download, in
// -short mode too, so that it keeps working: the programs build, the server
// serves, every side gets the right answer (a wrong count or a short file
// fails the run), and the report has a line for every side. Python and curl
// sides run when they are on PATH; the strace run is left out.
func TestWholeBench(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH: the benchmark builds its programs with it")
	}
	var out, progress bytes.Buffer
	// No warm-up and a quicker link (no symbol table, no DWARF): the build
	// is most of the test's time.
	o := options{rows: 2000, runs: 1, data: t.TempDir(), noStrace: true, buildFlags: []string{"-ldflags=-s -w"}}
	if err := run(t.Context(), o, &out, &progress); err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	report := out.String()
	for _, w := range workloads() {
		for _, s := range w.sides {
			if !strings.Contains(report, "| "+s.name+" |") {
				t.Errorf("no line for %s, %s in\n%s", w.name, s.name, report)
			}
		}
	}
	for _, want := range []string{"2,000 rows", "load average before", "peak RSS ≤ 24 MB", "≤ 0.8x", "≤ 0.25x", "≤ 1x"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
}

// TestEnsureData: a generated file is reused when complete; one whose size
// is not the recorded one (cut short, or of another generator) is generated
// again.
func TestEnsureData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.csv")
	var log []string
	progress := func(format string, a ...any) { log = append(log, fmt.Sprintf(format, a...)) }
	size, err := ensureData(path, 100, benchdata.WriteCSV, progress)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := ensureData(path, 100, benchdata.WriteCSV, progress); err != nil || again != size {
		t.Fatalf("second call: %d bytes, %v; want %d", again, err, size)
	}
	if err := os.Truncate(path, size-1); err != nil {
		t.Fatal(err)
	}
	if again, err := ensureData(path, 100, benchdata.WriteCSV, progress); err != nil || again != size {
		t.Fatalf("after truncation: %d bytes, %v; want %d", again, err, size)
	}
	if want := []string{"generating results.csv", "reusing results.csv", "generating results.csv"}; !slices.Equal(log, want) {
		t.Errorf("progress %q, want %q", log, want)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 2 {
		t.Errorf("the directory holds %d files, want the data and its .size", len(entries))
	}
}

// TestOnlyUnknown: -only names a workload that does not exist.
func TestOnlyUnknown(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), options{rows: 1, runs: 1, only: []string{"typed-xml"}}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `no workload "typed-xml"`) {
		t.Errorf("error %v", err)
	}
}
