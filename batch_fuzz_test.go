package hlrlookup

import (
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
	for _, b := range btBadIDs {
		f.Add(string(b.id))
	}
	for _, s := range []string{"42", "232", "a-Z_0.9", "...", ".a", "a.", "%2e%2e", "%2F", "\u2215", "42\r"} {
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
