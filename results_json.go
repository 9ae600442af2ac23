package hlrlookup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The JSON results envelope is assumed (the vendor's page lost its example):
// a bare array of records, or an object whose member envelopeResults holds
// the array, at the top level or inside a member envelopeBody. These two
// constants are the one place that names them.
const (
	envelopeResults = "results"
	envelopeBody    = "body"
)

// errStopped ends the JSON walk when the consumer stops iterating.
var errStopped = errors.New("stopped")

// decodeJSONResults decodes a JSON results download: a bare array of
// records, {"results":[…]} or {"body":{"results":[…]}}, with other envelope
// keys skipped in any order. Records are read one at a time straight from the
// buffered input and decoded in one pass; memory stays flat whatever the
// number of records.
func decodeJSONResults(r io.Reader) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		lim, br, err := newRecordReader(r)
		if err == nil {
			d := &jsonResultsDecoder{lim: lim, br: br, yield: yield}
			err = d.run()
		}
		if err != nil && err != errStopped {
			if !errors.Is(err, ErrResultRecordTooLarge) {
				err = fmt.Errorf("hlrlookup: reading JSON results: %w", err)
			}
			yield(nil, err)
		}
	}
}

// jsonResultsDecoder walks the envelope and reads each record of the results
// array whole (into a reused buffer), then decodes it.
type jsonResultsDecoder struct {
	lim   *recordLimiter
	br    *bufio.Reader
	yield func(*Result, error) bool
	row   int
	buf   []byte // the current record or envelope value, reused
	stack []byte // open brackets while reading a value, reused
	depth int    // objects and arrays open around the current position
	rec   recordDecoder
}

func (d *jsonResultsDecoder) run() error {
	d.lim.mark()
	c, err := d.peek()
	if err == io.EOF {
		return nil // empty input
	}
	if err != nil {
		return d.envelopeErr(err)
	}
	switch c {
	case '[':
		d.discard()
		d.depth = 1
		err = d.array()
	case '{':
		d.discard()
		d.depth = 1
		var found bool
		found, err = d.object(0)
		if err == nil && !found {
			err = errors.New(`no "results" array in the JSON object`)
		}
	default:
		var tok string
		if tok, err = d.tokenText(); err == nil {
			err = fmt.Errorf("want an array or an object, found %s", tok)
		}
	}
	if err != nil {
		return err
	}
	d.lim.mark()
	switch c, err := d.peek(); err {
	case io.EOF:
		return nil
	case nil:
		if !startsJSONValue(c) {
			return jsonSyntaxError([]byte{c})
		}
		return errors.New("unexpected data after the results")
	default:
		return d.envelopeErr(err)
	}
}

// envelopeErr maps a read error met in the envelope.
func (d *jsonResultsDecoder) envelopeErr(err error) error {
	if d.lim.tripped {
		return &recordTooLargeError{format: "JSON", where: "envelope"}
	}
	return err
}

// peek skips whitespace and returns the next byte without consuming it.
func (d *jsonResultsDecoder) peek() (byte, error) {
	for {
		buf, _ := d.br.Peek(d.br.Buffered())
		for i, c := range buf {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			}
			_, _ = d.br.Discard(i)
			return c, nil
		}
		_, _ = d.br.Discard(len(buf))
		if _, err := d.br.Peek(1); err != nil {
			return 0, err
		}
	}
}

// innerPeek is peek inside a value, where the end of input is unexpected.
func (d *jsonResultsDecoder) innerPeek() (byte, error) {
	c, err := d.peek()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, d.envelopeErr(err)
	}
	return c, nil
}

func (d *jsonResultsDecoder) discard() { _, _ = d.br.Discard(1) }

// expect consumes the byte want, or fails as encoding/json would.
func (d *jsonResultsDecoder) expect(want byte, context string) error {
	c, err := d.innerPeek()
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("invalid character %s %s", quoteJSONChar(c), context)
	}
	d.discard()
	return nil
}

