package termsafe

import (
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantLines string
	}{
		{"plain text, café", "plain text, café", "plain text, café"},
		{"\x1b]0;pwned\a\x1b[2J", `\x1b]0;pwned\a\x1b[2J`, `\x1b]0;pwned\a\x1b[2J`},
		{"a\nb\tc\rd", `a\nb\tc\rd`, "a\nb\tc\\rd"},
		{"del\x7f c1\u0085", `del\x7f c1\u0085`, `del\x7f c1\u0085`},
		{"rtl\u202eevil\u2066x\u2069", `rtl\u202eevil\u2066x\u2069`, `rtl\u202eevil\u2066x\u2069`},
		{"sep\u2028\u2029\u200e\u200f\u061c", `sep\u2028\u2029\u200e\u200f\u061c`, `sep\u2028\u2029\u200e\u200f\u061c`},
		{"bad\xff\xc3", `bad\xff\xc3`, `bad\xff\xc3`},
		{`back\slash \x1b`, `back\slash \x1b`, `back\slash \x1b`},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := EscapeKeepLines(tt.in); got != tt.wantLines {
			t.Errorf("EscapeKeepLines(%q) = %q, want %q", tt.in, got, tt.wantLines)
		}
	}
}

// FuzzEscape: the result holds no unsafe character and no invalid UTF-8,
// and escaping it again changes nothing.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[2J", "\u202e", "\xff", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			got := escape(s, keep)
			if !utf8.ValidString(got) {
				t.Fatalf("escape(%q, %v) = %q: invalid UTF-8", s, keep, got)
			}
			for _, r := range got {
				if Unsafe(r) && !(keep && (r == '\n' || r == '\t')) {
					t.Fatalf("escape(%q, %v) = %q keeps %U", s, keep, got, r)
				}
			}
			if again := escape(got, keep); again != got {
				t.Fatalf("escape is not idempotent on %q: %q then %q", s, got, again)
			}
		}
	})
}
