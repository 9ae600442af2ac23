package hlrlookup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// sampleResults are the three records of testdata/results_sample.*: the
// documented example record, a BAD_FORMAT number, and a half-credit cache hit.
func sampleResults(withRefs bool) []*Result {
	uk := func(status, name, mccmnc, area string) Network {
		return Network{Status: status, Name: name, MCCMNC: mccmnc, CountryName: "United Kingdom",
			CountryISO3: "GBR", Area: area, CountryPrefix: "44"}
	}
	params := func(tel string, global int) RequestParameters {
		return RequestParameters{TelephoneNumber: tel, SaveToCache: "YES", GetPortedDate: "NO",
			GetLandlineStatus: "NO", USAStatus: "NO", CacheDaysGlobal: global}
	}
	res := []*Result{
		{
			TelephoneNumber:         "+44(7790) 60 60 23",
			DetectedTelephoneNumber: "447790606023",
			LiveStatus:              LiveStatusLive,
			TelephoneNumberType:     NumberTypeMobile,
			IsPorted:                "YES",
			OriginalNetwork:         uk("AVAILABLE", "EE Limited (Orange)", "23433", "United Kingdom"),
			CurrentNetwork:          uk("AVAILABLE", "Virgin Mobile", "23438", ""),
			CreditsSpent:            1,
			Timestamp:               time.Date(2022, 9, 8, 10, 56, 3, 0, time.UTC),
			Error:                   "NONE",
			UUID:                    "f066f711-4043-4d54-847d-c273e6491881",
			RequestParameters:       params("+44(7790) 60 60 23", 0),
		},
		{
			TelephoneNumber:     "12345",
			LiveStatus:          LiveStatusNotApplicable,
			TelephoneNumberType: NumberTypeBadFormat,
			IsPorted:            "UNKNOWN",
			OriginalNetwork:     Network{Status: "NOT_AVAILABLE"},
			CurrentNetwork:      Network{Status: "NOT_AVAILABLE"},
			Timestamp:           time.Date(2022, 9, 8, 10, 56, 4, 0, time.UTC),
			Error:               "NONE",
			UUID:                "0b6c3d0e-8c1f-4d55-9d0e-1a2b3c4d5e6f",
			RequestParameters:   params("12345", 0),
		},
		{
			TelephoneNumber:         "07790 606023",
			DetectedTelephoneNumber: "447790606023",
			LiveStatus:              LiveStatusLive,
			TelephoneNumberType:     NumberTypeMobile,
			IsPorted:                "YES",
			OriginalNetwork:         uk("AVAILABLE", "EE Limited (Orange)", "23433", "United Kingdom"),
			CurrentNetwork:          uk("AVAILABLE", "Virgin Mobile", "23438", ""),
			CreditsSpent:            0.5,
			Timestamp:               time.Date(2022, 9, 8, 10, 56, 5, 250e6, time.UTC),
			Error:                   "NONE",
			UUID:                    "5d7c0a52-2f9e-4d8a-9b43-7f0e1c2d3a4b",
			RequestParameters:       params("07790 606023", 30),
		},
	}
	if withRefs {
		res[0].Extra = map[string]string{"ref": "A1", "phone": "+44(7790) 60 60 23"}
		res[1].Extra = map[string]string{"ref": "B2, second", "phone": "12345"}
		res[2].Extra = map[string]string{"ref": "C3\nmultiline \"quoted\"", "phone": "07790 606023"}
	}
	return res
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// collect drains seq, checking the iterator contract: results are non-nil
// until an error, the error comes with a nil result, and nothing follows it.
func collect(t *testing.T, seq iter.Seq2[*Result, error]) ([]*Result, error) {
	t.Helper()
	var (
		out      []*Result
		firstErr error
	)
	for res, err := range seq {
		if firstErr != nil {
			t.Fatalf("yielded (%v, %v) after the error %v", res, err, firstErr)
		}
		if err != nil {
			if res != nil {
				t.Fatalf("yielded a result together with the error %v", err)
			}
			firstErr = err
			continue
		}
		if res == nil {
			t.Fatal("yielded a nil result without an error")
		}
		out = append(out, res)
	}
	return out, firstErr
}

func diffResults(t *testing.T, got, want []*Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("result %d:\n got %+v\nwant %+v", i, *got[i], *want[i])
		}
	}
}

