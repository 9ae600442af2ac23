package hlrlookup_test

import (
	"encoding/json"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// BenchmarkLookupDecode decodes one lookup answer of 10,000 results
// ({"results":[…]}, the fake's records plus disposable_number) in the same
// run two ways: side=sdk, the SDK's lookup decoder (the results' one JSON
// path, into []*Result with parsed timestamps and credits), and
// side=baseline, json.Unmarshal into a plain struct slice, what a user
// writes by hand.
func BenchmarkLookupDecode(b *testing.B) {
	const n = 10_000
	recs := make([]*benchRecord, n)
	for i := range recs {
		recs[i] = makeBenchRecord(i)
		recs[i].DisposableNumber = "NO"
	}
	data, err := json.Marshal(map[string]any{"results": recs})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("side=sdk", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			res, err := hlrlookup.DecodeLookupResults(data)
			if err != nil || len(res) != n || res[n-1].DisposableNumber != "NO" {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	})
	b.Run("side=baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v struct {
				Results []benchRecord `json:"results"`
			}
			if err := json.Unmarshal(data, &v); err != nil || len(v.Results) != n || v.Results[n-1].DisposableNumber != "NO" {
				b.Fatalf("%d results, %v", len(v.Results), err)
			}
		}
	})
}
