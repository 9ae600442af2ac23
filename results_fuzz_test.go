package hlrlookup

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// checkResultsSeq drains seq and checks the iterator contract on any input:
// it terminates, yields non-nil results until at most one error (with a nil
// result), never more results than input bytes, and honours an early break.
func checkResultsSeq(t *testing.T, newSeq func() iter.Seq2[*Result, error], size int) {
	n, errs := 0, 0
	for res, err := range newSeq() {
		if errs > 0 {
			t.Fatalf("yielded after the error: %v, %v", res, err)
		}
		if err != nil {
			if res != nil {
				t.Fatalf("yielded a result with the error %v", err)
			}
			errs++
			continue
		}
		if res == nil {
			t.Fatal("yielded a nil result without an error")
		}
		_ = res.OK() || res.Live()
		n++
	}
	if n > size {
		t.Fatalf("%d results from %d bytes", n, size)
	}
	for range newSeq() {
		break // must not panic by yielding after the break
	}
}

func addResultsSeeds(f *testing.F, files []string, extra ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzReadResultsCSV(f *testing.F) {
	addResultsSeeds(f, []string{"results_sample.csv"},
		"", "\xef\xbb\xbf", "error,uuid\r\nNONE,\"a,\r\nb\"\r\n", "credits_spent,timestamp\n0.5,2022-09-08T10:56:03Z\n",
		"a,a,,A\n1,2,3,4,5\n", "x\n\"", "credits_spent\nNaN\n", "request_parameters.cache_days_global\n99999999999999999999\n")
	f.Add([]byte("a,column_3\n1,2,3\n"))
	f.Add([]byte("{\n\"x\" :1\n"))
	f.Add([]byte("{ \"a\":1,\"results\":[]}"))
	f.Add([]byte("phone,,phone,column_2,phone_2\n1,2,3,4,5,6,7\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return decodeCSVResults(bytes.NewReader(data)) }, len(data))
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return ReadResults(bytes.NewReader(data)) }, len(data))

		// No cell is lost: every cell of a row fills a field or has its own
		// key in Extra (encoding/csv's reading of the same input).
		doc := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		cr := csv.NewReader(bytes.NewReader(doc))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()

		// What is sniffed as a JSON object is never valid CSV.
		if format, _ := sniffResults(bufio.NewReader(bytes.NewReader(data))); format == "json" {
			if start := bytes.TrimLeft(doc, " \t\r\n"); start[0] == '{' {
				cr := csv.NewReader(bytes.NewReader(start))
				cr.FieldsPerRecord = -1
				if _, err := cr.ReadAll(); err == nil {
					t.Fatalf("%q: valid CSV, sniffed as JSON", data)
				}
			}
		}
		if err != nil || len(recs) == 0 {
			return
		}
		fills := map[int]bool{} // header columns that fill a field: the last of each known name
		last := map[string]int{}
		for i, h := range recs[0] {
			for name := range resultFields {
				if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), name) {
					last[name] = i
				}
			}
		}
		for _, i := range last {
			fills[i] = true
		}
		row := 1
		for res, err := range decodeCSVResults(bytes.NewReader(data)) {
			if err != nil {
				return
			}
			want := 0
			for i := range recs[row] {
				if !fills[i] {
					want++
				}
			}
			if len(res.Extra) != want {
				t.Fatalf("row %d %q: %d cells for Extra, Extra %q", row, recs[row], want, res.Extra)
			}
			row++
		}
	})
}

func FuzzReadResultsJSON(f *testing.F) {
	addResultsSeeds(f, []string{"results_sample.json", "results_sample_results.json", "results_sample_body.json"},
		"", "[]", "{}", "null", `{"results":null}`, `[null]`, `[{"credits_spent":"0.5","uuid":1,"x":{"y":[1,{"z":null}]}}]`,
		`{"body":{"results":[{"\u0065rror":"NONE","ſms_email":"s","K":1}]},"results":[]}`, `[{"a":1},`, `[{"":null,"request_parameters":null}]`)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return decodeJSONResults(bytes.NewReader(data)) }, len(data))
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return ReadResults(bytes.NewReader(data)) }, len(data))
	})
}

