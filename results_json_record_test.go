package hlrlookup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// The JSON decoder sets fields by number (jsonFieldNames, setString,
// parseField): the same names as resultFields, to the same effect.
func TestJSONFieldsMatchResultFields(t *testing.T) {
	t.Parallel()
	if len(jsonFieldNames) != len(resultFields) {
		t.Errorf("%d JSON field names, %d result fields", len(jsonFieldNames), len(resultFields))
	}
	values := []string{"", "x", "NONE", "1", "0.5", "-3", "1e2", "2022-09-08T10:56:03Z", "2022-09-08T10:56:03.25+02:00",
		"2022-09-08 10:56:03", " 7 ", "NaN", "lots", "99999999999999999999"}
	for name, set := range resultFields {
		f, ok := jsonFieldNames[name]
		if !ok || f == fieldNone {
			t.Errorf("%s: no JSON field", name)
			continue
		}
		for _, v := range values {
			want, got := &Result{}, &Result{}
			wantErr := set(want, v)
			var gotErr error
			if f.isString() {
				got.setString(f, v)
			} else {
				var pv parsedValue
				if pv, gotErr = parseField(f, v); gotErr == nil {
					got.setParsed(f, &pv)
				}
			}
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%s = %q: error %v, want %v", name, v, gotErr, wantErr)
			}
			if wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %q:\n got %+v\nwant %+v", name, v, *got, *want)
			}
		}
	}
}

// jsonStringCases are JSON string contents (between the quotes) that the
// decoder unescapes itself, valid or not for encoding/json.
var jsonStringCases = []string{
	``, `plain`, `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `a\"b\\c\/d\be\ff\ng\rh\ti`,
	`\u0000`, `a\u0000b`, `\u001f`, `\u0026`, `AT\u0026T`, `Telef\u00f3nica`, `Telef\u00F3nica`, `\u00e9\u00E9`,
	`\u20ac`, `\uffff`, `\ufffd`, `\ufeff`, `\u2028\u2029`,
	`\ud83d\ude00`, `\uD83D\uDE00`, `x\ud83d\ude00y`, `\udbff\udfff`, `\ud800\udc00`,
	`\ud800`, `\ud800x`, `x\ud800`, `\udc00`, `\udfff\ud800`, `\ud800\ud800`, `\ud800\ud800\udc00`,
	`\ud800\u0041`, `\ud800\n`, `\ud800\\`, `\ud800\"`, `\udc00\udc00`,
	"é", "Büro München", "\U0001F600", "\xff", "a\xffb", "\xc3", "\xc3(", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xe2\x82", "\xe2\x82\xac\xe2", "é\\u00e9\xff",
	// Refused by encoding/json.
	`\x`, `\'`, `\a`, `\u12`, `\u12G4`, `\uD83D\uDE0`, "\x01", "\t", "a\nb", `\U0001F600`,
}

// Every escape, surrogate and invalid UTF-8 decodes as encoding/json
// decodes it, in a value and in a key, at the top, in a known object and in
// an unknown one, in records read whole from the buffer and in records read
// one byte at a time (the two ways of the decoder), and again when the same
// text repeats in the next records (what the decoder remembers).
func TestReadResultsJSONUnescapesAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range jsonStringCases {
		q := `"` + c + `"`
		records := []string{
			`{"uuid":` + q + `,"error":"NONE"}`,
			`{"note":` + q + `,"uuid":"u"}`,
			`{"request_parameters":{"telephone_number":` + q + `,"x":` + q + `}}`,
			`{"current_network_details":{"name":` + q + `},"meta":{"a":` + q + `}}`,
			`{` + q + `:"v","uuid":"u"}`,
			`{"meta":{` + q + `:1}}`,
			`{"tags":[` + q + `,{` + q + `:` + q + `}]}`,
			`{"live_status":` + q + `,"uuid":` + q + `,"error":` + q + `}`,
		}
		for _, rec := range records {
			// The record three times: learnt, then remembered.
			body := "[" + rec + ",\n" + rec + "," + rec + "]"
			name := fmt.Sprintf("%q", rec)
			var v any
			recErr := json.Unmarshal([]byte(rec), &v)
			want, wantErr, _ := refJSONResults([]byte(body))
			if recErr == nil && wantErr != nil {
				t.Fatalf("%s: reference: %v", name, wantErr)
			}
			for _, way := range []struct {
				name string
				seq  func() ([]*Result, error)
			}{
				{"in place", func() ([]*Result, error) { return collect(t, decodeJSONResults(strings.NewReader(body))) }},
				{"one byte at a time", func() ([]*Result, error) {
					return collect(t, decodeJSONResults(iotest.OneByteReader(strings.NewReader(body))))
				}},
			} {
				got, err := way.seq()
				if recErr != nil {
					wantMsg := "hlrlookup: reading JSON results: row 1: " + recErr.Error()
					if err == nil || err.Error() != wantMsg || len(got) != 0 {
						t.Errorf("%s, %s: %d results, error %v; want the error %q", name, way.name, len(got), err, wantMsg)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s, %s: %v", name, way.name, err)
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s, %s:\n got %+v\nwant %+v", name, way.name, *got[0], *want[0])
				}
			}
		}
	}
}