// key reads an object key (the next value must be a string) and its ':'.
func (d *jsonResultsDecoder) key() (string, error) {
	d.lim.mark()
	c, err := d.innerPeek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", fmt.Errorf("invalid character %s looking for beginning of object key string", quoteJSONChar(c))
	}
	raw, err := d.value()
	if err != nil {
		return "", d.envelopeErr(err)
	}
	k, err := jsonKey(raw)
	if err != nil {
		return "", err
	}
	return string(k), d.expect(':', "after object key")
}

// tokenText reads the next value (not an array or object) and renders it
// for an error message: a string quoted and shortened (quoteShort escapes
// the control characters a server may put there), a number or literal as
// written, shortened. JSON null is "null".
func (d *jsonResultsDecoder) tokenText() (string, error) {
	raw, err := d.value()
	if err != nil {
		return "", d.envelopeErr(err)
	}
	if err := jsonSyntaxError(raw); err != nil {
		return "", err
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return quoteShort(s), nil
	}
	if len(raw) > 64 { // a number of a million digits, say
		return string(raw[:64]) + "…", nil
	}
	return string(raw), nil
}

// object walks an envelope object whose '{' was read. It streams the first
// "results" array it meets (inside "body" too, at level 0) and skips all
// other values. It reports whether a results array (or null) was found.
func (d *jsonResultsDecoder) object(level int) (found bool, err error) {
	for first := true; ; first = false {
		d.lim.mark()
		c, err := d.innerPeek()
		if err != nil {
			return found, err
		}
		if c == '}' {
			d.discard()
			return found, nil
		}
		if !first {
			if err := d.expect(',', "after object key:value pair"); err != nil {
				return found, err
			}
		}
		key, err := d.key()
		if err != nil {
			return found, err
		}
		d.lim.mark()
		c, err = d.innerPeek()
		if err != nil {
			return found, err
		}
		switch {
		case !found && strings.EqualFold(key, envelopeResults):
			switch c {
			case '[':
				d.discard()
				d.depth++
				if err := d.array(); err != nil {
					return found, err
				}
				d.depth--
			case '{':
				return found, errors.New(`"results" is {, want an array`)
			default:
				tok, err := d.tokenText()
				if err != nil {
					return found, err
				}
				if tok != "null" { // null: no results
					return found, fmt.Errorf(`"results" is %s, want an array`, tok)
				}
			}
			found = true
		case !found && level == 0 && c == '{' && strings.EqualFold(key, envelopeBody):
			d.discard()
			d.depth++
			if found, err = d.object(level + 1); err != nil {
				return found, err
			}
			d.depth--
		default:
			if err := d.skip(); err != nil {
				return found, err
			}
		}
	}
}

// skip skips the next value one token at a time, so that a large skipped
// value is never held in memory, checking its syntax.
func (d *jsonResultsDecoder) skip() error {
	var open []byte // the brackets around the current position
	for {
		// A value.
		d.lim.mark()
		c, err := d.innerPeek()
		if err != nil {
			return err
		}
		switch c {
		case '{', '[':
			d.discard()
			if d.depth+len(open)+1 > maxResultJSONDepth {
				return errJSONTooDeep
			}
			open = append(open, c)
			d.lim.mark()
			next, err := d.innerPeek()
			if err != nil {
				return err
			}
			if next == c+2 { // '}' or ']': empty
				d.discard()
				open = open[:len(open)-1]
				break
			}
			if c == '{' {
				if _, err := d.key(); err != nil {
					return err
				}
			}
			continue
		default:
			raw, err := d.value()
			if err != nil {
				return d.envelopeErr(err)
			}
			if !json.Valid(raw) {
				return jsonSyntaxError(raw)
			}
		}
		// After a value: close brackets, or a comma and the next value.
		for len(open) > 0 {
			d.lim.mark()
			c, err := d.innerPeek()
			if err != nil {
				return err
			}
			top := open[len(open)-1]
			if c == top+2 {
				d.discard()
				open = open[:len(open)-1]
				continue
			}
			context := "after array element"
			if top == '{' {
				context = "after object key:value pair"
			}
			if err := d.expect(',', context); err != nil {
				return err
			}
			if top == '{' {
				if _, err := d.key(); err != nil {
					return err
				}
			}
			break
		}
		if len(open) == 0 {
			return nil
		}
	}
}