// FuzzReadResultsJSONAgreesWithEncodingJSON: on every input encoding/json
// accepts as valid, the SDK's one JSON decoding path yields exactly the
// records (and the error, if any) of refJSONResults, a reference built on
// encoding/json's Decoder; on every invalid input it ends with an error.
func FuzzReadResultsJSONAgreesWithEncodingJSON(f *testing.F) {
	addResultsSeeds(f, []string{"results_sample.json", "results_sample_results.json", "results_sample_body.json"},
		"", " \n", "[]", "{}", "null", `{"results":null}`, `[null]`, `[{"credits_spent":"0.5","uuid":1,"x":{"y":[1,{"z":null}]}}]`,
		`{"body":{"results":[{"\u0065rror":"NONE","ſms_email":"s","K":1}]},"results":[]}`, `[{"a":1},`, `[{"":null,"request_parameters":null}]`,
		`[{"request_parameters.telephone_number":"447700900123","live_status":"LIVE","note":"caf\u00e9"}]`,
		`[{"request_parameters":{"telephone_number":"1"},"Request_Parameters.Telephone_Number":"2","tags":["a\u00e9",{"b":null}]}]`,
		`[{"İs_ported":"YES","ıs_ported":"NO","x\ud800":"\ud800\udc00","\u0000":"\"","bad":"\xff"}]`,
		`[{"a":{"b":{"c":[[[1]]]}},"a.b":{"c":2},"error":{"x":1},"uuid":[1, 2],"credits_spent":"1e2"}]`,
		"[{\"x\":\"\xff\xfe\",\"\xc3\":1}]", `[{"credits_spent":[1]}]`, `[{"uuid":"a"},{"uuid":"b","timestamp":"x"},{"uuid":"c"}]`,
		strings.Repeat("[", 130)+strings.Repeat("]", 130), `[{"a":`+strings.Repeat(`{"a":`, 126)+`1`+strings.Repeat("}", 127)+`]`,
		`[{"a":`+strings.Repeat(`[`, 127)+strings.Repeat("]", 127)+`}]`, `{"x":`+strings.Repeat(`[`, 127)+strings.Repeat("]", 127)+`,"results":[]}`)
	// The decoder's own unescaping: every escape, surrogates, invalid UTF-8,
	// in keys and values, repeated so that the remembered keys and values
	// are used.
	for _, c := range jsonStringCases {
		q := `"` + c + `"`
		rec := `{"uuid":` + q + `,"note":` + q + `,` + q + `:1,"current_network_details":{"name":` + q + `,"x":[` + q + `]}}`
		f.Add([]byte("[" + rec + "," + rec + "]"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []*Result
		var gotErr error
		for res, err := range decodeJSONResults(bytes.NewReader(data)) {
			if err != nil {
				gotErr = err
				break
			}
			got = append(got, res)
		}
		// Read one byte at a time, no record lies whole in the buffer: the
		// records are read whole first, and decode the same.
		var slow []*Result
		var slowErr error
		for res, err := range decodeJSONResults(iotest.OneByteReader(bytes.NewReader(data))) {
			if err != nil {
				slowErr = err
				break
			}
			slow = append(slow, res)
		}
		if fmt.Sprint(slowErr) != fmt.Sprint(gotErr) || !reflect.DeepEqual(slow, got) {
			t.Fatalf("%q: in place %d results, error %v; one byte at a time %d results, error %v", data, len(got), gotErr, len(slow), slowErr)
		}
		doc := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if len(bytes.Trim(doc, " \t\r\n")) == 0 {
			if gotErr != nil || len(got) != 0 {
				t.Fatalf("empty input: %d results, error %v", len(got), gotErr)
			}
			return
		}
		if !json.Valid(doc) {
			if gotErr == nil {
				t.Fatalf("invalid JSON %q: %d results and no error", data, len(got))
			}
			return
		}
		want, wantErr, treeOK := refJSONResults(doc)
		switch {
		case wantErr != nil && gotErr == nil:
			t.Fatalf("%q: no error, want %v", data, wantErr)
		case wantErr == nil && gotErr != nil:
			t.Fatalf("%q: error %v", data, gotErr)
		case treeOK && len(got) != len(want):
			t.Fatalf("%q: %d results (error %v), want %d (error %v)", data, len(got), gotErr, len(want), wantErr)
		}
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%q: record %d\n got  %+v\n want %+v", data, i+1, *got[i], *want[i])
			}
		}
	})
}