// What the decoder remembers never changes a result: values that look
// alike as written or once unescaped, the same text as a string and as a
// number, a key that moves, a member that comes and goes.
func TestReadResultsJSONRememberedAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`[{"uuid":"a\u0026b"},{"uuid":"a&b"},{"uuid":"a\u0026b"},{"uuid":"a\\u0026b"}]`,
		`[{"uuid":"\\"},{"uuid":"\"x"},{"uuid":"\\"},{"uuid":"\\\""},{"uuid":"\"\\"}]`,
		`[{"uuid":"1"},{"uuid":1},{"uuid":"1"},{"uuid":1.0},{"uuid":true},{"uuid":"true"},{"uuid":[1]},{"uuid":"[1]"}]`,
		`[{"credits_spent":1},{"credits_spent":"1"},{"credits_spent":1.0},{"credits_spent":"1"},{"credits_spent":0.5},{"credits_spent":null}]`,
		`[{"timestamp":"2022-09-08T10:56:03Z"},{"timestamp":"2022-09-08T10:56:03Z"},{"timestamp":"2022-09-08T10:56:03\u005a"},{"timestamp":""}]`,
		`[{"a":1,"b":2,"c":3},{"a":1,"c":3},{"b":2,"a":1},{"A":1,"a":2},{"a":1,"b":2,"c":3}]`,
		`[{"error":"x","error":"y"},{"error":"y","error":"x"},{"error":"y","Error":""},{"error":"y","ERROR":null}]`,
		`[{"request_parameters":{"telephone_number":"1"}},{"request_parameters.telephone_number":"1","request_parameters":{"telephone_number":"2"}},{"request_parameters":null}]`,
		`[{"a":{"b":1}},{"a":1,"b":1},{"a.b":2,"a":{"b":3}},{"a":{"b":{"c":4}}},{"a":{"b":null}}]`,
		`[{"n":"v0"},{"n":"v1"},{"n":"v2"},{"n":"v3"},{"n":"v4"},{"n":"v5"},{"n":"v6"},{"n":"v7"},{"n":"v8"},{"n":"v0"},{"n":"v8"},{"n":"v1"}]`,
		`[{"n":"` + strings.Repeat("x", 64) + `"},{"n":"` + strings.Repeat("x", 64) + `"},{"n":"` + strings.Repeat("x", 65) + `"},{"n":"` + strings.Repeat("x", 65) + `"}]`,
		`[{"note":"a"},{"note":"b"},{"note":"a","note":"c"},{"note":"c","note":"a"},{"note":"","x":"a","note":"z"}]`,
		`[{"live_status":"LIVE","current_network_details":{"name":"EE"}},{"live_status":"LIVE"},{"current_network_details":{"name":"EE"},"live_status":"LIVE"}]`,
		`[ {"x" : "1" , "y":[ 1 , "a b" ,{ "c" : null } ] } ,{"x":"1","y":[1,"a b",{"c":null}]} ]`,
	}
	var uniq strings.Builder
	uniq.WriteString("[")
	for i := range 50 {
		if i > 0 {
			uniq.WriteString(",")
		}
		fmt.Fprintf(&uniq, `{"uuid":"u%d","error":"NONE","n":%d}`, i, i%3)
	}
	uniq.WriteString("]")
	bodies = append(bodies, uniq.String())
	for _, body := range bodies {
		want, wantErr, _ := refJSONResults([]byte(body))
		if wantErr != nil {
			t.Fatalf("%s: reference: %v", body, wantErr)
		}
		for _, r := range []func() ([]*Result, error){
			func() ([]*Result, error) { return collect(t, decodeJSONResults(strings.NewReader(body))) },
			func() ([]*Result, error) {
				return collect(t, decodeJSONResults(iotest.OneByteReader(strings.NewReader(body))))
			},
		} {
			got, err := r()
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("%s: record %d\n got %+v\nwant %+v", body, i+1, *got[i], *want[i])
					}
				}
				if len(got) != len(want) {
					t.Errorf("%s: %d records, want %d", body, len(got), len(want))
				}
			}
		}
	}
}