func TestReadResultsSample(t *testing.T) {
	t.Parallel()
	csvBody := readTestdata(t, "results_sample.csv")
	arr := readTestdata(t, "results_sample.json")
	tests := []struct {
		name     string
		body     string
		withRefs bool
		decode   func(io.Reader) iter.Seq2[*Result, error] // nil: ReadResults only
	}{
		{"json bare array", arr, false, decodeJSONResults},
		{"json results envelope", readTestdata(t, "results_sample_results.json"), false, decodeJSONResults},
		{"json body envelope", readTestdata(t, "results_sample_body.json"), false, decodeJSONResults},
		{"json BOM and whitespace", "\xef\xbb\xbf \r\n\t" + arr, false, decodeJSONResults},
		{"json compact", compactJSON(t, arr), false, decodeJSONResults},
		{"csv", csvBody, true, decodeCSVResults},
		{"csv BOM", "\xef\xbb\xbf" + csvBody, true, decodeCSVResults},
		{"csv CRLF", strings.ReplaceAll(csvBody, "\n", "\r\n"), true, decodeCSVResults}, // also inside quotes: read as \n
		{"csv leading blank lines", "\n\n" + csvBody, true, decodeCSVResults},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := sampleResults(tt.withRefs)
			got, err := collect(t, ReadResults(strings.NewReader(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			diffResults(t, got, want)
			if tt.decode != nil {
				got, err := collect(t, tt.decode(strings.NewReader(tt.body)))
				if err != nil {
					t.Fatal(err)
				}
				diffResults(t, got, want)
			}
			if !got[0].OK() || !got[0].Live() || got[1].Live() {
				t.Errorf("OK/Live: got %v %v %v", got[0].OK(), got[0].Live(), got[1].Live())
			}
		})
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDecodeCSVResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    []*Result
		wantErr string
	}{
		{name: "empty", body: ""},
		{name: "header only", body: "error,uuid,live_status\n"},
		{
			name: "reordered, case-insensitive, trimmed header",
			body: " Live_Status ,CREDITS_SPENT,current_network_details.NAME,request_parameters.telephone_number\nDEAD,2,Vodafone,447700900000\n",
			want: []*Result{{LiveStatus: LiveStatusDead, CreditsSpent: 2, CurrentNetwork: Network{Name: "Vodafone"},
				TelephoneNumber: "447700900000", RequestParameters: RequestParameters{TelephoneNumber: "447700900000"}}},
		},
		{
			name: "unknown columns and a new live status",
			body: "error,ported_date,live_status,x.y\nNONE,2020-01-01,SOMETHING_NEW,z\n",
			want: []*Result{{Error: "NONE", LiveStatus: "SOMETHING_NEW",
				Extra: map[string]string{"ported_date": "2020-01-01", "x.y": "z"}}},
		},
		{
			name: "duplicate names: last known wins, earlier kept in Extra",
			body: "error,note,note,,error\nmine,a,b,c,NONE\n",
			want: []*Result{{Error: "NONE",
				Extra: map[string]string{"error": "mine", "note": "a", "note_2": "b", "column_4": "c"}}},
		},
		{
			name: "short and long rows",
			body: "error,uuid\nNONE\nNONE,u1,surplus\n",
			want: []*Result{{Error: "NONE"}, {Error: "NONE", UUID: "u1", Extra: map[string]string{"column_3": "surplus"}}},
		},
		{
			name: "usa_status output and request parameter",
			body: "usa_status,request_parameters.usa_status,request_parameters.cache_days_private,sms_email,mms_email\nACTIVE,YES, 7 ,a@sms,b@mms\n",
			want: []*Result{{USAStatus: "ACTIVE", SMSEmail: "a@sms", MMSEmail: "b@mms",
				RequestParameters: RequestParameters{USAStatus: "YES", CacheDaysPrivate: 7}}},
		},
		{
			name: "timestamp with offset and spreadsheet layout",
			body: "uuid,timestamp\na,2022-09-08T12:56:03+02:00\nb,2022-09-08 10:56:03\n",
			want: []*Result{
				{UUID: "a", Timestamp: time.Date(2022, 9, 8, 12, 56, 3, 0, time.FixedZone("", 2*3600))},
				{UUID: "b", Timestamp: time.Date(2022, 9, 8, 10, 56, 3, 0, time.UTC)},
			},
		},
		{
			name:    "invalid credits names row, line and column",
			body:    "uuid,credits_spent\na,1\nb,\"one\nand a half\"\n",
			wantErr: `hlrlookup: reading CSV results: row 2 (line 3), column "credits_spent": invalid number "one\nand a half"`,
		},
		{
			name:    "NaN credits",
			body:    "credits_spent\nNaN\n",
			wantErr: `row 1 (line 2), column "credits_spent": invalid number "NaN"`,
		},
		{
			name:    "invalid timestamp",
			body:    "uuid,Timestamp\na,2022-09-08T10:56:03Z\nb,yesterday\n",
			wantErr: `hlrlookup: reading CSV results: row 2 (line 3), column "Timestamp": invalid RFC 3339 timestamp "yesterday"`,
		},
		{
			name:    "invalid cache days",
			body:    "request_parameters.cache_days_global\n1.5\n",
			wantErr: `row 1 (line 2), column "request_parameters.cache_days_global": invalid integer "1.5"`,
		},
		{
			name:    "bare quote",
			body:    "error,uuid\nNONE,a\"b\n",
			wantErr: `hlrlookup: reading CSV results: row 1: parse error on line 2, column 7: bare " in non-quoted-field`,
		},
		{
			name:    "unterminated quote",
			body:    "error,uuid\nNONE,\"ab\n",
			wantErr: `hlrlookup: reading CSV results: row 1: parse error`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := collect(t, decodeCSVResults(strings.NewReader(tt.body)))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" {
				diffResults(t, got, tt.want)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestDecodeJSONResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    []*Result
		wantErr string
	}{
		{name: "empty", body: ""},
		{name: "empty array", body: " [ ] "},
		{name: "null results", body: `{"results":null}`},
		{name: "empty body results", body: `{"body":{"results":[]}}`},
		{
			name: "numbers where strings are expected, credits as string",
			body: `[{"credits_spent":"0.5","uuid":12,"request_parameters":{"telephone_number":447700900000,"cache_days_private":"3"},
				"current_network_details":{"mccmnc":23438,"country_prefix":44},"is_ported":false}]`,
			want: []*Result{{CreditsSpent: 0.5, UUID: "12", TelephoneNumber: "447700900000", IsPorted: "false",
				RequestParameters: RequestParameters{TelephoneNumber: "447700900000", CacheDaysPrivate: 3},
				CurrentNetwork:    Network{MCCMNC: "23438", CountryPrefix: "44"}}},
		},
		{
			name: "credits as a number string",
			body: `{"results":[{"credits_spent":"1","error":"NONE"}]}`,
			want: []*Result{{CreditsSpent: 1, Error: "NONE"}},
		},
		{
			name: "unknown fields flattened into Extra",
			body: `[{"error":"INTERNAL_ERROR","ported_date":"2020-02-03","request_parameters":{"telephone_number":"1","extra_opt":true},
				"meta":{"a":{"b":1.50},"c":null},"tags":["x", 1],"current_network_details":{"name":"N","hlr":"h1"},"original_network_details":null}]`,
			want: []*Result{{Error: "INTERNAL_ERROR", TelephoneNumber: "1",
				RequestParameters: RequestParameters{TelephoneNumber: "1"},
				CurrentNetwork:    Network{Name: "N"},
				Extra: map[string]string{"ported_date": "2020-02-03", "request_parameters.extra_opt": "true",
					"meta.a.b": "1.50", "meta.c": "", "tags": `["x",1]`, "current_network_details.hlr": "h1"}}},
		},
		{
			name: "fast then generic then fast again",
			body: `[{"uuid":"a"},{"uuid":"b","new":"n"},{"uuid":"c"}]`,
			want: []*Result{{UUID: "a"}, {UUID: "b", Extra: map[string]string{"new": "n"}}, {UUID: "c"}},
		},
		{
			name: "escaped strings",
			body: `[{"current_network_details":{"name":"Caf\u00e9 \"Mobile\""},"error":"NONE"}]`,
			want: []*Result{{Error: "NONE", CurrentNetwork: Network{Name: `Café "Mobile"`}}},
		},
		{
			name: "envelope: results before other keys, body after",
			body: `{"results":[{"uuid":"top"}],"body":{"results":[{"uuid":"ignored"}]},"n":1}`,
			want: []*Result{{UUID: "top"}},
		},
		{
			name: "envelope: body results preferred when first",
			body: `{"x":[{"results":[{"uuid":"nested deeper: ignored"}]}],"body":{"results":[{"uuid":"body"}]},"results":[{"uuid":"top"}]}`,
			want: []*Result{{UUID: "body"}},
		},
		{
			name: "envelope: body without results falls back to top-level results",
			body: `{"body":{"total":0},"Results":[{"uuid":"top"}]}`,
			want: []*Result{{UUID: "top"}},
		},
		{name: "no results key", body: `{"error":"NOT_FOUND","message":"no such batch"}`, wantErr: `hlrlookup: reading JSON results: no "results" array`},
		{name: "results not an array", body: `{"results":{"a":1}}`, wantErr: `"results" is {, want an array`},
		{name: "scalar top level", body: `"results"`, wantErr: `want an array or an object, found "results"`},
		{name: "control characters in a scalar", body: `"\u001b]0;pwned\u0007"`, wantErr: `found "\x1b]0;pwned\a"`},
		{name: "results a terminal escape", body: `{"results":"\u001b[2J"}`, wantErr: `"results" is "\x1b[2J", want an array`},
		{name: "results a huge number", body: `{"results":` + strings.Repeat("9", 100000) + `}`, wantErr: `"results" is ` + strings.Repeat("9", 64) + `…, want an array`},
		{name: "trailing data", body: `[{"uuid":"a"}] [1]`, wantErr: "unexpected data after the results"},
		{name: "truncated array", body: `[{"uuid":"a"},`, wantErr: "hlrlookup: reading JSON results: row 2: unexpected EOF"},
		{name: "truncated record", body: `[{"uuid":"a"},{"uuid":`, wantErr: "row 2: unexpected EOF"},
		{name: "truncated envelope", body: `{"body":{"results":[]`, wantErr: "unexpected EOF"},
		{name: "syntax error", body: `[{"uuid":"a"},{"uuid" "b"}]`, wantErr: "row 2: invalid character"},
		{name: "record not an object", body: `[{"uuid":"a"},null]`, wantErr: `row 2: record is "null", want an object`},
		{name: "invalid credits", body: `[{"uuid":"a"},{"credits_spent":"lots"}]`, wantErr: `hlrlookup: reading JSON results: row 2: field "credits_spent": invalid number "lots"`},
		{name: "invalid credits, bool", body: `[{"credits_spent":true}]`, wantErr: `row 1: field "credits_spent": invalid number "true"`},
		{name: "invalid timestamp", body: `[{"timestamp":"2022-13-45"}]`, wantErr: `row 1: field "timestamp": invalid RFC 3339 timestamp "2022-13-45"`},
		{name: "invalid timestamp beside an unknown key", body: `[{"timestamp":"never","x":1}]`, wantErr: `row 1: field "timestamp": invalid RFC 3339 timestamp "never"`},
		{name: "network details not an object", body: `[{"current_network_details":"n/a"}]`, want: []*Result{{Extra: map[string]string{"current_network_details": "n/a"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := collect(t, decodeJSONResults(strings.NewReader(tt.body)))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" {
				diffResults(t, got, tt.want)
			}
		})
	}
}

func TestReadResultsEmptyInputs(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", " \r\n\t ", "\xef\xbb\xbf", "\xef\xbb\xbf\n", "[]", "{\"results\":[]}", "error,uuid\r\n"} {
		got, err := collect(t, ReadResults(strings.NewReader(body)))
		if err != nil || len(got) != 0 {
			t.Errorf("%q: got %d results, error %v; want none", body, len(got), err)
		}
	}
}

// rowsReader generates a results download on the fly: head, then n rows made
// by row(i), then tail; it never holds more than one row.
type rowsReader struct {
	head, tail string
	n          int
	row        func(i int) string
	i          int
	buf        []byte
	done       bool
	served     int64
}

func (g *rowsReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.head != "":
			g.buf, g.head = append(g.buf[:0], g.head...), ""
		case g.i < g.n:
			g.buf = append(g.buf[:0], g.row(g.i)...)
			g.i++
		case !g.done:
			g.buf, g.done = append(g.buf[:0], g.tail...), true
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	g.served += int64(n)
	return n, nil
}

const genCSVHeader = "ref,error,uuid,request_parameters.telephone_number,credits_spent,live_status,current_network,current_network_details.name,current_network_details.mccmnc,timestamp,telephone_number_type\n"

func genCSVRow(i int) string {
	return fmt.Sprintf("r%d,NONE,uuid-%08d,+4477009%05d,%d.5,LIVE,AVAILABLE,Virgin Mobile,23438,2022-09-08T10:56:03Z,MOBILE\n", i, i, i%100000, i%2)
}

func genJSONRow(i int) string {
	sep := ","
	if i == 0 {
		sep = ""
	}
	return fmt.Sprintf(`%s{"error":"NONE","uuid":"uuid-%08d","request_parameters":{"telephone_number":"+4477009%05d","save_to_cache":"YES","cache_days_global":0,"cache_days_private":0},"credits_spent":%d.5,"detected_telephone_number":"4477009%05d","live_status":"LIVE","current_network":"AVAILABLE","current_network_details":{"name":"Virgin Mobile","mccmnc":"23438","country_name":"United Kingdom","country_iso3":"GBR","country_prefix":"44"},"is_ported":"NO","timestamp":"2022-09-08T10:56:03Z","telephone_number_type":"MOBILE"}`+"\n",
		sep, i, i%100000, i%2, i%100000)
}

func genJSONRowUnknown(i int) string {
	s := genJSONRow(i)
	return strings.Replace(s, `"error":"NONE"`, `"error":"NONE","ported_date":"2021-01-01"`, 1)
}

func csvGen(n int) *rowsReader { return &rowsReader{head: genCSVHeader, n: n, row: genCSVRow} }

func jsonGen(n int, row func(int) string) *rowsReader {
	return &rowsReader{head: `{"body":{"results":[`, n: n, row: row, tail: "]}}"}
}

func TestReadResultsEarlyBreak(t *testing.T) {
	t.Parallel()
	for _, g := range []*rowsReader{csvGen(1_000_000), jsonGen(1_000_000, genJSONRow)} {
		n := 0
		for res, err := range ReadResults(g) {
			if err != nil {
				t.Fatal(err)
			}
			if res.UUID != fmt.Sprintf("uuid-%08d", n) {
				t.Fatalf("row %d: uuid %q", n, res.UUID)
			}
			n++
			if n == 3 {
				break
			}
		}
		if n != 3 {
			t.Fatalf("got %d results, want 3", n)
		}
		// A row is ~400 bytes; the decoders read ahead at most a few chunks.
		if g.i > 1000 || g.served > 256<<10 {
			t.Errorf("read %d rows (%d bytes) to yield 3", g.i, g.served)
		}
	}
}

func TestReadResultsErrorYieldedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		gen  *rowsReader
	}{
		{"csv", &rowsReader{head: genCSVHeader, n: 100, row: func(i int) string {
			if i == 5 {
				return "r5,NONE,u,1,bad,LIVE,,,,,\n"
			}
			return genCSVRow(i)
		}}},
		{"json", jsonGen(100, func(i int) string {
			if i == 5 {
				return `,{"credits_spent":"bad"}`
			}
			return genJSONRow(i)
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			results, errs := 0, 0
			var firstErr error
			for res, err := range ReadResults(tt.gen) {
				if err != nil {
					errs++
					firstErr = err
					continue // keep ranging: the iterator itself must stop
				}
				if errs > 0 || res == nil {
					t.Fatal("result after error, or nil result")
				}
				results++
			}
			if results != 5 || errs != 1 {
				t.Fatalf("got %d results and %d errors, want 5 and 1", results, errs)
			}
			if !strings.Contains(firstErr.Error(), "row 6") || !strings.Contains(firstErr.Error(), `invalid number "bad"`) {
				t.Errorf("error %q lacks the row or the cause", firstErr)
			}
		})
	}
}

// hugeFieldReader serves prefix, then size bytes of 'x', then suffix.
type hugeFieldReader struct {
	prefix, suffix string
	size           int64
	served         int64
}

func (h *hugeFieldReader) Read(p []byte) (int, error) {
	total := int64(len(h.prefix)) + h.size + int64(len(h.suffix))
	if h.served >= total {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && h.served < total {
		switch off := h.served; {
		case off < int64(len(h.prefix)):
			c := copy(p[n:], h.prefix[off:])
			n += c
			h.served += int64(c)
		case off < int64(len(h.prefix))+h.size:
			c := min(int64(len(p)-n), int64(len(h.prefix))+h.size-off)
			for i := range c {
				p[n+int(i)] = 'x'
			}
			n += int(c)
			h.served += c
		default:
			c := copy(p[n:], h.suffix[off-int64(len(h.prefix))-h.size:])
			n += c
			h.served += int64(c)
		}
	}
	return n, nil
}

func TestReadResultsRecordTooLarge(t *testing.T) {
	const nineMiB = 9 << 20
	okRow := "NONE,u1,x\n"
	okJSON := `{"uuid":"u1"},`
	tests := []struct {
		name    string
		r       *hugeFieldReader
		wantErr string
	}{
		{"csv field", &hugeFieldReader{prefix: "error,uuid,ref\n" + okRow + "NONE,u2,", size: nineMiB, suffix: "\n"},
			"hlrlookup: reading CSV results: record at row 2 exceeds 8 MiB"},
		{"csv quoted field, 1 GiB", &hugeFieldReader{prefix: "error,uuid,ref\n" + okRow + okRow + "NONE,u2,\"", size: 1 << 30, suffix: "\"\n"},
			"hlrlookup: reading CSV results: record at row 3 exceeds 8 MiB"},
		{"csv header", &hugeFieldReader{prefix: "error,", size: nineMiB, suffix: "\n"},
			"hlrlookup: reading CSV results: header exceeds 8 MiB"},
		{"json field", &hugeFieldReader{prefix: "[" + okJSON + `{"uuid":"`, size: nineMiB, suffix: `"}]`},
			"hlrlookup: reading JSON results: record at row 2 exceeds 8 MiB"},
		{"json record, 1 GiB", &hugeFieldReader{prefix: `{"results":[` + okJSON + okJSON + `{"uuid":"u","x":["`, size: 1 << 30, suffix: `"]}]}`},
			"hlrlookup: reading JSON results: record at row 3 exceeds 8 MiB"},
		{"json skipped envelope string", &hugeFieldReader{prefix: `{"note":"`, size: nineMiB, suffix: `","results":[]}`},
			"hlrlookup: reading JSON results: envelope exceeds 8 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: measures allocation.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			got, err := collect(t, ReadResults(tt.r))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrResultRecordTooLarge) {
				t.Fatalf("error %v, want ErrResultRecordTooLarge", err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error %q, want %q", err, tt.wantErr)
			}
			if strings.Contains(tt.name, "header") || strings.Contains(tt.name, "envelope") {
				if len(got) != 0 {
					t.Errorf("got %d results before the error, want 0", len(got))
				}
			} else if len(got) == 0 || got[0].UUID != "u1" {
				t.Errorf("the records before the oversized one were not yielded: %v", got)
			}
			// Refused after about 8 MiB, whatever the field's size.
			if limit := int64(maxResultRecordBytes + 4*recordLimiterChunk + 4096); tt.r.served > limit {
				t.Errorf("read %d bytes, want at most %d", tt.r.served, limit)
			}
			// What matters is that the allocation does not depend on the
			// field's size (compare the 1 GiB cases). encoding/csv grows its
			// line buffer by append (about 5x the 8 MiB read, as garbage) and
			// copies the line twice; encoding/json doubles its buffer.
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MiB", float64(alloc)/(1<<20))
			bound := uint64(40 << 20)
			if strings.HasPrefix(tt.name, "csv") {
				bound = 72 << 20
			}
			if alloc > bound {
				t.Errorf("allocated %d bytes refusing the record, want at most %d", alloc, bound)
			}
		})
	}
}

// Memory stays flat however many rows are decoded.
func TestReadResultsFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 200,000 rows per format")
	}
	const rows = 200_000
	const bound = 32 << 20
	tests := []struct {
		name string
		gen  *rowsReader
	}{
		{"csv", csvGen(rows)},
		{"json", jsonGen(rows, genJSONRow)},
		{"json with unknown fields", jsonGen(rows/4, genJSONRowUnknown)},
	}
	// The three decode at once, parallel with each other only (the test
	// itself is not parallel): HeapInuse is process-wide, so each peak
	// counts the other two decoders too, and still stays under the bound.
	runtime.GC()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ms runtime.MemStats
			var peak uint64
			n := 0
			var credits float64
			start := time.Now()
			for res, err := range ReadResults(tt.gen) {
				if err != nil {
					t.Fatal(err)
				}
				credits += res.CreditsSpent
				n++
				if n%10_000 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			elapsed := time.Since(start)
			if n != tt.gen.n {
				t.Fatalf("decoded %d rows, want %d", n, tt.gen.n)
			}
			if want := float64(n); credits != want { // alternating 0.5 and 1.5
				t.Errorf("credits sum %v, want %v", credits, want)
			}
			t.Logf("%d rows in %v (%.0f rows/s, %.0f MB/s), peak HeapInuse %.1f MiB", n, elapsed.Round(time.Millisecond),
				float64(n)/elapsed.Seconds(), float64(tt.gen.served)/elapsed.Seconds()/1e6, float64(peak)/(1<<20))
			if peak > bound {
				t.Errorf("peak HeapInuse %d bytes, want under %d", peak, bound)
			}
		})
	}
}

