package hlrlookup

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// btSeedFiles adds every testdata/batch_*.json body to the corpus; the
// files under testdata/fuzz/<FuzzName>/ are added by the fuzzing engine.
func btSeedFiles(f *testing.F) {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "batch_*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzBatchUnmarshal decodes arbitrary bytes as a Batch: it must never
// panic, and a batch it accepts must encode to JSON that decodes again and
// is a fixed point of encoding.
func FuzzBatchUnmarshal(f *testing.F) {
	btSeedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Batch
		if err := json.Unmarshal(data, &b); err != nil {
			return
		}
		_ = b.Progress()
		_ = b.Status.Done()
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("Marshal of an accepted batch: %v", err)
		}
		var back Batch
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, err := json.Marshal(back)
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if string(out2) != string(out) {
			t.Fatalf("encoding is not a fixed point:\n %s\n %s", out, out2)
		}
	})
}

// FuzzBatchListUnmarshal decodes arbitrary bytes as a list envelope: no
// panic, and no nil batch in an accepted list.
func FuzzBatchListUnmarshal(f *testing.F) {
	btSeedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var l BatchList
		if err := json.Unmarshal(data, &l); err != nil {
			return
		}
		for i, b := range l.Batches {
			if b == nil {
				t.Fatalf("batch %d of %d is nil", i, len(l.Batches))
			}
			_ = b.Progress()
		}
	})
}

// FuzzCheckID: checkID never panics, and an ID it accepts becomes exactly
// one clean path segment below /batches/.
func FuzzCheckID(f *testing.F) {
	for _, s := range []string{"", "a/b", "..", ".", "a?b", "a#b", "a b", "a%2Fb", "a\x00b", "42\n", "é", strings.Repeat("9", 10_000),
		"42", "232", "a-Z_0.9", "...", ".a", "a.", "%2e%2e", "%2F", "\u2215", "42\r"} {
		f.Add(s)
	}
	base, err := url.Parse(btBase + "/")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := checkID("fuzz", BatchID(s)); err != nil {
			if strings.Contains(err.Error(), "\x00") {
				t.Fatalf("message carries a NUL: %q", err)
			}
			return
		}
		p := batchPath(BatchID(s), "")
		seg, ok := strings.CutPrefix(p, "batches/")
		if !ok || seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "/?#%\\") {
			t.Fatalf("ID %q accepted but gives path %q", s, p)
		}
		for _, r := range seg {
			if r <= ' ' || r >= 0x7f {
				t.Fatalf("ID %q accepted but its segment %q holds %q", s, seg, r)
			}
		}
		if seg != s {
			t.Fatalf("ID %q changed to %q in the path", s, seg)
		}
		u, err := base.Parse(p)
		if err != nil {
			t.Fatalf("path %q does not parse: %v", p, err)
		}
		if u.Path != "/v1/batches/"+s || u.RawQuery != "" || u.Fragment != "" || u.Host != "api.test" {
			t.Fatalf("ID %q resolves to %s", s, u)
		}
	})
}

// FuzzBatchArgumentsRoundTrip: batchArguments the decoder accepts encode to
// JSON with the same meaning (the same keys, the same value types, the same
// number literals), and that encoding is a fixed point.
func FuzzBatchArgumentsRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"legacy_id":9007199254740993,"big":12345678901234567890,"input_format":"","cache_days_private":"7"}`,
		`{"savetoshared":"on","inputformat":"auto","cache_days":0}`,
		`{"cache_days_global":7,"cache_days_private":30,"get_landline_status":"NO","get_ported_date":"YES","input_format":"GBR","output_format":"E164","save_to_cache":"NO","usa_status":"YES"}`,
		`{"cache_days_private":7.0,"cache_days_global":"1e1","save_to_cache":true,"usa_status":" yes ","get_ported_date":null}`,
		`{"cache_days_private":"seven","cache_days_global":"","input_format":3,"output_format":"","save_to_cache":"PRIVATE"}`,
		`{"opts":{"a":[1,"x",null,-0.0e-0]},"k\u00e9y":"<&>\u2028","cache_days_private":-0,"cache_days_private":"2"}`,
		`{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a BatchArguments
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal of accepted arguments %s: %v", data, err)
		}
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			if string(out) != "{}" {
				t.Fatalf("null encodes as %s", out)
			}
			return
		}
		if err := btSameJSON(data, out); err != nil {
			t.Fatalf("round trip changed the JSON: %v", err)
		}
		var back BatchArguments
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not a fixed point:\n %s\n %s (%v)", out, out2, err)
		}
	})
}
