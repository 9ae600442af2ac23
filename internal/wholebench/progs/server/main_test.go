package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seed682fd871/hlrlookup/internal/benchdata"
)

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
