package hlrlookup_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// FuzzParseColumn: ParseColumn never panics; a column it accepts lies in
// 0..MaxColumn and round-trips through its letters and its number; a refusal
// is an *InputError matching ErrInvalidInput with a bounded message.
func FuzzParseColumn(f *testing.F) {
	for _, s := range []string{"A", "z", "AA", "xfd", "XFE", "ZZZZ", "0", "16383", "16384", "-1", " B ",
		"", "A1", "1A", "99999999999999999999", "+1", "0x1", "\u0661", "\t\n", "Ａ", "ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := hlrlookup.ParseColumn(s)
		if err != nil {
			if !errors.Is(err, hlrlookup.ErrInvalidInput) {
				t.Fatalf("ParseColumn(%q): error %v does not match ErrInvalidInput", s, err)
			}
			var ie *hlrlookup.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseColumn(%q): error %T is not an *InputError", s, err)
			}
			if n := len(err.Error()); n > 400 {
				t.Fatalf("ParseColumn(%q): message of %d bytes", s, n)
			}
			if c != 0 {
				t.Fatalf("ParseColumn(%q) = %d with an error", s, c)
			}
			return
		}
		if c < 0 || c > hlrlookup.MaxColumn {
			t.Fatalf("ParseColumn(%q) = %d, outside 0..%d", s, c, hlrlookup.MaxColumn)
		}
		letters := c.String()
		if back, err := hlrlookup.ParseColumn(letters); err != nil || back != c {
			t.Fatalf("ParseColumn(%q) = %d; its letters %q parse to %d, %v", s, c, letters, back, err)
		}
		if back, err := hlrlookup.ParseColumn(strings.ToLower(letters)); err != nil || back != c {
			t.Fatalf("lower-case %q parses to %d, %v; want %d", strings.ToLower(letters), back, err, c)
		}
		if back, err := hlrlookup.ParseColumn(strconv.Itoa(int(c))); err != nil || back != c {
			t.Fatalf("ParseColumn(%q) = %d; its number parses to %d, %v", s, c, back, err)
		}
		t2 := strings.TrimSpace(s)
		if n, err := strconv.Atoi(t2); err == nil && n != int(c) && t2[0] >= '0' && t2[0] <= '9' {
			t.Fatalf("ParseColumn(%q) = %d, but it is the number %d", s, c, n)
		}
	})
}