// refNode is a JSON value as encoding/json's Decoder reads it, in order.
type refNode struct {
	kind  byte     // '{', '[', 's' string, 'n' number, 'b' bool, '0' null
	text  string   // a scalar's text (unquoted); an array as compact JSON
	keys  []string // an object's keys, in order
	elems []*refNode
}

// refParse reads the next value from dec; doc is the whole input (for the
// compact text of arrays) and depth the value's nesting level.
func refParse(dec *json.Decoder, doc []byte, depth int) (*refNode, error) {
	start := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth > maxResultJSONDepth {
			return nil, errors.New("too deep")
		}
		n := &refNode{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			e, err := refParse(dec, doc, depth+1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if v == '[' {
			var b bytes.Buffer
			raw := bytes.TrimLeft(doc[start:dec.InputOffset()], " \t\r\n,:")
			if err := json.Compact(&b, raw); err != nil {
				return nil, err
			}
			n.text = b.String()
		}
		return n, nil
	case string:
		return &refNode{kind: 's', text: v}, nil
	case json.Number:
		return &refNode{kind: 'n', text: v.String()}, nil
	case bool:
		return &refNode{kind: 'b', text: strconv.FormatBool(v)}, nil
	default:
		return &refNode{kind: '0'}, nil
	}
}

// refJSONResults decodes the valid JSON doc by the rules in ReadResults'
// documentation, from encoding/json's reading of it. It returns the records
// decoded before the first error, the error, and whether the whole document
// was read (when not, the SDK may have yielded records before failing).
func refJSONResults(doc []byte) ([]*Result, error, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	root, err := refParse(dec, doc, 1)
	if err != nil {
		return nil, err, false
	}
	var recs []*refNode
	switch root.kind {
	case '[':
		recs = root.elems
	case '{':
		found, r, err := refEnvelope(root, 0)
		if err != nil {
			return nil, err, true
		}
		if !found {
			return nil, errors.New("no results"), true
		}
		recs = r
	default:
		return nil, errors.New("not an array or object"), true
	}
	var out []*Result
	for _, rec := range recs {
		res, err := refRecord(rec)
		if err != nil {
			return out, err, true
		}
		out = append(out, res)
	}
	return out, nil, true
}

// refEnvelope finds the results array in an envelope object: the first
// "results" member, looked for inside an object "body" too at level 0.
func refEnvelope(obj *refNode, level int) (found bool, recs []*refNode, err error) {
	for i, k := range obj.keys {
		v := obj.elems[i]
		switch {
		case !found && strings.EqualFold(k, "results"):
			switch v.kind {
			case '[':
				recs = v.elems
			case '0':
			default:
				return false, nil, errors.New("results not an array")
			}
			found = true
		case !found && level == 0 && v.kind == '{' && strings.EqualFold(k, "body"):
			if found, recs, err = refEnvelope(v, 1); err != nil {
				return false, nil, err
			}
		}
	}
	return found, recs, nil
}

// refRecord converts one record: members are flattened to dotted paths of
// the keys as written; a path equal (strings.EqualFold) to a known field
// name sets the field, unless null; null for a known object at the top is
// nothing; any other value goes to Extra under its path.
func refRecord(rec *refNode) (*Result, error) {
	if rec.kind != '{' {
		return nil, errors.New("not an object")
	}
	res := &Result{}
	var walk func(prefix string, obj *refNode) error
	walk = func(prefix string, obj *refNode) error {
		for i, k := range obj.keys {
			v, path := obj.elems[i], prefix+k
			if v.kind == '{' {
				if err := walk(path+".", v); err != nil {
					return err
				}
				continue
			}
			var set fieldSetter
			for name, s := range resultFields {
				if strings.EqualFold(path, name) {
					set = s
				}
			}
			switch {
			case set != nil && v.kind == '0':
			case set != nil:
				if err := set(res, v.text); err != nil {
					return err
				}
			case v.kind == '0' && prefix == "" && (strings.EqualFold(k, "request_parameters") ||
				strings.EqualFold(k, "original_network_details") || strings.EqualFold(k, "current_network_details")):
			default:
				if res.Extra == nil {
					res.Extra = map[string]string{}
				}
				res.Extra[path] = v.text
			}
		}
		return nil
	}
	return res, walk("", rec)
}
