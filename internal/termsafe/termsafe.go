// Package termsafe makes text from a server safe to print on a terminal: a
// control character or a bidirectional override in a server's answer could
// otherwise retitle the window ("\x1b]0;pwned\a"), clear it ("\x1b[2J") or
// make text display as other text. The SDK's error texts and everything
// hlrbatch prints share these rules.
package termsafe

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r may change what a terminal shows beyond printing
// itself: a control character (C0, DEL, C1), a line or paragraph separator,
// or a bidirectional formatting character.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f || r == 0x2028 || r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Escape returns s with each unsafe character written as its Go escape
// (\x1b, \n, \u202e) and each invalid UTF-8 byte as \xNN. Other text,
// backslashes included, is kept, so escaping twice changes nothing.
func Escape(s string) string { return escape(s, false) }

// EscapeKeepLines is Escape that keeps newlines and tabs, for text that is
// laid out in lines.
func EscapeKeepLines(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if isClean(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case Unsafe(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isClean reports whether escape would return s unchanged.
func isClean(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if keepLines && (c == '\n' || c == '\t') {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			return false
		}
		i += size
	}
	return true
}