// Issue 9, item 1: a record decodes the same whatever else it holds. Before,
// an escape or an array anywhere in a record moved it to another decoder,
// which read flat dotted keys differently (and nested objects too deep).
func TestReadResultsJSONOnePath(t *testing.T) {
	t.Parallel()
	const base = `"request_parameters.telephone_number":"447700900123","live_status":"LIVE",` +
		`"current_network_details":{"name":"EE","hlr":"h1"},"original_network":"AVAILABLE"`
	want := &Result{TelephoneNumber: "447700900123", LiveStatus: LiveStatusLive,
		RequestParameters: RequestParameters{TelephoneNumber: "447700900123"},
		CurrentNetwork:    Network{Name: "EE"}, OriginalNetwork: Network{Status: "AVAILABLE"},
		Extra: map[string]string{"current_network_details.hlr": "h1"}}
	tests := []struct {
		name  string
		add   string            // members added to the base record
		extra map[string]string // what they add to Extra
	}{
		{name: "nothing added"},
		{name: "an escape", add: `"note":"caf\u00e9"`, extra: map[string]string{"note": "café"}},
		{name: "an escaped quote and slash", add: `"note":"a\"b\/c"`, extra: map[string]string{"note": `a"b/c`}},
		{name: "an escaped key", add: `"n\u006fte":"x"`, extra: map[string]string{"note": "x"}},
		{name: "an array", add: `"tags":[ "a", {"b" : 1} ]`, extra: map[string]string{"tags": `["a",{"b":1}]`}},
		{name: "an empty array", add: `"tags":[]`, extra: map[string]string{"tags": `[]`}},
		{name: "a nested object", add: `"meta":{"a":{"b":true},"c":null}`, extra: map[string]string{"meta.a.b": "true", "meta.c": ""}},
		{name: "an escape in a nested known object", add: `"request_parameters":{"save_to_cache":"YES","x":"\u00e9"}`,
			extra: map[string]string{"request_parameters.x": "é"}},
		{name: "invalid UTF-8", add: "\"raw\":\"a\xffb\"", extra: map[string]string{"raw": "a\ufffdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := "{" + base
			if tt.add != "" {
				rec += "," + tt.add
			}
			rec += "}"
			for _, body := range []string{"[" + rec + "]", `{"results":[` + rec + "]}", `{"body":{"results":[` + rec + "]}}"} {
				got, err := collect(t, ReadResults(strings.NewReader(body)))
				if err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				w := *want
				w.Extra = map[string]string{}
				for k, v := range want.Extra {
					w.Extra[k] = v
				}
				for k, v := range tt.extra {
					w.Extra[k] = v
				}
				if strings.Contains(tt.add, "save_to_cache") {
					w.RequestParameters.SaveToCache = "YES"
				}
				diffResults(t, got, []*Result{&w})
			}
		})
	}
}

// Flat dotted keys and nested objects name the same fields, in any case,
// with or without escapes; the later of two members with one path wins.
func TestReadResultsJSONPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rec  string
		want *Result
	}{
		{name: "flat and nested, later wins", rec: `{"request_parameters":{"telephone_number":"1"},"Request_Parameters.Telephone_Number":"2"}`,
			want: &Result{TelephoneNumber: "2", RequestParameters: RequestParameters{TelephoneNumber: "2"}}},
		{name: "nested after flat", rec: `{"current_network_details.name":"A","current_network_details":{"n\u0061me":"B"}}`,
			want: &Result{CurrentNetwork: Network{Name: "B"}}},
		{name: "folding as encoding/json: long s and Kelvin sign", rec: `{"ſms_email":"s","original_networ\u212a":"AVAILABLE"}`,
			want: &Result{SMSEmail: "s", OriginalNetwork: Network{Status: "AVAILABLE"}}},
		{name: "dotted İ is not i (no simple folding)", rec: `{"İs_ported":"YES"}`,
			want: &Result{Extra: map[string]string{"İs_ported": "YES"}}},
		{name: "array for a known string field", rec: `{"uuid":[1,"a"]}`, want: &Result{UUID: `[1,"a"]`}},
		{name: "null known object and null field", rec: `{"request_parameters":null,"uuid":null,"x":null}`,
			want: &Result{Extra: map[string]string{"x": ""}}},
		{name: "object where a field is expected", rec: `{"error":{"code":1}}`,
			want: &Result{Extra: map[string]string{"error.code": "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := collect(t, ReadResults(strings.NewReader("["+tt.rec+"]")))
			if err != nil {
				t.Fatal(err)
			}
			diffResults(t, got, []*Result{tt.want})
		})
	}
}

