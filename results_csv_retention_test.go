package hlrlookup_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/internal/benchdata"
)

// TestReadResultsCSVKeptResultHoldsItsOwnRow: a *Result kept from a CSV
// download holds its own row's memory, not its neighbours'. The decoder
// shares only interned values (statuses, network names…: a bounded set of
// short strings per column); each row's other text is one string of its
// own. Keeping 1 row in 50 of realistic rows (internal/benchdata) must
// retain about 2 % of what keeping them all retains, about 1.2 KB per kept
// row (the Result, its Extra map, its text), not a share of the whole
// download.
func TestReadResultsCSVKeptResultHoldsItsOwnRow(t *testing.T) {
	// Not parallel: measures the heap.
	const rows = 5_000
	var data bytes.Buffer
	if err := benchdata.WriteCSV(&data, rows); err != nil {
		t.Fatal(err)
	}
	doc := data.Bytes()
	retained := func(every int) (kept int, perKept float64) {
		var keep []*hlrlookup.Result
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		i := 0
		for res, err := range hlrlookup.ReadResults(bytes.NewReader(doc)) {
			if err != nil {
				t.Fatal(err)
			}
			if i%every == 0 {
				keep = append(keep, res)
			}
			i++
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = len(keep)
		perKept = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(kept)
		runtime.KeepAlive(keep)
		runtime.KeepAlive(doc)
		return kept, perKept
	}
	_, all := retained(1)
	kept, some := retained(50)
	t.Logf("retained per kept row: %.0f bytes keeping all %d rows, %.0f bytes keeping %d", all, rows, some, kept)
	if some > 2*all+1024 || some > 3000 {
		t.Errorf("a kept row retains %.0f bytes when 1 in 50 is kept, %.0f when all are: rows share memory", some, all)
	}
}
