package hlrlookup_test

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash"
	"iter"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/internal/benchdata"
)

// TestResultsIdentity holds the typed results to what the decoders gave
// when the benchmark's data was introduced (issue 12: "the typed results
// identical to today's on the benchmark's data"). It decodes
// internal/benchdata's first 10,000 rows, which hold every variation the
// generator makes (its TestCoverage checks that: nine countries, every
// network, quoted fields, doubled quotes, PHP's escapes), three ways: the
// CSV download with ReadResults and with Client.Results (through a mock
// transport), the JSON download with ReadResults. Each *Result is dumped canonically (identityDump: every
// field by name, zero fields left out, Extra sorted by key, timestamps as
// RFC 3339 with nanoseconds and offset) and the dumps of each block of
// 500 rows are hashed with SHA-256. The digests must equal those in
// testdata/results_identity.golden, so a mismatch names the first block
// that differs.
//
// The golden digests were made by the decoders of main at commit 9ef7db5
// (before issue 12's faster decoders), with
//
//	go test -run TestResultsIdentity -identity.update .
//
// Run that again only when a change of the typed results is intended (a
// decoder's fix, a new field of Result, a new benchdata.Version), and say
// so in the commit; a faster decoder must leave the digests as they are.
func TestResultsIdentity(t *testing.T) {
	t.Parallel()
	var csvData, jsonData bytes.Buffer
	csvData.Grow(identityRows * 400)
	jsonData.Grow(identityRows * 960)
	if err := benchdata.WriteCSV(&csvData, identityRows); err != nil {
		t.Fatal(err)
	}
	if err := benchdata.WriteJSON(&jsonData, identityRows); err != nil {
		t.Fatal(err)
	}

	mt := ioNewMock(t)
	mt.RegisterResponder(http.MethodGet, ioResultsURL, func(*http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(http.StatusOK, csvData.Bytes())
		r.Header.Set("Content-Type", "text/csv")
		r.ContentLength = int64(csvData.Len())
		return r, nil
	})
	c := ioClient(t, mt, 0)

	got := map[string][]string{
		"csv":  identityDigests(t, hlrlookup.ReadResults(bytes.NewReader(csvData.Bytes()))),
		"json": identityDigests(t, hlrlookup.ReadResults(bytes.NewReader(jsonData.Bytes()))),
	}
	if *identityUpdate {
		writeIdentityGolden(t, got)
		return
	}
	want := readIdentityGolden(t)
	check := func(name, format string, digests []string) {
		t.Helper()
		w := want[format]
		if len(w) != len(digests) {
			t.Fatalf("%s: %d blocks of digests, the golden file has %d", name, len(digests), len(w))
		}
		for i := range digests {
			if digests[i] != w[i] {
				t.Errorf("%s: rows %d to %d differ from the golden digests (first differing block; see the test's comment)",
					name, i*identityBlock, (i+1)*identityBlock-1)
				return
			}
		}
	}
	check("ReadResults, CSV", "csv", got["csv"])
	check("ReadResults, JSON", "json", got["json"])
	check("Client.Results", "csv", identityDigests(t, c.Results(t.Context(), "42")))
}

const (
	identityRows   = 10_000
	identityBlock  = 500
	identityGolden = "testdata/results_identity.golden"
)

var identityUpdate = flag.Bool("identity.update", false, "TestResultsIdentity: write "+identityGolden+" from the decoders as they are (only when a change of the typed results is intended)")

// identityDigests ranges over seq and returns the SHA-256, in hex, of the
// dump of each block of identityBlock results.
func identityDigests(t *testing.T, seq iter.Seq2[*hlrlookup.Result, error]) []string {
	t.Helper()
	var digests []string
	var h hash.Hash
	var buf []byte
	n := 0
	for r, err := range seq {
		if err != nil {
			t.Fatalf("result %d: %v", n, err)
		}
		if n%identityBlock == 0 {
			h = sha256.New()
		}
		buf = identityDump(buf[:0], r)
		h.Write(buf)
		if n++; n%identityBlock == 0 {
			digests = append(digests, fmt.Sprintf("%x", h.Sum(nil)))
		}
	}
	if n != identityRows {
		t.Fatalf("%d results, want %d", n, identityRows)
	}
	return digests
}

// identityDump writes r canonically: one line per field that is not zero,
// "Path=value", fields in declaration order (nested structs by dotted
// path), strings and Extra's keys and values quoted, Extra by sorted key,
// floats in the shortest form that reads back, a time.Time as RFC 3339 with
// nanoseconds and its offset (not its Location's name, which time.Parse
// takes from the machine's local zone), then an empty line.
func identityDump(buf []byte, r *hlrlookup.Result) []byte {
	var dump func(prefix string, v reflect.Value)
	dump = func(prefix string, v reflect.Value) {
		for i := range v.NumField() {
			f, name := v.Field(i), prefix+v.Type().Field(i).Name
			if f.IsZero() {
				continue
			}
			switch x := f.Interface().(type) {
			case time.Time:
				buf = append(append(append(buf, name...), '='), x.Format(time.RFC3339Nano)...)
				buf = append(buf, '\n')
				continue
			case map[string]string:
				for _, k := range slices.Sorted(maps.Keys(x)) {
					buf = append(append(buf, name...), '[')
					buf = append(strconv.AppendQuote(buf, k), "]="...)
					buf = append(strconv.AppendQuote(buf, x[k]), '\n')
				}
				continue
			}
			switch f.Kind() {
			case reflect.Struct:
				dump(name+".", f)
				continue
			case reflect.String:
				buf = strconv.AppendQuote(append(append(buf, name...), '='), f.String())
			case reflect.Int, reflect.Int64:
				buf = strconv.AppendInt(append(append(buf, name...), '='), f.Int(), 10)
			case reflect.Float64:
				buf = strconv.AppendFloat(append(append(buf, name...), '='), f.Float(), 'g', -1, 64)
			default:
				panic("identityDump: no canonical form for " + name + " of kind " + f.Kind().String())
			}
			buf = append(buf, '\n')
		}
	}
	dump("", reflect.ValueOf(r).Elem())
	return append(buf, '\n')
}

// readIdentityGolden reads the golden digests by format.
func readIdentityGolden(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(identityGolden)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[0] == "benchdata" && len(f) == 2:
			if f[1] != benchdata.Version {
				t.Fatalf("%s holds the digests of benchdata version %s, the generator is version %s: regenerate them (see the test's comment)", identityGolden, f[1], benchdata.Version)
			}
		case len(f) == 3:
			want[f[0]] = append(want[f[0]], f[2])
		default:
			t.Fatalf("%s: bad line %q", identityGolden, line)
		}
	}
	return want
}

// writeIdentityGolden writes the golden file.
func writeIdentityGolden(t *testing.T, digests map[string][]string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# SHA-256 of the canonical dumps of the typed results of internal/benchdata's\n")
	fmt.Fprintf(&b, "# first %d rows, by block of %d rows: format, first row, digest.\n", identityRows, identityBlock)
	fmt.Fprintf(&b, "# Written by go test -run TestResultsIdentity -identity.update . (see results_identity_test.go).\n")
	fmt.Fprintf(&b, "benchdata %s\n", benchdata.Version)
	for _, format := range []string{"csv", "json"} {
		for i, d := range digests[format] {
			fmt.Fprintf(&b, "%s %d %s\n", format, i*identityBlock, d)
		}
	}
	if err := os.WriteFile(identityGolden, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", identityGolden)
}
