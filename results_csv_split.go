package hlrlookup

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// csvField is one field of a line split by splitCSVLine: line[start:end],
// the text between the quotes for a quoted field. esc is set when that text
// holds doubled quotes, each one quote of the field's value (unquoteCSV).
type csvField struct {
	start, end int32
	esc        bool
}

// Bytes of eight copies of a byte, for finding it eight bytes at a time.
const (
	swarLow7   = 0x7f7f7f7f7f7f7f7f
	swarHigh   = 0x8080808080808080
	swarCommas = 0x2c2c2c2c2c2c2c2c // ','
	swarQuotes = 0x2222222222222222 // '"'
)

// swarMatch has the high bit set in each byte of x equal to the byte of
// pat (a byte repeated), and no other bit: exact, no false positives.
func swarMatch(x, pat uint64) uint64 {
	t := x ^ pat
	return ^((t & swarLow7) + swarLow7 | t) & swarHigh
}

// splitCSVLine splits line, one line of a CSV file without its line break
// ("\n" or "\r\n"), into the fields of a record as encoding/csv reads them
// with its default settings (',' separates, LazyQuotes off), appended to
// fields[:0].
//
// ok is false when the line is not a whole record that encoding/csv would
// read without error: a quote in an unquoted field, a closing quote followed
// by anything but ',' or the end of the line, or a quoted field still open
// at the end of the line (it holds a line break, or is never closed). The
// caller then leaves the line to encoding/csv, which reads the record, or
// reports the error with its line and column.
//
// It looks at eight bytes at a time for commas and quotes and handles each
// one found in order, so a line costs about a step per eight bytes plus one
// per field.
func splitCSVLine(line []byte, fields []csvField) (_ []csvField, ok bool) {
	fields = fields[:0]
	if bytes.IndexByte(line, '"') < 0 {
		return splitCSVCommas(line, fields), true
	}
	n := len(line)
	start := 0      // where the current field starts (its opening quote, if quoted)
	quoted := false // inside a quoted field
	esc := false    // the quoted field holds a doubled quote
	skip := 0       // commas and quotes before skip were handled already
	var tail [8]byte
	for i := 0; i < n; i += 8 {
		var x uint64
		if i+8 <= n {
			x = binary.LittleEndian.Uint64(line[i:])
		} else {
			copy(tail[:], line[i:]) // zeros after the end match neither
			x = binary.LittleEndian.Uint64(tail[:])
		}
		m := swarMatch(x, swarCommas) | swarMatch(x, swarQuotes)
		for ; m != 0; m &= m - 1 {
			p := i + bits.TrailingZeros64(m)>>3
			if p < skip {
				continue
			}
			c := line[p]
			switch {
			case !quoted && c == ',':
				fields = append(fields, csvField{start: int32(start), end: int32(p)})
				start = p + 1
			case !quoted: // a quote
				if p != start {
					return fields, false // a quote in an unquoted field
				}
				quoted, esc = true, false
			case c == ',': // inside quotes: text
			case p+1 < n && line[p+1] == '"': // a doubled quote: one quote of text
				esc, skip = true, p+2
			default: // the closing quote
				fields = append(fields, csvField{start: int32(start + 1), end: int32(p), esc: esc})
				quoted = false
				switch {
				case p+1 == n:
					return fields, true
				case line[p+1] != ',':
					return fields, false // `"a"b`
				}
				start, skip = p+2, p+2
			}
		}
	}
	if quoted {
		return fields, false // open at the end of the line
	}
	return append(fields, csvField{start: int32(start), end: int32(n)}), true
}

// splitCSVCommas is splitCSVLine for a line without quotes.
func splitCSVCommas(line []byte, fields []csvField) []csvField {
	n := len(line)
	start := int32(0)
	i := 0
	for ; i+8 <= n; i += 8 {
		m := swarMatch(binary.LittleEndian.Uint64(line[i:]), swarCommas)
		for ; m != 0; m &= m - 1 {
			p := int32(i + bits.TrailingZeros64(m)>>3)
			fields = append(fields, csvField{start: start, end: p})
			start = p + 1
		}
	}
	for ; i < n; i++ {
		if line[i] == ',' {
			fields = append(fields, csvField{start: start, end: int32(i)})
			start = int32(i) + 1
		}
	}
	return append(fields, csvField{start: start, end: int32(n)})
}

// unquoteCSV appends the value of a quoted field's text b, each doubled
// quote made one, to dst.
func unquoteCSV(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i+1]...)
		b = b[i+2:]
	}
}
