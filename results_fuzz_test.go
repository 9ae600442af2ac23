package hlrlookup

import (
	"bytes"
	"encoding/json"
	"iter"
	"os"
	"reflect"
	"testing"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return decodeCSVResults(bytes.NewReader(data)) }, len(data))
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return ReadResults(bytes.NewReader(data)) }, len(data))
	})
}

func FuzzReadResultsJSON(f *testing.F) {
	addResultsSeeds(f, []string{"results_sample.json", "results_sample_results.json", "results_sample_body.json"},
		"", "[]", "{}", "null", `{"results":null}`, `[null]`, `[{"credits_spent":"0.5","uuid":1,"x":{"y":[1,{"z":null}]}}]`,
		`{"body":{"results":[{"\u0065rror":"NONE","ſms_email":"s","K":1}]},"results":[]}`, `[{"a":1},`, `[{"":null,"request_parameters":null}]`)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return decodeJSONResults(bytes.NewReader(data)) }, len(data))
		checkResultsSeq(t, func() iter.Seq2[*Result, error] { return ReadResults(bytes.NewReader(data)) }, len(data))

		// The typed path (with the key scan for unknown fields) and the
		// generic path agree on every record the typed decode accepts.
		var records []json.RawMessage
		if json.Unmarshal(data, &records) != nil {
			return
		}
		for _, raw := range records {
			if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, new(jsonResult)) != nil {
				continue
			}
			fast, err1 := (&jsonResultsDecoder{}).convert(raw)
			generic, err2 := genericJSONResult(raw)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: typed path error %v, generic path error %v", raw, err1, err2)
			}
			if err1 == nil && !reflect.DeepEqual(fast, generic) {
				t.Fatalf("%s:\n typed   %+v\n generic %+v", raw, *fast, *generic)
			}
		}
	})
}