// Issue 9, item 1: nesting is bounded. A record nested a million levels deep
// grew the goroutine stack to hundreds of MB; now it is refused when the
// 129th level opens, having read and allocated little.
func TestReadResultsJSONDepthBounded(t *testing.T) {
	const levels = 1_000_000
	tests := []struct {
		name             string
		head, row, tail  string
		wantErr, wantRow string
	}{
		{name: "nested objects in a record", head: `[{"a":`, row: `{"a":`, tail: "1" + strings.Repeat("}", levels+1) + "]", wantRow: "row 1: "},
		{name: "nested arrays in a record", head: `[{"a":`, row: `[`, tail: strings.Repeat("]", levels) + "}]", wantRow: "row 1: "},
		{name: "nested arrays in a skipped envelope value", head: `{"x":`, row: `[`, tail: strings.Repeat("]", levels) + `,"results":[]}`},
		{name: "nested objects in the body envelope", head: `{"body":{"y":`, row: `{"a":`, tail: "1" + strings.Repeat("}", levels+1) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &rowsReader{head: tt.head, tail: tt.tail, n: levels, row: func(int) string { return tt.row }}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			got, err := collect(t, ReadResults(src))
			runtime.ReadMemStats(&after)
			want := "hlrlookup: reading JSON results: " + tt.wantRow + "JSON nested deeper than 128 levels"
			if err == nil || err.Error() != want || len(got) != 0 {
				t.Fatalf("got %d results, error %v; want the error %q", len(got), err, want)
			}
			t.Logf("refused after reading %d bytes; %d bytes allocated, stacks %+d bytes",
				src.served, after.TotalAlloc-before.TotalAlloc, int64(after.StackInuse)-int64(before.StackInuse))
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes to refuse it", alloc)
			}
			if grew := int64(after.StackInuse) - int64(before.StackInuse); grew > 4<<20 {
				t.Errorf("stacks grew by %d bytes", grew)
			}
			if src.served > 256<<10 {
				t.Errorf("read %d bytes before refusing it", src.served)
			}
		})
	}
	// Exactly at the bound is accepted: the record at level 2, 126 more objects.
	rec := strings.Repeat(`{"a":`, 127) + "1" + strings.Repeat("}", 127)
	got, err := collect(t, ReadResults(strings.NewReader("["+rec+"]")))
	if err != nil || len(got) != 1 || len(got[0].Extra) != 1 {
		t.Fatalf("128 levels: %d results, error %v", len(got), err)
	}
	_, err = collect(t, ReadResults(strings.NewReader(`[{"a":`+rec+"}]")))
	if err == nil || !strings.Contains(err.Error(), "row 1: JSON nested deeper than 128 levels") {
		t.Fatalf("129 levels: error %v", err)
	}
}

