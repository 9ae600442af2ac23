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
		err = d.array()
	case '{':
		d.discard()
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

// tokenText reads the next value (not an array or object) and renders it as
// a json.Token prints, for error messages.
func (d *jsonResultsDecoder) tokenText() (string, error) {
	raw, err := d.value()
	if err != nil {
		return "", d.envelopeErr(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
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
		case !found && strings.EqualFold(key, "results"):
			switch c {
			case '[':
				d.discard()
				if err := d.array(); err != nil {
					return found, err
				}
			case '{':
				return found, errors.New(`"results" is {, want an array`)
			default:
				tok, err := d.tokenText()
				if err != nil {
					return found, err
				}
				if tok != "<nil>" { // null: no results
					return found, fmt.Errorf(`"results" is %s, want an array`, tok)
				}
			}
			found = true
		case !found && level == 0 && c == '{' && strings.EqualFold(key, "body"):
			d.discard()
			if found, err = d.object(level + 1); err != nil {
				return found, err
			}
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

// convert turns one record into a Result. Most records take the fast path:
// one pass over the record's bytes, every field set from a substring of one
// string holding the record. A record the fast path does not handle (escapes,
// arrays, a value a field refuses, a syntax error) takes the original path:
// a typed decode plus a scan of the record's keys for unknown ones, which go
// to Extra, or, when the typed decode refuses it (a number where a string is
// expected, say), the generic path, field by field. All paths agree.
func (d *jsonResultsDecoder) convert(raw []byte) (*Result, error) {
	if len(raw) == 0 || raw[0] != '{' {
		if err := jsonSyntaxError(raw); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("record is %s, want an object", quoteShort(string(raw)))
	}
	if res, ok := fastJSONResult(raw); ok {
		return res, nil
	}
	if err := jsonSyntaxError(raw); err != nil {
		return nil, err
	}
	var rec jsonResult
	if err := json.Unmarshal(raw, &rec); err != nil {
		return genericJSONResult(raw)
	}
	res, err := rec.result()
	if err != nil {
		return nil, err
	}
	return res, addUnknownJSONFields(res, raw)
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

// fastJSON is the state of the fast path over one record.
type fastJSON struct {
	s    string // the record
	i    int
	res  *Result
	path []string // keys of the enclosing objects, as written
}

// fastJSONResult decodes the record raw (an object) the way genericJSONResult
// does, in one pass. It reports false when it meets anything it does not
// handle, or any syntax error: the caller then takes the original path.
func fastJSONResult(raw []byte) (*Result, bool) {
	f := fastJSON{s: string(raw), res: &Result{}}
	if !f.object(nil) {
		return nil, false
	}
	if f.space(); f.i != len(f.s) {
		return nil, false
	}
	return f.res, true
}

func (f *fastJSON) space() {
	for f.i < len(f.s) {
		switch f.s[f.i] {
		case ' ', '\t', '\r', '\n':
			f.i++
			continue
		}
		return
	}
}

// str reads a string without escapes, control characters or invalid UTF-8
// and returns its contents.
func (f *fastJSON) str() (string, bool) {
	if f.i >= len(f.s) || f.s[f.i] != '"' {
		return "", false
	}
	start := f.i + 1
	ascii := true
	for j := start; j < len(f.s); j++ {
		switch c := f.s[j]; {
		case c == '"':
			f.i = j + 1
			v := f.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", false
}

// scalar reads a number or a literal and returns its text ("" for null) and
// whether it was null.
func (f *fastJSON) scalar() (text string, null, ok bool) {
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

// object reads an object whose members belong to the known object fields
// (nil at the top level; set for request_parameters and the network
// details; and nil again, with f.path set, inside other objects).
func (f *fastJSON) object(fields map[string]fieldSetter) bool {
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
		switch c := f.s[f.i]; c {
		case '{':
			var inner map[string]fieldSetter
			if top {
				inner = jsonObjectFields[folded]
			}
			f.path = append(f.path, key)
			if !f.object(inner) {
				return false
			}
			f.path = f.path[:len(f.path)-1]
			continue
		case '[':
			return false // to Extra as compact JSON: the original path
		}
		var set fieldSetter
		switch {
		case top:
			set = resultFields[folded]
		case fields != nil:
			set = fields[folded]
		}
		var text string
		var null bool
		if f.s[f.i] == '"' {
			if text, ok = f.str(); !ok {
				return false
			}
		} else if text, null, ok = f.scalar(); !ok {
			return false
		}
		switch {
		case set != nil && null:
			// as encoding/json does: null leaves a field alone
		case set != nil:
			if set(f.res, text) != nil {
				return false // the original path reports it
			}
		case null && top && key != "" && jsonKnownFields[folded] != nil:
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
func (f *fastJSON) extraPath(key string) string {
	if len(f.path) == 0 {
		return key
	}
	return strings.Join(f.path, ".") + "." + key
}

// isFoldedKey reports whether foldJSONKey would leave key as it is: no
// upper-case ASCII and nothing beyond ASCII.
func isFoldedKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// jsonResult is the typed shape of a JSON record (the fast path).
type jsonResult struct {
	Error                    string                `json:"error"`
	UUID                     string                `json:"uuid"`
	RequestParameters        jsonRequestParameters `json:"request_parameters"`
	CreditsSpent             json.Number           `json:"credits_spent"`
	DetectedTelephoneNumber  string                `json:"detected_telephone_number"`
	FormattedTelephoneNumber string                `json:"formatted_telephone_number"`
	LiveStatus               string                `json:"live_status"`
	OriginalNetwork          string                `json:"original_network"`
	OriginalNetworkDetails   jsonNetworkDetails    `json:"original_network_details"`
	CurrentNetwork           string                `json:"current_network"`
	CurrentNetworkDetails    jsonNetworkDetails    `json:"current_network_details"`
	IsPorted                 string                `json:"is_ported"`
	Timestamp                string                `json:"timestamp"`
	TelephoneNumberType      string                `json:"telephone_number_type"`
	SMSEmail                 string                `json:"sms_email"`
	MMSEmail                 string                `json:"mms_email"`
	USAStatus                string                `json:"usa_status"`
}

type jsonRequestParameters struct {
	TelephoneNumber   string      `json:"telephone_number"`
	SaveToCache       string      `json:"save_to_cache"`
	InputFormat       string      `json:"input_format"`
	OutputFormat      string      `json:"output_format"`
	CacheDaysGlobal   json.Number `json:"cache_days_global"`
	CacheDaysPrivate  json.Number `json:"cache_days_private"`
	GetPortedDate     string      `json:"get_ported_date"`
	GetLandlineStatus string      `json:"get_landline_status"`
	USAStatus         string      `json:"usa_status"`
}

type jsonNetworkDetails struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

func (j *jsonNetworkDetails) network(status string) Network {
	return Network{Status: status, Name: j.Name, MCCMNC: j.MCCMNC, CountryName: j.CountryName,
		CountryISO3: j.CountryISO3, Area: j.Area, CountryPrefix: j.CountryPrefix}
}

func (j *jsonResult) result() (*Result, error) {
	p := &j.RequestParameters
	res := &Result{
		TelephoneNumber:          p.TelephoneNumber,
		DetectedTelephoneNumber:  j.DetectedTelephoneNumber,
		FormattedTelephoneNumber: j.FormattedTelephoneNumber,
		LiveStatus:               LiveStatus(j.LiveStatus),
		TelephoneNumberType:      NumberType(j.TelephoneNumberType),
		IsPorted:                 j.IsPorted,
		OriginalNetwork:          j.OriginalNetworkDetails.network(j.OriginalNetwork),
		CurrentNetwork:           j.CurrentNetworkDetails.network(j.CurrentNetwork),
		Error:                    j.Error,
		UUID:                     j.UUID,
		RequestParameters: RequestParameters{
			TelephoneNumber:   p.TelephoneNumber,
			SaveToCache:       p.SaveToCache,
			InputFormat:       p.InputFormat,
			OutputFormat:      p.OutputFormat,
			GetPortedDate:     p.GetPortedDate,
			GetLandlineStatus: p.GetLandlineStatus,
			USAStatus:         p.USAStatus,
		},
		SMSEmail:  j.SMSEmail,
		MMSEmail:  j.MMSEmail,
		USAStatus: j.USAStatus,
	}
	var err error
	if res.CreditsSpent, err = parseResultFloat(string(j.CreditsSpent)); err != nil {
		return nil, fmt.Errorf(`field "credits_spent": %w`, err)
	}
	if res.Timestamp, err = parseResultTime(j.Timestamp); err != nil {
		return nil, fmt.Errorf(`field "timestamp": %w`, err)
	}
	if res.RequestParameters.CacheDaysPrivate, err = parseResultInt(string(p.CacheDaysPrivate)); err != nil {
		return nil, fmt.Errorf(`field "request_parameters.cache_days_private": %w`, err)
	}
	if res.RequestParameters.CacheDaysGlobal, err = parseResultInt(string(p.CacheDaysGlobal)); err != nil {
		return nil, fmt.Errorf(`field "request_parameters.cache_days_global": %w`, err)
	}
	return res, nil
}

// jsonKnownFields is resultFields split by JSON object: the known keys of a
// record ("" for the top level) and of its known nested objects.
var jsonKnownFields = func() map[string]map[string]bool {
	m := map[string]map[string]bool{"": {}}
	for name := range resultFields {
		obj, key, nested := strings.Cut(name, ".")
		if !nested {
			m[""][name] = true
			continue
		}
		if m[obj] == nil {
			m[obj] = map[string]bool{}
		}
		m[obj][key] = true
	}
	return m
}()

// foldJSONKey folds a key the way encoding/json matches field names
// case-insensitively, to lower case.
func foldJSONKey(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(unicode.ToLower(r))) }, s)
}

// knownJSONKey reports whether key (unquoted) is a known field of the object
// obj ("" for the top level), matching as encoding/json does.
func knownJSONKey(obj string, key []byte) bool {
	known := jsonKnownFields[obj]
	return known[string(key)] || known[foldJSONKey(string(key))]
}

// addUnknownJSONFields puts the fields of the record raw that the typed decode
// did not know into res.Extra, flattened to dotted paths.
func addUnknownJSONFields(res *Result, raw []byte) error {
	return eachJSONMember(raw, func(key []byte, val []byte) error {
		if knownJSONKey("", key) {
			return nil
		}
		obj := foldJSONKey(string(key))
		if jsonKnownFields[obj] == nil || obj == "" {
			return addJSONExtra(res, string(key), val)
		}
		if val[0] != '{' {
			return nil // null: the typed decode refused anything else
		}
		return eachJSONMember(val, func(inner []byte, v []byte) error {
			if knownJSONKey(obj, inner) {
				return nil
			}
			return addJSONExtra(res, string(key)+"."+string(inner), v)
		})
	})
}

// addJSONExtra stores the value val at path in res.Extra, flattening objects.
func addJSONExtra(res *Result, path string, val []byte) error {
	if val[0] == '{' {
		return eachJSONMember(val, func(key []byte, v []byte) error {
			return addJSONExtra(res, path+"."+string(key), v)
		})
	}
	text, err := jsonText(val)
	if err != nil {
		return err
	}
	if res.Extra == nil {
		res.Extra = make(map[string]string)
	}
	res.Extra[path] = text
	return nil
}

// genericJSONResult converts a record field by field: nested objects are
// flattened to dotted paths, known paths go through resultFields (as CSV
// columns do) and the rest go to Extra.
func genericJSONResult(raw []byte) (*Result, error) {
	res := &Result{}
	if err := applyJSONObject(res, "", raw); err != nil {
		return nil, err
	}
	return res, nil
}

func applyJSONObject(res *Result, prefix string, raw []byte) error {
	return eachJSONMember(raw, func(k []byte, val []byte) error {
		key := string(k)
		path := prefix + key
		if val[0] == '{' {
			return applyJSONObject(res, path+".", val)
		}
		set, ok := resultFields[foldJSONKey(path)]
		if !ok {
			if string(val) == "null" && prefix == "" && key != "" && jsonKnownFields[foldJSONKey(key)] != nil {
				return nil // a known object that is null
			}
			return addJSONExtra(res, path, val)
		}
		if string(val) == "null" {
			return nil // as encoding/json does: null leaves a field alone
		}
		text, err := jsonText(val)
		if err != nil {
			return err
		}
		if err := set(res, text); err != nil {
			return fmt.Errorf("field %q: %w", path, err)
		}
		return nil
	})
}

// eachJSONMember calls fn with each key (unquoted) and value of the JSON
// object obj, in order. obj must be valid JSON, as json.Decoder returns it.
// Neither slice may be kept.
func eachJSONMember(obj []byte, fn func(key, val []byte) error) error {
	i := 1 // after '{'
	for {
		i = skipJSONSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i++
			continue
		}
		ks := i
		i = jsonValueEnd(obj, i)
		key, err := jsonKey(obj[ks:i])
		if err != nil {
			return err
		}
		i = skipJSONSpace(obj, i)
		if i < len(obj) && obj[i] == ':' {
			i++
		}
		vs := skipJSONSpace(obj, i)
		i = jsonValueEnd(obj, vs)
		if vs >= i {
			return errors.New("malformed JSON object")
		}
		if err := fn(key, obj[vs:i]); err != nil {
			return err
		}
	}
}

// jsonKey unquotes a JSON object key.
func jsonKey(quoted []byte) ([]byte, error) {
	if len(quoted) >= 2 && bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1], nil
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return []byte(s), err
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just after the JSON value starting at b[i].
func jsonValueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return min(i+1, len(b))
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsonText renders a JSON value (not an object) as text: a string unquoted,
// null empty, numbers and booleans as written, arrays as compact JSON.
func jsonText(v json.RawMessage) (string, error) {
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case v[0] == '[':
		var b bytes.Buffer
		err := json.Compact(&b, v)
		return b.String(), err
	default:
		return string(v), nil
	}
}
