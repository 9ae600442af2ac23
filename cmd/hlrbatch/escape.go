package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text from the service (batch IDs, filenames, statuses, error messages,
// result fields) must not drive the user's terminal: "\x1b]0;pwned\a" would
// retitle the window, "\x1b[2J" clear it. Everything hlrbatch prints in text
// mode passes through a controlEscaper; table cells also go through
// cell. JSON output is escaped by printJSON.

// needsEscape reports whether r is a control character (C0, DEL, C1), a
// line or paragraph separator, or a bidirectional formatting character
// (override, isolate or mark), which can make text display as other text:
// the set the SDK escapes in its errors.
func needsEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) ||
		r == 0x061c || r == 0x200e || r == 0x200f || r == 0x2028 || r == 0x2029 ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeControls returns s with each control character, bidirectional
// override and invalid UTF-8 byte written as a Go escape (\x1b, \a, \u202e,
// \xff), except newlines and tabs when keepLines is set.
func escapeControls(s string, keepLines bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case needsEscape(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// cell makes s safe for one cell of a table or one field of a line: every
// control character escaped, newlines and tabs too.
func cell(s string) string { return escapeControls(s, false) }

// controlEscaper writes text with control characters escaped (newlines and
// tabs kept). A multi-byte character split between two writes is held back
// until the rest arrives.
type controlEscaper struct {
	w     io.Writer
	carry []byte // the start of an incomplete UTF-8 sequence
}

func (e *controlEscaper) Write(p []byte) (int, error) {
	buf := p
	if len(e.carry) > 0 {
		buf = append(e.carry, p...)
		e.carry = nil
	}
	// Hold back an incomplete sequence at the end (at most 3 bytes).
	for k := 1; k <= 3 && k <= len(buf); k++ {
		if c := buf[len(buf)-k]; c >= 0xc0 {
			if !utf8.FullRune(buf[len(buf)-k:]) {
				e.carry = bytes.Clone(buf[len(buf)-k:])
				buf = buf[:len(buf)-k]
			}
			break
		} else if c < 0x80 {
			break
		}
	}
	if _, err := io.WriteString(e.w, escapeControls(string(buf), true)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes a held-back incomplete sequence, escaped.
func (e *controlEscaper) flush() {
	if len(e.carry) > 0 {
		io.WriteString(e.w, escapeControls(string(e.carry), true))
		e.carry = nil
	}
}

// escapeJSON replaces in encoded JSON the characters encoding/json leaves
// raw but a terminal may obey (DEL, C1 controls, bidirectional overrides)
// with \u escapes: the same JSON value, safe to show. They can only occur
// inside strings.
func escapeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x7f && needsEscape(r) }) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x7f && needsEscape(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
