package hlrlookup

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// csvQuoteSeeds are lines that exercise every rule of quoting in CSV.
var csvQuoteSeeds = []string{
	``, `a`, `a,b`, `,`, `,,`, `a,`, `,a`, `""`, `"`, `"""`, `""""`, `"""""`, `"",""`, `"a"`, `"a,b"`, `"a""b"`,
	`"a""b",c`, `a,"b""",c`, `a"b`, `a,b"`, `"a"b`, `"a" `, ` "a"`, `"a",`, `"a,`, `"a""`, `a,"b`, `"a`,
	"\r", "a\r", "a\rb", "\"a\r\"", "\"a\"\r", "a,\"\r\"", "\xff,\"\xfe\"", "\"\xff\"\"\"", "\"a\"\xff",
	`"T-Mobile USA, Inc.",310260,"Sprint Spectrum, L.P."`, `"O2 ""Telefónica""",1`, `"a",,"b",`, `"",,""`,
	`abcdefgh,"ijklmnop,qrstuvwx",yz`, `"abcdefg""hijklmn""opq",r`, strings.Repeat(`"x,y",`, 20) + `z`,
}

// FuzzSplitCSVLine: on any line, splitCSVLine accepts exactly the lines
// that encoding/csv (default settings, LazyQuotes off) reads as one whole
// record without error, with the same fields.
func FuzzSplitCSVLine(f *testing.F) {
	for _, s := range csvQuoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.Contains(line, "\n") {
			return
		}
		text := strings.TrimSuffix(line, "\r") // what the decoder hands over: "\r\n" dropped
		if text == "" {
			return // an empty line: skipped by both
		}
		fields, ok := splitCSVLine([]byte(text), nil)
		var got []string
		for _, f := range fields {
			b := []byte(text[f.start:f.end])
			if f.esc {
				b = unquoteCSV(nil, b)
			} else if ok && bytes.IndexByte(b, '"') >= 0 {
				t.Fatalf("%q: field %q holds a quote, not marked escaped", line, b)
			}
			got = append(got, string(b))
		}

		cr := csv.NewReader(strings.NewReader(line + "\n"))
		cr.FieldsPerRecord = -1
		want, err := cr.Read()
		if err == nil {
			if _, err2 := cr.Read(); err2 != io.EOF {
				t.Fatalf("%q: encoding/csv read more than one record: %v", line, err2)
			}
		}
		switch {
		case ok && err != nil:
			t.Fatalf("%q: split into %q, encoding/csv says %v", line, got, err)
		case !ok && err == nil:
			t.Fatalf("%q: refused, encoding/csv reads %q", line, want)
		case ok && !slices.Equal(got, want):
			t.Fatalf("%q: split into %q, encoding/csv reads %q", line, got, want)
		}
	})
}

// refCSVResults decodes a CSV results download with encoding/csv alone,
// every cell through resultFields' setters: the decoder as it was before
// it had a fast path of its own, the reference the fast one must equal.
func refCSVResults(data []byte) ([]*Result, error) {
	const prefix = "hlrlookup: reading CSV results"
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", prefix, err)
	}
	cols := mapCSVHeader(header)
	var out []*Result
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%s: row %d: %w", prefix, row, err)
		}
		res := &Result{}
		if cols.extra > 0 || len(rec) > len(cols.cols) {
			res.Extra = map[string]string{}
		}
		for i, v := range rec {
			switch {
			case i >= len(cols.cols):
				res.Extra[cols.surplusName(i)] = v
			case cols.cols[i].kind == csvExtra:
				res.Extra[cols.cols[i].key] = v
			default:
				if err := resultFields[foldJSONKey(cols.cols[i].name)](res, v); err != nil {
					line, _ := cr.FieldPos(i)
					return out, fmt.Errorf("%s: row %d (line %d), column %q: %w", prefix, row, line, cols.cols[i].name, err)
				}
			}
		}
		out = append(out, res)
	}
}

// checkCSVAgainstRef decodes data with decodeCSVResults and fails t unless
// the results and the error (its text: row, line, column, cause) are those
// of refCSVResults.
func checkCSVAgainstRef(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := refCSVResults(data)
	var got []*Result
	var gotErr error
	for res, err := range decodeCSVResults(bytes.NewReader(data)) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, res)
	}
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%q:\n error %v\n want  %v", data, gotErr, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d results, want %d", data, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%q: result %d\n got  %+v\n want %+v", data, i+1, *got[i], *want[i])
		}
	}
}