// array streams the records of a results array whose '[' was read.
func (d *jsonResultsDecoder) array() error {
	for first := true; ; first = false {
		d.lim.mark()
		c, err := d.innerPeek()
		if err != nil {
			return err
		}
		if c == ']' {
			d.discard()
			return nil
		}
		if !first {
			if c != ',' {
				return fmt.Errorf("row %d: invalid character %s after array element", d.row+1, quoteJSONChar(c))
			}
			d.discard()
		}
		if res := d.inPlace(); res != nil {
			d.row++
			if !d.yield(res, nil) {
				return errStopped
			}
			continue
		}
		raw, err := d.value()
		if err != nil {
			if d.lim.tripped {
				return &recordTooLargeError{format: "JSON", where: "record at row " + strconv.Itoa(d.row+1)}
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("row %d: %w", d.row+1, err)
		}
		d.row++
		res, err := d.convert(raw)
		if err != nil {
			return fmt.Errorf("row %d: %w", d.row, err)
		}
		if !d.yield(res, nil) {
			return errStopped
		}
	}
}

// inPlace decodes the next record where it lies in the reader's buffer, if
// it lies there whole and decodes without error; it returns nil otherwise,
// having consumed nothing, and the record is read whole by value then
// decoded by convert (the same decoder), which report any error. It never
// reads, so it never waits for input nor takes an error from the reader.
func (d *jsonResultsDecoder) inPlace() *Result {
	buf, _ := d.br.Peek(d.br.Buffered())
	i := skipJSONSpace(buf, 0)
	if i >= len(buf) || buf[i] != '{' {
		return nil
	}
	res, n, ok := d.rec.scan(buf[i:], d.depth+1)
	if !ok {
		return nil
	}
	_, _ = d.br.Discard(i + n)
	return res
}

// value reads the next JSON value whole into d.buf and returns it. It
// follows strings and brackets only; the syntax of the value is checked by
// whoever decodes it. An input that ends inside the value gives
// io.ErrUnexpectedEOF, or the syntax error encoding/json would report first.
func (d *jsonResultsDecoder) value() ([]byte, error) {
	c, err := d.peek()
	if err != nil {
		return nil, err
	}
	d.buf = d.buf[:0]
	if !startsJSONValue(c) {
		d.discard()
		return nil, jsonSyntaxError([]byte{c})
	}
	d.stack = d.stack[:0]
	inString := false
	scalar := c != '{' && c != '[' && c != '"'
	escaped := false // a backslash ended the previous buffer
	for {
		buf, _ := d.br.Peek(d.br.Buffered())
		i, done := 0, false
		if len(d.buf) == 0 && len(buf) > 0 && !scalar { // the opening byte
			if c == '"' {
				inString = true
			} else {
				d.stack = append(d.stack, c)
			}
			i = 1
		}
		if escaped && len(buf) > 0 {
			i, escaped = 1, false
		}
	scan:
		for i < len(buf) {
			if inString {
				q := bytes.IndexByte(buf[i:], '"')
				if q < 0 {
					q = len(buf) - i
				}
				if e := bytes.IndexByte(buf[i:i+q], '\\'); e >= 0 {
					i += e + 2 // skip the escaped byte, which may be '"'
					if i > len(buf) {
						i, escaped = len(buf), true
					}
					continue
				}
				if i+q == len(buf) {
					i = len(buf)
					break
				}
				i += q + 1
				inString = false
				if len(d.stack) == 0 {
					done = true
					break
				}
				continue
			}
			switch b := buf[i]; {
			case scalar:
				switch b {
				case ' ', '\t', '\r', '\n', ',', ']', '}', ':', '{', '[', '"':
					done = true
					break scan
				}
			case b == '"':
				inString = true
			case b == '{' || b == '[':
				if d.depth+len(d.stack)+1 > maxResultJSONDepth {
					return nil, errJSONTooDeep
				}
				d.stack = append(d.stack, b)
			case b == '}' || b == ']':
				if d.stack[len(d.stack)-1]+2 != b {
					d.appendBuf(buf[:i+1])
					_, _ = d.br.Discard(i + 1)
					return nil, jsonSyntaxError(d.buf)
				}
				d.stack = d.stack[:len(d.stack)-1]
				if len(d.stack) == 0 {
					i++
					done = true
					break scan
				}
			}
			i++
		}
		d.appendBuf(buf[:i])
		_, _ = d.br.Discard(i)
		if done {
			return d.buf, nil
		}
		if _, err := d.br.Peek(1); err != nil {
			if err != io.EOF {
				return nil, err
			}
			if scalar && len(d.buf) > 0 {
				return d.buf, nil
			}
			if err := jsonSyntaxError(d.buf); err != nil && err.Error() != "unexpected end of JSON input" {
				return nil, err
			}
			return nil, io.ErrUnexpectedEOF
		}
	}
}

// appendBuf appends b to d.buf, growing it by doubling but never far past
// the record limit, so that refusing an oversized record allocates little.
func (d *jsonResultsDecoder) appendBuf(b []byte) {
	if need := len(d.buf) + len(b); need > cap(d.buf) {
		n := min(max(2*cap(d.buf), 4096), maxResultRecordBytes+2*recordLimiterChunk)
		nb := make([]byte, len(d.buf), max(n, need))
		copy(nb, d.buf)
		d.buf = nb
	}
	d.buf = append(d.buf, b...)
}

// startsJSONValue reports whether c can begin a JSON value.
func startsJSONValue(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n':
		return true
	}
	return c >= '0' && c <= '9'
}

