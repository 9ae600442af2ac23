package benchdata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

const testRows = 20_000

func generate(t *testing.T, write func(io.Writer, int) error, rows int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCSV: the CSV download reads with encoding/csv's default settings, has
// the header of OwnColumns and ResultColumns, LiveCount LIVE rows, the
// shares of quoted fields the package comment promises, timestamps that
// advance a second every 50 rows, and about 398 bytes a row.
func TestCSV(t *testing.T) {
	t.Parallel()
	data := generate(t, WriteCSV, testRows)
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := append(OwnColumns(), hlrlookuptest.ResultColumns()...); !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	col := func(name string) int { return slices.Index(header, name) }
	live, rows, quotedNet, quotedName, doubled := 0, 0, 0, 0, 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec[col("live_status")] == "LIVE" {
			live++
		}
		if strings.Contains(rec[col("original_network_details.name")], ",") {
			quotedNet++
		}
		if strings.Contains(rec[col("full_name")], ",") {
			quotedName++
		}
		if strings.Contains(rec[col("full_name")], `"`) {
			doubled++
		}
		wantTS := start.Add(time.Duration(rows/50) * time.Second)
		if ts, err := time.Parse(time.RFC3339, rec[col("timestamp")]); err != nil || !ts.Equal(wantTS) {
			t.Fatalf("row %d: timestamp %q, want %v (%v)", rows, rec[col("timestamp")], wantTS, err)
		}
		rows++
	}
	if rows != testRows || live != LiveCount(testRows) {
		t.Errorf("%d rows, %d LIVE; want %d, %d", rows, live, testRows, LiveCount(testRows))
	}
	share := func(n int) float64 { return float64(n) / float64(rows) }
	if s := share(live); s < 0.68 || s > 0.72 {
		t.Errorf("%.3f LIVE, want about 0.70", s)
	}
	if s := share(quotedNet); s < 0.25 {
		t.Errorf("%.3f of the rows have a network name with a comma, want a good share", s)
	}
	if s := share(quotedName); s < 0.35 || s > 0.45 {
		t.Errorf("%.3f of the names have a comma, want about 0.40", s)
	}
	if doubled == 0 || share(doubled) > 0.03 {
		t.Errorf("%d names with doubled quotes, want a few", doubled)
	}
	if perRow := float64(len(data)) / testRows; perRow < 390 || perRow > 406 {
		t.Errorf("%.1f bytes a row, want about 398", perRow)
	}
}

// TestJSON: the JSON download is a bare array of records with the fields
// of the CSV's result columns, the same values, PHP's escapes on a good
// share of the records, and LiveCount LIVE records.
func TestJSON(t *testing.T) {
	t.Parallel()
	data := generate(t, WriteJSON, testRows)
	csvData := generate(t, WriteCSV, testRows)
	var recs []map[string]any
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != testRows {
		t.Fatalf("%d records, want %d", len(recs), testRows)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n]\n")), []byte("\n"))[1:]
	escaped, amp, slash, unicode := 0, 0, 0, 0
	for _, l := range lines {
		e := false
		if bytes.Contains(l, []byte(`\u0026`)) {
			amp, e = amp+1, true
		}
		if bytes.Contains(l, []byte(`\/`)) {
			slash, e = slash+1, true
		}
		if bytes.Contains(l, []byte(`\u00`)) {
			unicode, e = unicode+1, true
		}
		if e {
			escaped++
		}
		for _, c := range l {
			if c >= 0x80 {
				t.Fatalf("a raw non-ASCII byte in %s", l)
			}
		}
	}
	if amp == 0 || slash == 0 || unicode == 0 || float64(escaped)/testRows < 0.3 {
		t.Errorf("%d of %d records have an escape (%d \\u0026, %d \\/, %d \\u00XX), want a good share of each", escaped, testRows, amp, slash, unicode)
	}

	r := csv.NewReader(bytes.NewReader(csvData))
	header, _ := r.Read()
	live := 0
	for i, m := range recs {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		for j, name := range header[len(ownColumns):] {
			var v any = m
			for p := range strings.SplitSeq(name, ".") {
				v = v.(map[string]any)[p]
			}
			got := ""
			switch v := v.(type) {
			case string:
				got = v
			case float64:
				got = strconv.FormatFloat(v, 'f', -1, 64)
			}
			if want := rec[len(ownColumns)+j]; got != want {
				t.Fatalf("record %d: %s is %q in JSON, %q in CSV", i, name, got, want)
			}
		}
		if m["live_status"] == "LIVE" {
			live++
		}
	}
	if live != LiveCount(testRows) {
		t.Errorf("%d LIVE, want %d", live, LiveCount(testRows))
	}
}