// What the decoder remembers is bounded whatever the keys and values: keys
// and paths by maxJSONKeyCache bytes per download, shared values by their
// length, their number per key and maxJSONValueCache bytes per download.
func TestReadResultsJSONMemoryBounded(t *testing.T) {
	t.Parallel()
	var d recordDecoder
	long := strings.Repeat("v", 100)
	for i := range 1_500 {
		var rec strings.Builder
		key := fmt.Sprintf("key_%d_%s", i, strings.Repeat("k", 200+i%100)) // remembered, and some too long to be
		fmt.Fprintf(&rec, `{%q:"%s%d","note":"%s","error":"NONE","meta":{"m%d_%s":1}`, key, long, i, long, i, strings.Repeat("m", 240))
		for c := range 80 { // values that repeat, too many to share them all
			fmt.Fprintf(&rec, `,"c%d":"%s%d"`, c, strings.Repeat("w", 54), i/4)
		}
		rec.WriteString("}")
		res, n, ok := d.scan([]byte(rec.String()), 2)
		if !ok || n != rec.Len() {
			t.Fatalf("record %d not decoded: %v", i, d.err)
		}
		if got := res.Extra[key]; got != long+fmt.Sprint(i) {
			t.Fatalf("record %d: Extra[%q] = %q", i, key, got)
		}
		if got, want := res.Extra["c79"], strings.Repeat("w", 54)+fmt.Sprint(i/4); got != want {
			t.Fatalf("record %d: Extra[c79] = %q, want %q", i, got, want)
		}
	}
	if d.cached > maxJSONKeyCache {
		t.Errorf("%d bytes of keys remembered, want at most %d", d.cached, maxJSONKeyCache)
	}
	var walk func(o *jsonObject)
	keys, values, bytes := 0, 0, 0
	walk = func(o *jsonObject) {
		for _, k := range o.keys {
			keys++
			if k.vals != nil {
				if k.vals.table.n > maxJSONValues {
					t.Errorf("key %q shares %d values", k.raw, k.vals.table.n)
				}
				for _, v := range k.vals.table.slots {
					if v.q.text == "" {
						continue
					}
					values++
					bytes += len(v.q.text) - 1 + len(v.val)
					if len(v.val) > maxJSONValueLen || len(v.q.text) > maxJSONValueLen+1 {
						t.Errorf("key %q shares a value of %d bytes", k.raw, len(v.q.text)-1)
					}
				}
			}
			if k.child != nil {
				walk(k.child)
			}
		}
	}
	walk(d.top)
	if bytes > maxJSONValueCache || d.shared > maxJSONValueCache {
		t.Errorf("%d bytes of values shared (%d counted), want at most %d", bytes, d.shared, maxJSONValueCache)
	}
	t.Logf("%d keys remembered, %d bytes; %d values shared, %d bytes", keys, d.cached, values, d.shared)
}