// csvDocSeeds are whole downloads for the differential fuzz: the quoting
// seeds as cells of every kind, and rows that fail in a field.
func csvDocSeeds() []string {
	head := "ref,error,credits_spent,current_network_details.name,timestamp,request_parameters.cache_days_global,note\n"
	docs := []string{
		"", "\xef\xbb\xbf", head, "a\n\"x\ny\"\n",
		head + "r,NONE,1,\"T-Mobile USA, Inc.\",2022-09-08T10:56:03Z,0,\"a\"\"b\"\r\n" + "s,NONE,0.5,Three,2022-09-08T10:56:03Z,30,\n",
		head + "\"multi\nline\",NONE,1,x,,,\n" + "r,NONE,bad,x,,,\n",
		head + "r,NONE,1,x,yesterday,,\n",
		head + "r,NONE,1,x,,1.5,\"a\"b\n",
		head + "\n\r\n" + "r,NONE,1,x,,,\n" + "\"a\nb\nc\",,,,,,\n" + "r,NONE,x,\"a\"b,,,\n",
		head + "r,NONE,1,x,,,,surplus,\"more\"\n" + "short\n",
		head + "r,NONE,1,x,,,\n" + "last,NONE,1,x,,,no line break",
		head + "\"open,NONE\n",
		"error,credits_spent\nNONE,\"1\"\n\"NONE\",\"0.5\"\r\nNONE,\" 2 \"\n",
		"live_status,live_status,LIVE_STATUS\nLIVE,DEAD,\"ABSENT\"\n",
	}
	for _, s := range csvQuoteSeeds {
		docs = append(docs, head+s+"\n"+"r,NONE,1,"+s+",,,"+s+"\r\n")
	}
	return docs
}

// FuzzDecodeCSVResultsAgreesWithEncodingCSV: the decoder (its own line
// splitter for the bulk, encoding/csv for the rest) yields exactly what
// encoding/csv and resultFields' setters make of any input, results and
// errors alike.
func FuzzDecodeCSVResultsAgreesWithEncodingCSV(f *testing.F) {
	for _, s := range csvDocSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCSVAgainstRef(t, data)
	})
}

// TestDecodeCSVResultsAgreesWithEncodingCSV runs the differential fuzz
// target's seeds, and a generated download long enough that the interning
// of repeated values turns off and on again (ref), evicts values (segment)
// and sees a column's values grow in number (note), and that the buffer
// refills mid-line.
func TestDecodeCSVResultsAgreesWithEncodingCSV(t *testing.T) {
	t.Parallel()
	for _, s := range csvDocSeeds() {
		checkCSVAgainstRef(t, []byte(s))
	}
	var b strings.Builder
	b.WriteString("ref,error,uuid,live_status,current_network_details.name,credits_spent,timestamp,note,request_parameters.cache_days_private,segment\n")
	nets := []string{"Vodafone UK", `"T-Mobile USA, Inc."`, `"O2 ""UK"""`, "Three", ""}
	for i := range 8_000 {
		note := fmt.Sprintf("n%d", i%(1+i/400)) // repeats less and less
		if i%7 == 0 {
			note = fmt.Sprintf(`"note, %d"`, i)
		}
		fmt.Fprintf(&b, "r%d,NONE,u-%d,%s,%s,%s,2022-09-08T10:%02d:03Z,%s,%d,s%d", i, i, []string{"LIVE", "DEAD"}[i%2], nets[i%len(nets)],
			[]string{"1", "0.5", "0", "1.0"}[i%4], i/50%60, note, i%31, i*7%97) // 97 segments: more than the slots
		if i%500 == 499 {
			b.WriteString(`,"surplus` + "\n" + `cell"`)
		}
		b.WriteString([]string{"\n", "\r\n"}[i%3/2])
	}
	checkCSVAgainstRef(t, []byte(b.String()))
}

// TestCSVKindsMatchResultFields: csvKinds names exactly the fields of
// resultFields, and a cell set by kind (setCSVText, setCSVParsed) fills the
// Result as the field's setter does, with the same error.
func TestCSVKindsMatchResultFields(t *testing.T) {
	t.Parallel()
	for name := range resultFields {
		if _, ok := csvKinds[name]; !ok {
			t.Errorf("%q: no csvKind", name)
		}
	}
	values := []string{"", "1", "0", "0.5", "1.0", "-0", " 7 ", "007", "+5", "-3", "1e2", "NaN", "Inf", "x", "1_000", "0x10",
		"123456789", "1234567890", "99999999999999999999", "2022-09-08T10:56:03Z", "2022-09-08T12:56:03+02:00",
		"2022-09-08 10:56:03", " 2022-09-08T10:56:03Z", "\xff"}
	for name, kind := range csvKinds {
		set := resultFields[name]
		if set == nil {
			t.Errorf("%q: not in resultFields", name)
			continue
		}
		col := &csvColumn{name: name, kind: kind}
		for _, v := range values {
			want := &Result{}
			wantErr := set(want, v)
			for _, asBytes := range []bool{false, true} {
				got := &Result{}
				var err error
				switch {
				case !csvIsParsed(kind):
					setCSVText(got, kind, v)
				case asBytes:
					err = setCSVParsed(col, got, []byte(v))
				default:
					err = setCSVParsed(col, got, v)
				}
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(err, wantErr) && (err == nil || wantErr == nil || err.Error() != wantErr.Error()) {
					t.Errorf("%q = %q: got %+v, %v; want %+v, %v", name, v, *got, err, *want, wantErr)
				}
			}
		}
	}
}