// jsonSyntaxError is encoding/json's error for raw, nil if raw is valid.
func jsonSyntaxError(raw []byte) error {
	if json.Valid(raw) {
		return nil
	}
	var v any
	return json.Unmarshal(raw, &v)
}

// quoteJSONChar quotes c as encoding/json's syntax errors do.
func quoteJSONChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// maxResultJSONDepth bounds the nesting of a JSON results download: objects
// and arrays, counted from the outermost (a record of a bare array is at
// level 2, its request_parameters at level 3). Deeper input is refused as
// soon as it is met, before the record is buffered or decoded.
const maxResultJSONDepth = 128

// errJSONTooDeep is the error for input nested deeper than maxResultJSONDepth.
var errJSONTooDeep = fmt.Errorf("JSON nested deeper than %d levels", maxResultJSONDepth)

// convert turns one record (a whole JSON value, as value read it) into a
// Result with the one record decoder (recordDecoder). On any syntax error
// the error is encoding/json's own.
func (d *jsonResultsDecoder) convert(raw []byte) (*Result, error) {
	return d.rec.convert(raw, d.depth+1)
}

// jsonObjectFields maps the keys of the known nested objects (folded) to
// their setters: jsonObjectFields["request_parameters"]["telephone_number"].
var jsonObjectFields = func() map[string]map[string]fieldSetter {
	m := map[string]map[string]fieldSetter{}
	for name, set := range resultFields {
		if obj, key, nested := strings.Cut(name, "."); nested {
			if m[obj] == nil {
				m[obj] = map[string]fieldSetter{}
			}
			m[obj][key] = set
		}
	}
	return m
}()

// isFoldedKey reports whether foldJSONKey would leave key as it is: no
// upper-case ASCII and nothing beyond ASCII. It is inlined, so the common
// case costs no call.
func isFoldedKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// foldJSONKey folds a key (or CSV header name) for matching against the
// known field names case-insensitively, the way encoding/json matches field
// names: ASCII letters to lower case, any other rune to the smallest rune of
// its Unicode simple-folding orbit (so "ſ" matches "s" and "K", the Kelvin
// sign, matches "k", as with strings.EqualFold).
func foldJSONKey(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			break
		}
	}
	if i == len(s) {
		return s // already folded: the common case, no allocation
	}
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	for _, r := range s[i:] {
		if r < utf8.RuneSelf {
			b = append(b, byte(unicode.ToLower(r)))
			continue
		}
		m := r
		for r2 := unicode.SimpleFold(r); r2 != r; r2 = unicode.SimpleFold(r2) {
			m = min(m, r2)
		}
		r = m
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// jsonKey unquotes a JSON object key.
func jsonKey(quoted []byte) ([]byte, error) {
	if len(quoted) >= 2 && bytes.IndexByte(quoted, '\\') < 0 && utf8.Valid(quoted) {
		return quoted[1 : len(quoted)-1], nil
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return []byte(s), err
}