// A Result that is kept holds its own bytes and the short values it shares,
// nothing of the records around it.
func TestReadResultsJSONKeptResultsPinLittle(t *testing.T) {
	const rows, keep = 20_000, 200
	gen := jsonGen(rows, genJSONRowUnknown)
	kept := make([]*Result, 0, keep)
	runtime.GC()
	var with, after runtime.MemStats
	n := 0
	for res, err := range ReadResults(gen) {
		if err != nil {
			t.Fatal(err)
		}
		if n%(rows/keep) == 0 {
			kept = append(kept, res)
		}
		n++
	}
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(kept)
	kept = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(with.HeapAlloc) - int64(after.HeapAlloc)) / keep
	t.Logf("%d bytes per kept Result (a record is ~%d bytes of JSON)", per, len(genJSONRowUnknown(1)))
	if per > 2048 {
		t.Errorf("a kept Result holds %d bytes", per)
	}
}

// The decoder's errors are those of encoding/json and of the field parsers,
// the same whether a record is decoded in place or read whole first.
func TestReadResultsJSONErrorsBothWays(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`[{"uuid":"a"},{"uuid":"b\x"}]`, `[{"uuid":"a"},{"uuid":"b` + "\x01" + `"}]`, `[{"uuid":"a"},{"uuid":01}]`,
		`[{"uuid":"a"},{"uuid":-}]`, `[{"uuid":"a"},{"uuid":1.}]`, `[{"uuid":"a"},{"uuid":1e}]`, `[{"uuid":"a"},{"uuid":tru}]`,
		`[{"uuid":"a"},{"uuid":nul}]`, `[{"uuid":"a"},{"uuid":[1,]}]`, `[{"uuid":"a"},{"uuid":{"a" 1}}]`, `[{"uuid":"a"},{"uuid":"a",}]`,
		`[{"credits_spent":1},{"credits_spent":"x"}]`, `[{"timestamp":"2022-09-08T10:56:03Z"},{"timestamp":"2022-09-08T10:56:03"}]`,
		`[{"request_parameters":{"cache_days_global":1}},{"request_parameters":{"cache_days_global":1.5}}]`,
		`[{"credits_spent":"x","uuid":"b\x"}]`, `[{"a\u12":1}]`, `[{"a":1}{"b":2}]`, `[{"a":1},{"b":2}`, `[{"a":1},{"b":"`,
	}
	for _, body := range bodies {
		var msgs []string
		for _, r := range []func() ([]*Result, error){
			func() ([]*Result, error) { return collect(t, decodeJSONResults(strings.NewReader(body))) },
			func() ([]*Result, error) {
				return collect(t, decodeJSONResults(iotest.OneByteReader(strings.NewReader(body))))
			},
		} {
			got, err := r()
			if err == nil {
				t.Errorf("%s: %d results, no error", body, len(got))
				continue
			}
			msgs = append(msgs, fmt.Sprintf("%d results, %v", len(got), err))
		}
		if len(msgs) == 2 && msgs[0] != msgs[1] {
			t.Errorf("%s:\n in place:   %s\n byte-wise: %s", body, msgs[0], msgs[1])
		}
	}
}

// A record that the fast way cannot take whole (it straddles the reader's
// buffer) is read whole and decoded the same: records of every length
// around the buffer's size.
func TestReadResultsJSONRecordsAcrossTheBuffer(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	body.WriteString("[")
	n := 0
	for size := 1; body.Len() < 3*recordLimiterChunk; size += 97 {
		if n > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"uuid":"u%d","note":"%s","timestamp":"2022-09-08T10:56:03Z"}`, n, strings.Repeat(`\u00e9`, size%2000))
		n++
	}
	body.WriteString("]")
	want, wantErr, _ := refJSONResults(body.Bytes())
	if wantErr != nil {
		t.Fatal(wantErr)
	}
	got, err := collect(t, decodeJSONResults(bytes.NewReader(body.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%d records differ from encoding/json's reading", n)
	}
	if got[0].Timestamp != time.Date(2022, 9, 8, 10, 56, 3, 0, time.UTC) {
		t.Errorf("timestamp %v", got[0].Timestamp)
	}
}