// Issue 9, item 2: the format is sniffed from what a JSON download starts
// with, not from its first byte; any CSV header is possible.
func TestReadResultsSniffsFormat(t *testing.T) {
	t.Parallel()
	tel := func(n string) *Result {
		return &Result{TelephoneNumber: n, RequestParameters: RequestParameters{TelephoneNumber: n}}
	}
	tests := []struct {
		name    string
		body    string
		want    []*Result
		wantErr string
	}{
		{name: "CSV: [id] header", body: "[id],phone\n1,+447700900123\n",
			want: []*Result{{Extra: map[string]string{"[id]": "1", "phone": "+447700900123"}}}},
		{name: "CSV: {x} header", body: "{x},phone\n1,+447700900123\n",
			want: []*Result{{Extra: map[string]string{"{x}": "1", "phone": "+447700900123"}}}},
		{name: "JSON: [] alone is an empty array", body: "[]"},
		{name: "CSV: [1] header", body: "[1],request_parameters.telephone_number\nx,44\n",
			want: []*Result{{TelephoneNumber: "44", RequestParameters: RequestParameters{TelephoneNumber: "44"}, Extra: map[string]string{"[1]": "x"}}}},
		{name: "CSV: {} header", body: "{}\nv\n", want: []*Result{{Extra: map[string]string{"{}": "v"}}}},
		{name: "CSV: { then a line break and a quoted cell", body: "{\n\"x\"\n", want: []*Result{{Extra: map[string]string{"{": "x"}}}},
		{name: "CSV: BOM and [ header", body: "\ufeff[a]\n1\n", want: []*Result{{Extra: map[string]string{"[a]": "1"}}}},
		{name: "JSON: array of objects after BOM and whitespace", body: "\ufeff \r\n\t[ \n {\"request_parameters.telephone_number\":\"1\"}]", want: []*Result{tel("1")}},
		{name: "JSON: empty array", body: " [\n] "},
		{name: "JSON: results envelope", body: `{ "results" : [{"request_parameters":{"telephone_number":"2"}}]}`, want: []*Result{tel("2")}},
		{name: "JSON: body envelope, pretty-printed", body: "{\n  \"body\": {\n    \"results\": [\n      {\"request_parameters.telephone_number\": \"3\"}\n    ]\n  }\n}\n", want: []*Result{tel("3")}},
		{name: "JSON: another key first", body: `{"total":1,"Results":[{"request_parameters.telephone_number":"4"}]}`, want: []*Result{tel("4")}},
		{name: "JSON: escaped key", body: `{"res\"ults":0,"results":[]}`},
		{name: "JSON: an error body is an error, not an empty CSV", body: `{"error":"NOT_FOUND","message":"no such batch"}`, wantErr: `no "results" array`},
		{name: "JSON: an array of something else is an error", body: `[{"a":1},2]`, wantErr: `row 2: record is "2", want an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := collect(t, ReadResults(strings.NewReader(tt.body)))
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" {
				diffResults(t, got, tt.want)
			}
		})
	}
}

// Issue 9, item 4: names for cells that have no header name of their own
// never take a header column's name, so no cell is lost.
func TestDecodeCSVResultsNamesNeverCollide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{name: "surplus cell and a column_N header", body: "a,column_3\n1,2,3\n",
			want: map[string]string{"a": "1", "column_3": "2", "column_3_2": "3"}},
		{name: "surplus cells, some names taken", body: "column_3,column_4_2,column_4\n1,2,3,4,5\n",
			want: map[string]string{"column_3": "1", "column_4_2": "2", "column_4": "3", "column_4_3": "4", "column_5": "5"}},
		{name: "empty header cell and a later column_N header", body: "a,,column_2\n1,2,3\n",
			want: map[string]string{"a": "1", "column_2": "3", "column_2_2": "2"}},
		{name: "duplicate names and a later name_2 header", body: "phone,phone,phone_2\n1,2,3\n",
			want: map[string]string{"phone": "1", "phone_2": "3", "phone_3": "2"}},
		{name: "duplicate names, trimmed", body: "phone, phone ,phone\n1,2,3\n",
			want: map[string]string{"phone": "1", "phone_2": "2", "phone_3": "3"}},
		{name: "two empty header cells", body: ",\n1,2\n", want: map[string]string{"column_1": "1", "column_2": "2"}},
		{name: "a known name twice: the earlier to Extra", body: "uuid,note,UUID\n1,2,3\n",
			want: map[string]string{"uuid": "1", "note": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, body := range []string{tt.body, strings.Replace(tt.body, "\n1", "\n\"1\"", 1)} { // both CSV readers
				got, err := collect(t, ReadResults(strings.NewReader(body)))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || !reflect.DeepEqual(got[0].Extra, tt.want) {
					t.Fatalf("%q: Extra %v, want %v", body, got[0].Extra, tt.want)
				}
			}
		})
	}
}

// BenchmarkJSONTokenizers measures the JSON results decoder's tokenizer
// against the standard library's json.Decoder doing the same mapping with
// Token (tokenDecodeJSONResults), on 20,000 records like the service's
// (BENCHMARKS.md records why the hand-written scanner stays).
func BenchmarkJSONTokenizers(b *testing.B) {
	raw, err := os.ReadFile("testdata/results_sample.json")
	if err != nil {
		b.Fatal(err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("[")
	const rows = 20_000
	for i := range rows {
		if i > 0 {
			buf.WriteString(",\n")
		}
		if err := json.Compact(&buf, recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	buf.WriteString("]")
	body := buf.Bytes()
	run := func(b *testing.B, decode func(io.Reader) (int, error)) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			n, err := decode(bytes.NewReader(body))
			if err != nil || n != rows {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("scanner", func(b *testing.B) {
		run(b, func(r io.Reader) (n int, err error) {
			for _, err := range decodeJSONResults(r) {
				if err != nil {
					return n, err
				}
				n++
			}
			return n, nil
		})
	})
	b.Run("json.Decoder.Token", func(b *testing.B) { run(b, tokenDecodeJSONResults) })
}

// tokenDecodeJSONResults decodes a bare array of records with
// json.Decoder.Token, mapping members to fields as the SDK does (arrays are
// skipped, not rendered: the measured records have none).
func tokenDecodeJSONResults(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '['
		return 0, err
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil { // '{'
			return n, err
		}
		res := &Result{}
		if err := tokenObject(dec, res, nil, ""); err != nil {
			return n, err
		}
		n++
	}
	_, err := dec.Token()
	return n, err
}

func tokenObject(dec *json.Decoder, res *Result, fields map[string]fieldSetter, prefix string) error {
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key := kt.(string)
		folded := foldJSONKey(key)
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var text string
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				var inner map[string]fieldSetter
				if prefix == "" {
					inner = jsonObjectFields[folded]
				}
				if err := tokenObject(dec, res, inner, prefix+key+"."); err != nil {
					return err
				}
				continue
			}
			for depth := 1; depth > 0; { // skip the array
				t, err := dec.Token()
				if err != nil {
					return err
				}
				if d, ok := t.(json.Delim); ok {
					depth += map[bool]int{true: 1, false: -1}[d == '[' || d == '{']
				}
			}
			continue
		case string:
			text = v
		case json.Number:
			text = string(v)
		case bool:
			text = strconv.FormatBool(v)
		case nil:
			continue
		}
		set := fields[folded]
		if prefix == "" {
			set = resultFields[folded]
		}
		if set != nil {
			if err := set(res, text); err != nil {
				return err
			}
			continue
		}
		if res.Extra == nil {
			res.Extra = map[string]string{}
		}
		res.Extra[prefix+key] = text
	}
	_, err := dec.Token() // '}'
	return err
}

// The sniffer reads only as far as it needs: the first record of a slow
// stream is yielded before the rest (or 4 KiB) has arrived. A sniffer that
// waited would deadlock the bubble.
func TestReadResultsSniffDoesNotWait(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ first, rest, want string }{
		{`[{"uuid":"a"},`, `{"uuid":"b"}]`, "a"},
		{`{"results":[{"uuid":"a"},`, `{"uuid":"b"}]}`, "a"},
		{"uuid,x\na,1\n", "b,2\n", "a"},
	} {
		synctest.Test(t, func(t *testing.T) {
			pr, pw := io.Pipe()
			next := make(chan struct{})
			go func() {
				_, _ = io.WriteString(pw, tt.first)
				<-next
				_, _ = io.WriteString(pw, tt.rest)
				_ = pw.Close()
			}()
			var uuids []string
			for res, err := range ReadResults(pr) {
				if err != nil {
					t.Fatalf("%q: %v", tt.first, err)
				}
				if uuids = append(uuids, res.UUID); len(uuids) == 1 {
					close(next)
				}
			}
			if len(uuids) != 2 || uuids[0] != tt.want {
				t.Fatalf("%q: got %q", tt.first, uuids)
			}
		})
	}
}
