package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestLookupStdinReadErrorKeepsResults: when standard input fails after
// some numbers were read, the lookups already made (and paid for) are
// still printed before the read error is reported; they were dropped.
func TestLookupStdinReadErrorKeepsResults(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	stdin := io.MultiReader(strings.NewReader("+447700900001\n+14155550100\n"), errReader{})
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"lookup", "-"}, stdin, &out, &errOut, f.env())
	if code == 0 {
		t.Errorf("exit code 0 after a read error; stderr %q", errOut.String())
	}
	if !strings.Contains(errOut.String(), "read standard input") {
		t.Errorf("stderr %q does not report the read error", errOut.String())
	}
	for _, n := range []string{"+447700900001", "+14155550100"} {
		if f.srv.Charges(n) == 1 && !strings.Contains(out.String(), n) {
			t.Errorf("%s was looked up and charged but not printed; stdout %q", n, out.String())
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
