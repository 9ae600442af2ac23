package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	// No warm-up, and the build kept between runs (linking the programs is
	// most of the test's time; go build relinks only what changed) and
	// quicker (no symbol table, no DWARF).
	o := options{rows: 2000, runs: 1, data: t.TempDir(), noStrace: true, buildFlags: []string{"-ldflags=-s -w"}, binDir: testBinDir(t)}
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

// testBinDir is where TestWholeBench keeps the programs it builds: in the
// user's cache directory, one directory per copy of the module (its path's
// hash), or a temporary directory.
func testBinDir(t *testing.T) string {
	cache, err := os.UserCacheDir()
	wd, werr := os.Getwd()
	if err != nil || werr != nil {
		return t.TempDir()
	}
	return filepath.Join(cache, "hlrlookup-wholebench-test", fmt.Sprintf("%x", sha256.Sum256([]byte(wd)))[:16])
}

// TestWorkloadNames: the list of names (for -only's help) is that of the
// workloads.
func TestWorkloadNames(t *testing.T) {
	t.Parallel()
	var names []string
	for _, w := range workloads() {
		names = append(names, w.name)
	}
	if !slices.Equal(names, workloadNames) {
		t.Errorf("workloads %q, workloadNames %q", names, workloadNames)
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
