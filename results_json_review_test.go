package hlrlookup

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// drainResults reads seq to its end: the results and the error's text.
func drainResults(seq iter.Seq2[*Result, error]) ([]*Result, string) {
	var out []*Result
	for res, err := range seq {
		if err != nil {
			return out, err.Error()
		}
		out = append(out, res)
	}
	return out, ""
}

// chunkReader hands out at most n bytes per Read, so that records end at
// every place of the reader's buffer.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// checkAgreesWithMain decodes data with main's decoder (refMainDecodeJSONResults)
// and with the decoder as it is, read whole, one byte at a time and in chunks
// of 2 to 17 bytes (by the input's length): the same results and the same
// error. The
// results of each way are all kept until the end before they are compared,
// so a Result changed by the decoding of a later record is seen.
func checkAgreesWithMain(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := drainResults(refMainDecodeJSONResults(bytes.NewReader(data)))
	ways := map[string]io.Reader{
		"whole":              bytes.NewReader(data),
		"one byte at a time": iotest.OneByteReader(bytes.NewReader(data)),
	}
	n := 2 + len(data)%16
	ways[fmt.Sprintf("%d bytes at a time", n)] = &chunkReader{r: bytes.NewReader(data), n: n}
	for name, r := range ways {
		got, gotErr := drainResults(decodeJSONResults(r))
		if gotErr != wantErr {
			t.Fatalf("%q, %s: error %q, main's %q", data, name, gotErr, wantErr)
		}
		if len(got) != len(want) {
			t.Fatalf("%q, %s: %d results, main's %d", data, name, len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%q, %s: result %d\n got %+v\nmain %+v", data, name, i+1, *got[i], *want[i])
			}
		}
	}
}

// FuzzReadResultsJSONAgreesWithMain: on any input, valid or not, the
// rewritten decoder yields exactly main's results and error (main's decoder
// is kept as refMainDecodeJSONResults), whatever the reads' sizes, and a
// Result once yielded never changes.
func FuzzReadResultsJSONAgreesWithMain(f *testing.F) {
	addResultsSeeds(f, []string{"results_sample.json", "results_sample_results.json", "results_sample_body.json"},
		"", " \n", "[]", "{}", "null", `{"results":null}`, `[null]`, `[{"credits_spent":"0.5","uuid":1,"x":{"y":[1,{"z":null}]}}]`,
		`{"body":{"results":[{"\u0065rror":"NONE","ſms_email":"s","K":1}]},"results":[]}`, `[{"a":1},`, `[{"":null,"request_parameters":null}]`,
		`[{"İs_ported":"YES","ıs_ported":"NO","x\ud800":"\ud800\udc00","\u0000":"\"","bad":"\xff"}]`,
		`[{"a":{"b":{"c":[[[1]]]}},"a.b":{"c":2},"error":{"x":1},"uuid":[1, 2],"credits_spent":"1e2"}]`,
		`[{"uuid":"a"},{"uuid":"b","timestamp":"x"},{"uuid":"c"}]`, `[{"uuid":1,"uuid":"LIVE","uuid":2},{"uuid":"LIVE","uuid":3,"uuid":"LIVE"}]`,
		`[{"a":1,"a":"x","a":2,"A":"x"},{"a":"x","a":1,"a.b":"x","a":{"b":2}},{"a":null,"a":3,"a":null}]`,
		`[{"n":-0.5e+10,"m":0,"o":1E-2,"p":"+4477","detected_telephone_number":"4477","formatted_telephone_number":"+4477"}]`,
		`[{"credits_spent":1.5,"timestamp":"2022-09-08T10:56:03+02:00","request_parameters":{"cache_days_global":"7"}},{"credits_spent":"1.5","timestamp":"2022-09-08 10:56:03"}]`,
		strings.Repeat("[", 130)+strings.Repeat("]", 130), `[{"a":`+strings.Repeat(`{"a":`, 126)+`1`+strings.Repeat("}", 127)+`]`,
		`[{"a":`+strings.Repeat(`[`, 127)+strings.Repeat("]", 127)+`}]`, `{"x":`+strings.Repeat(`[`, 127)+strings.Repeat("]", 127)+`,"results":[]}`,
		`[{"a":1} x {"b":2}]`, `[{"a":1}]x`, `[{"a":1}] {"b":2}`, `{"results":[{"a":1}],"results":{}}`, `{"body":{"x":[],"results":[{}]},"results":[{"a":1}]}`)
	for _, c := range jsonStringCases {
		q := `"` + c + `"`
		rec := `{"uuid":` + q + `,"note":` + q + `,` + q + `:1,"current_network_details":{"name":` + q + `,"x":[` + q + `]}}`
		f.Add([]byte("[" + rec + "," + rec + "]"))
	}
	var many strings.Builder
	many.WriteString("[")
	for i := range 40 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(genJSONRowUnknown(i + 1)[1:])
	}
	many.WriteString("]")
	f.Add([]byte(many.String()))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgreesWithMain(t, data)
	})
}

// A stream whose records repeat and vary keys, values, escapes and numbers:
// every Result is kept to the end, then compared with main's decoding of the
// same stream. A Result that shared a buffer the decoder reuses, or a value
// remembered wrongly, would differ.
func TestReadResultsJSONKeptResultsAgreeWithMain(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"body":{"results":[`)
	values := []string{`"LIVE"`, `"DEAD"`, `"Telef\u00f3nica"`, `"Telefónica"`, `"a\"b"`, `"x\ud800y"`, "\"\xff\"", `1`, `-2.5e3`, `true`, `null`,
		`[1, "a" ,{"b" : null}]`, `""`, `"` + strings.Repeat("long", 20) + `"`, `"\u0000"`, `"+447700900123"`, `"447700900123"`}
	keys := []string{"uuid", "note", "NOTE", "live_status", "detected_telephone_number", "formatted_telephone_number", "x\\u0041", "xA", "a.b", "ſms_email", "İd", "ıd"}
	for i := range 3000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("{")
		for j := range 1 + i%7 {
			if j > 0 {
				b.WriteString(",")
			}
			k, v := keys[(i*3+j*5)%len(keys)], values[(i*7+j*11)%len(values)]
			if j == 3 {
				fmt.Fprintf(&b, `"a":{"b":%s,"c":%d}`, v, i)
				continue
			}
			fmt.Fprintf(&b, `"%s":%s`, k, v)
		}
		fmt.Fprintf(&b, `,"credits_spent":%d.5,"timestamp":"2022-09-08T10:56:%02dZ","ref":"r%d"}`, i%3, i%60, i)
	}
	b.WriteString("]}}")
	checkAgreesWithMain(t, []byte(b.String()))
}
