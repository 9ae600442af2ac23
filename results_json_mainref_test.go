package hlrlookup

// This file is main's JSON results decoder before the rewrite (the
// decoder that read each record whole and decoded it with refMainScanner),
// kept under test-only names as the reference the rewrite is compared to:
// the same typed results and the same errors on any input.

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
	"unicode/utf8"
)

// refMainDecodeJSONResults decodes a JSON results download: a bare array of
// records, {"results":[…]} or {"body":{"results":[…]}}, with other envelope
// keys skipped in any order. Records are read one at a time straight from the
// buffered input and decoded in one pass; memory stays flat whatever the
// number of records.
func refMainDecodeJSONResults(r io.Reader) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		lim, br, err := newRecordReader(r)
		if err == nil {
			d := &refMainDecoder{lim: lim, br: br, yield: yield}
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

// refMainDecoder walks the envelope and reads each record of the results
// array whole (into a reused buffer), then decodes it.
type refMainDecoder struct {
	lim   *recordLimiter
	br    *bufio.Reader
	yield func(*Result, error) bool
	row   int
	buf   []byte // the current record or envelope value, reused
	stack []byte // open brackets while reading a value, reused
	depth int    // objects and arrays open around the current position
}

func (d *refMainDecoder) run() error {
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
func (d *refMainDecoder) envelopeErr(err error) error {
	if d.lim.tripped {
		return &recordTooLargeError{format: "JSON", where: "envelope"}
	}
	return err
}

// peek skips whitespace and returns the next byte without consuming it.
func (d *refMainDecoder) peek() (byte, error) {
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
func (d *refMainDecoder) innerPeek() (byte, error) {
	c, err := d.peek()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, d.envelopeErr(err)
	}
	return c, nil
}

func (d *refMainDecoder) discard() { _, _ = d.br.Discard(1) }

// expect consumes the byte want, or fails as encoding/json would.
func (d *refMainDecoder) expect(want byte, context string) error {
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
func (d *refMainDecoder) key() (string, error) {
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
func (d *refMainDecoder) tokenText() (string, error) {
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
func (d *refMainDecoder) object(level int) (found bool, err error) {
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
func (d *refMainDecoder) skip() error {
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
func (d *refMainDecoder) array() error {
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

// value reads the next JSON value whole into d.buf and returns it. It
// follows strings and brackets only; the syntax of the value is checked by
// whoever decodes it. An input that ends inside the value gives
// io.ErrUnexpectedEOF, or the syntax error encoding/json would report first.
func (d *refMainDecoder) value() ([]byte, error) {
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
func (d *refMainDecoder) appendBuf(b []byte) {
	if need := len(d.buf) + len(b); need > cap(d.buf) {
		n := min(max(2*cap(d.buf), 4096), maxResultRecordBytes+2*recordLimiterChunk)
		nb := make([]byte, len(d.buf), max(n, need))
		copy(nb, d.buf)
		d.buf = nb
	}
	d.buf = append(d.buf, b...)
}

// convert turns one record (a whole JSON value, as value read it) into a
// Result. It is the one decoding path for records: a single pass over the
// record's bytes that checks the syntax and sets each field through the
// setters mapped once per field name (resultFields, shared with the CSV
// decoder), from substrings of one string holding the record. Strings with
// escapes or invalid UTF-8 are unquoted by encoding/json; arrays are checked
// and compacted by json.Compact. On any syntax error the error is
// encoding/json's own.
func (d *refMainDecoder) convert(raw []byte) (*Result, error) {
	return refMainConvertRecord(raw, d.depth+1)
}

// refMainConvertRecord converts the record raw, which sits at the nesting level
// depth of the download (see maxResultJSONDepth).
func refMainConvertRecord(raw []byte, depth int) (*Result, error) {
	if len(raw) == 0 || raw[0] != '{' {
		if err := jsonSyntaxError(raw); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("record is %s, want an object", quoteShort(string(raw)))
	}
	sc := refMainScanner{s: string(raw), res: &Result{}}
	ok := sc.object(nil, depth)
	if ok {
		sc.space()
		ok = sc.i == len(sc.s)
	}
	if ok {
		return sc.res, nil
	}
	if sc.err == errJSONTooDeep {
		return nil, sc.err
	}
	if err := jsonSyntaxError(raw); err != nil {
		return nil, err
	}
	if sc.err != nil {
		return nil, sc.err
	}
	// The scanner refused what encoding/json accepts: a bug, never a silent
	// partial result.
	return nil, errors.New("record not decoded (internal error)")
}

// refMainScanner is the state of the decoding of one record.
type refMainScanner struct {
	s    string // the record
	i    int
	res  *Result
	path []string // keys of the enclosing objects, as written (unquoted)
	err  error    // why the scan stopped, when not a syntax error
}

func (f *refMainScanner) space() {
	for f.i < len(f.s) {
		switch f.s[f.i] {
		case ' ', '\t', '\r', '\n':
			f.i++
			continue
		}
		return
	}
}

// str reads a string and returns its contents, unquoted as encoding/json
// does. A string without escapes and in valid UTF-8 (nearly all) is a
// substring of the record; any other goes through json.Unmarshal, which
// also checks its escapes and replaces invalid UTF-8 with U+FFFD.
func (f *refMainScanner) str() (string, bool) {
	if f.i >= len(f.s) || f.s[f.i] != '"' {
		return "", false
	}
	start := f.i + 1
	plain := true
	for j := start; j < len(f.s); j++ {
		switch c := f.s[j]; {
		case c == '"':
			f.i = j + 1
			v := f.s[start:j]
			if plain {
				return v, true
			}
			if !strings.Contains(v, `\`) && utf8.ValidString(v) {
				return v, true
			}
			var u string
			if json.Unmarshal([]byte(f.s[start-1:j+1]), &u) != nil {
				return "", false
			}
			return u, true
		case c == '\\':
			plain = false
			j++ // the escaped byte, which may be '"'
		case c < 0x20:
			return "", false
		case c >= 0x80:
			plain = false
		}
	}
	return "", false
}

// scalar reads a number or a literal and returns its text ("" for null) and
// whether it was null.
func (f *refMainScanner) scalar() (text string, null, ok bool) {
	s, i := f.s, f.i
	for _, lit := range [...]string{"null", "true", "false"} {
		if strings.HasPrefix(s[i:], lit) {
			f.i += len(lit)
			if lit == "null" {
				return "", true, true
			}
			return lit, false, true
		}
	}
	// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
	j := i
	digits := func() int {
		n := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j < len(s) && s[j] == '0' {
		j++
	} else if digits() == 0 {
		return "", false, false
	}
	if j < len(s) && s[j] == '.' {
		j++
		if digits() == 0 {
			return "", false, false
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if digits() == 0 {
			return "", false, false
		}
	}
	f.i = j
	return s[i:j], false, true
}

// array reads an array, the outermost at nesting level depth, and returns it
// as compact JSON (json.Compact, which also checks its syntax).
func (f *refMainScanner) array(depth int) (string, bool) {
	start, level := f.i, 0
	for ; f.i < len(f.s); f.i++ {
		switch f.s[f.i] {
		case '"':
			for f.i++; f.i < len(f.s) && f.s[f.i] != '"'; f.i++ {
				if f.s[f.i] == '\\' {
					f.i++
				}
			}
		case '[', '{':
			if level++; depth+level-1 > maxResultJSONDepth {
				f.err = errJSONTooDeep
				return "", false
			}
		case ']', '}':
			if level--; level == 0 {
				f.i++
				var b bytes.Buffer
				if json.Compact(&b, []byte(f.s[start:f.i])) != nil {
					return "", false
				}
				return b.String(), true
			}
		}
	}
	return "", false
}

// object reads an object, at nesting level depth, whose members belong to
// the known object fields (nil at the top level; set for request_parameters
// and the network details; and nil again, with f.path set, inside other
// objects). See ReadResults for how members map to fields and Extra.
func (f *refMainScanner) object(fields map[string]fieldSetter, depth int) bool {
	if depth > maxResultJSONDepth {
		f.err = errJSONTooDeep
		return false
	}
	f.i++ // '{'
	for first := true; ; first = false {
		f.space()
		if f.i >= len(f.s) {
			return false
		}
		if f.s[f.i] == '}' {
			f.i++
			return true
		}
		if !first {
			if f.s[f.i] != ',' {
				return false
			}
			f.i++
			f.space()
		}
		key, ok := f.str()
		if !ok {
			return false
		}
		f.space()
		if f.i >= len(f.s) || f.s[f.i] != ':' {
			return false
		}
		f.i++
		f.space()
		if f.i >= len(f.s) {
			return false
		}
		folded := key
		if !isFoldedKey(key) {
			folded = foldJSONKey(key)
		}
		top := len(f.path) == 0 && fields == nil
		var text string
		var null bool
		switch c := f.s[f.i]; c {
		case '{':
			var inner map[string]fieldSetter
			if top {
				inner = jsonObjectFields[folded]
			}
			f.path = append(f.path, key)
			if !f.object(inner, depth+1) {
				return false
			}
			f.path = f.path[:len(f.path)-1]
			continue
		case '[':
			text, ok = f.array(depth + 1)
		case '"':
			text, ok = f.str()
		default:
			text, null, ok = f.scalar()
		}
		if !ok {
			return false
		}
		var set fieldSetter
		switch {
		case top:
			set = resultFields[folded]
		case fields != nil:
			set = fields[folded]
		}
		switch {
		case set != nil && null:
			// null leaves a field alone, as encoding/json does
		case set != nil:
			if err := set(f.res, text); err != nil {
				f.err = fmt.Errorf("field %q: %w", f.extraPath(key), err)
				return false
			}
		case null && top && jsonObjectFields[folded] != nil:
			// a known object that is null
		default:
			if f.res.Extra == nil {
				f.res.Extra = make(map[string]string)
			}
			f.res.Extra[f.extraPath(key)] = text
		}
	}
}

// extraPath is the dotted path of key in the current object, as written.
func (f *refMainScanner) extraPath(key string) string {
	if len(f.path) == 0 {
		return key
	}
	return strings.Join(f.path, ".") + "." + key
}