// TestDeterministic: the same rows on every call, and a prefix of a longer
// download is the shorter download (row i depends on i only).
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, write := range []func(io.Writer, int) error{WriteCSV, WriteJSON} {
		a, b := generate(t, write, 1000), generate(t, write, 2000)
		cut := bytes.LastIndex(a[:len(a)-3], []byte("\n"))
		if !bytes.Equal(a[:cut], b[:cut]) || !bytes.Equal(a, generate(t, write, 1000)) {
			t.Error("the output differs between calls")
		}
	}
	if got := generate(t, WriteJSON, 0); string(got) != "[\n]\n" {
		t.Errorf("no rows: %q", got)
	}
}

// TestPHPString: PHP's escapes.
func TestPHPString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`Telefónica`: `"Telef\u00f3nica"`,
		`d/b/a`:      `"d\/b\/a"`,
		`AT&T "x"`:   `"AT\u0026T \"x\""`,
		"😀\n\x01":    `"\ud83d\ude00\n\u0001"`,
	} {
		if got := string(appendPHPString(nil, in, true)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(want), &back); err != nil || back != in {
			t.Errorf("%s decodes to %q (%v)", want, back, err)
		}
	}
}

// TestCoverage: the first 10,000 rows, which the root package's identity
// test decodes, hold every value the generator draws from its tables: every
// network as original and as current network, every area, first and last
// name, nickname, e-mail domain, segment and note, every live_status and
// telephone_number_type, ported and not, both forms of '&' in JSON, a cache
// hit.
func TestCoverage(t *testing.T) {
	t.Parallel()
	const rows = 10_000
	seen := map[string]bool{}
	g := newGenerator()
	for i := range rows {
		f := g.row(i)
		for _, k := range []int{fOrigName, fCurName, fOrigArea, fLive, fType, fPorted, fCredits} {
			seen[f[k]] = true
		}
		for _, k := range []int{2, 3, 4, 6} {
			seen[f[k]] = true
		}
		if strings.Contains(f[fOrigName], "&") {
			seen["hexAmp="+strconv.FormatBool(g.hexAmp)] = true
		}
	}
	want := []string{"hexAmp=true", "hexAmp=false", "0.5", "0", "1", "YES", "NO", "UNKNOWN",
		"LIVE", "DEAD", "ABSENT_SUBSCRIBER", "NO_TELESERVICE_PROVISIONED", "INCONCLUSIVE", "NO_COVERAGE",
		"MOBILE", "LANDLINE", "VOIP", "MOBILE_OR_LANDLINE"}
	want = append(want, segments...)
	want = append(want, notes...)
	for _, c := range countries {
		want = append(want, c.areas...)
		for _, n := range c.networks {
			want = append(want, n.name)
		}
	}
	names, domains := map[string]bool{}, map[string]bool{}
	for i := range rows {
		f := g.row(i)
		for _, p := range firstNames {
			if strings.Contains(f[2], p.name) {
				names[p.name] = true
			}
		}
		for _, p := range lastNames {
			if strings.Contains(f[2], p.name) {
				names[p.name] = true
			}
		}
		for _, n := range nicknames {
			if strings.Contains(f[2], `"`+n+`"`) {
				names[n] = true
			}
		}
		_, d, _ := strings.Cut(f[3], "@")
		domains[d] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the first %d rows never hold %q", rows, w)
		}
	}
	if n := len(firstNames) + len(lastNames) + len(nicknames); len(names) != n {
		t.Errorf("the first %d rows hold %d of the %d names", rows, len(names), n)
	}
	if len(domains) != len(mailDomains) {
		t.Errorf("the first %d rows hold %d of the %d e-mail domains", rows, len(domains), len(mailDomains))
	}
}
