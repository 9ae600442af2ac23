package hlrlookup

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// recordDecoder turns JSON result records into Results: one pass over a
// record's bytes that checks its syntax, unescapes its strings and sets each
// member's field or Extra entry (see ReadResults for how members map). It
// lives as long as one download and keeps what repeats from record to
// record, bounded in entries and bytes:
//
//   - each object's keys as written, with what they map to and the key that
//     followed them last time, so that a record whose keys come in the
//     order of the one before is matched by comparing bytes, not by folding
//     and looking up each key;
//   - per key, its short values (as written and unescaped), so that
//     statuses, network names and countries are shared, not copied per
//     record; and the last parsed number or timestamp with its text.
//
// A record's other strings (numbers, UUIDs, the user's own columns) are
// copied into one string per record, its fields substrings of it: a Result
// holds its own bytes and the shared short values, nothing of other records.
type recordDecoder struct {
	top       *jsonObject // the record object's keys; nil until the first record
	cached    int         // bytes held by remembered keys, bounded by maxJSONKeyCache
	shared    int         // bytes held by shared values, bounded by maxJSONValueCache
	extraHint int         // the size of the previous record's Extra (64 at most)

	// The record being decoded.
	s            []byte
	i            int
	err          error     // why the scan stopped, when not a syntax error
	uniq         []byte    // the record's own string, being built
	ops          []jsonOp  // what is set from it once it is made, in order
	opExtra      []string  // the Extra keys of ops
	opShared     []string  // the shared values that ops set (an op's start < 0)
	pending      uint64    // the fields (bit 1<<field) that ops set
	fieldOp      [64]int32 // the index in ops of a pending field's op
	pendingExtra int       // the Extra entries set from the record's own string
	tmp          []byte    // unescaped text of the current string
}

// jsonObject is what is known of one object of the records: the record
// itself, a known nested object (request_parameters, *_network_details) or
// any other object, at one path.
type jsonObject struct {
	top   bool                   // the record object
	kept  bool                   // remembered: the record, or the value of a remembered key
	known string                 // a known nested object's folded name, "" for others
	path  string                 // its members' path prefix: "" for the record, "a.b." below
	first *jsonMember            // the key that came first last time
	keys  map[string]*jsonMember // by the key as written (escapes not decoded)
}

// jsonMember is one key of a jsonObject: what its value sets.
type jsonMember struct {
	raw      string      // the key as written, between the quotes
	q        quoted      // raw and its quote
	next     *jsonMember // the key that followed it last time
	field    jsonField   // the known field it sets, or fieldNone (Extra)
	kept     bool        // remembered in its object's keys
	extra    string      // its path (keys as written, unescaped, joined by '.'): the Extra key
	knownObj string      // at the top: the folded name of a known nested object ("" if none)
	child    *jsonObject
	vals     *jsonValues // its short values, nil until one is met
	parsed   parsedValue // the last value of a parsed field
	hasValue bool        // parsed is set
}

// jsonValues holds a key's short values, shared by the records that hold
// them. It turns itself off for a key whose values do not repeat (a UUID, a
// number: after 64 new values, when a third or more of those met were new),
// so that such values cost nothing more than being copied.
type jsonValues struct {
	table        jsonValueTable
	hits, misses int
	off          bool
}

const (
	maxJSONValueLen   = 64      // longer values are never shared
	maxJSONValues     = 256     // values shared per key
	maxJSONValueCache = 1 << 20 // bytes of values shared per download
	maxJSONKeyCached  = 256     // longer keys are never remembered
	maxJSONKeyCache   = 1 << 20 // bytes of keys and paths remembered per download

	jsonSuffixLookBack = 8 // own values before a value that it may be a suffix of

	// What the bounds count besides the text of a key or a value: a key's
	// jsonMember, its map entry, its quoted copy and the object and value
	// table it may own; a value's quoted copy and share of its jsonValues;
	// and a value table's slots, each jsonValueSlotBytes.
	jsonKeyOverhead    = 512
	jsonValueOverhead  = 64
	jsonValueSlotBytes = 64
)

// jsonOp sets a string field (or the Extra entry opExtra[extra]) to
// uniq[start:end] once the record's own string is made, or an Extra entry
// to the shared value opShared[-1-start] in its turn after them.
type jsonOp struct {
	field      jsonField
	dead       bool // a later member set the same field
	extra      int32
	start, end int32
}

// convert decodes the record raw (a whole JSON value, as value reads it) at
// nesting level depth. On any syntax error the error is encoding/json's own.
func (d *recordDecoder) convert(raw []byte, depth int) (*Result, error) {
	if len(raw) == 0 || raw[0] != '{' {
		if err := jsonSyntaxError(raw); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("record is %s, want an object", quoteShort(string(raw)))
	}
	res, n, ok := d.scan(raw, depth)
	if ok {
		ok = skipJSONSpace(raw, n) == len(raw)
	}
	if ok {
		return res, nil
	}
	if d.err == errJSONTooDeep {
		return nil, d.err
	}
	if err := jsonSyntaxError(raw); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	// The scanner refused what encoding/json accepts: a bug, never a silent
	// partial result.
	return nil, errors.New("record not decoded (internal error)")
}

// scan decodes the record object at the start of s, at nesting level depth,
// and returns it with its length. s may go on after the record; the scan
// fails (ok false) when the record does not end within s.
func (d *recordDecoder) scan(s []byte, depth int) (res *Result, n int, ok bool) {
	if d.top == nil {
		d.top = &jsonObject{top: true, kept: true}
	}
	d.s, d.i, d.err = s, 0, nil
	d.uniq, d.ops, d.opExtra, d.opShared, d.pending, d.pendingExtra = d.uniq[:0], d.ops[:0], d.opExtra[:0], d.opShared[:0], 0, 0
	// The Result is built on the stack, where its fields are written
	// without the garbage collector's write barriers, then copied once.
	var r Result
	ok = d.object(&r, d.top, depth)
	d.s = nil
	if !ok {
		return nil, 0, false
	}
	d.finish(&r)
	res = new(Result)
	*res = r
	return res, d.i, true
}

// finish makes the record's own string and sets from it the string fields
// and Extra entries that are not shared, in the record's order.
func (d *recordDecoder) finish(res *Result) {
	if len(d.ops) > 0 {
		own := string(d.uniq)
		for _, op := range d.ops {
			if op.dead {
				continue
			}
			var v string
			if op.start < 0 {
				v = d.opShared[-1-op.start]
			} else {
				v = own[op.start:op.end]
			}
			if op.field != fieldNone {
				res.setString(op.field, v)
				continue
			}
			if res.Extra == nil {
				res.Extra = make(map[string]string, d.extraHint)
			}
			res.Extra[d.opExtra[op.extra]] = v
		}
		clear(d.opExtra)
		clear(d.opShared)
	}
	d.extraHint = min(len(res.Extra), 64)
}

// object reads an object, at nesting level depth, whose '{' is at d.i.
func (d *recordDecoder) object(res *Result, obj *jsonObject, depth int) bool {
	if depth > maxResultJSONDepth {
		d.err = errJSONTooDeep
		return false
	}
	s, i := d.s, d.i+1
	var prev *jsonMember
	want := obj.first
	for n := 0; ; n++ {
		if i = skipJSONSpace(s, i); i >= len(s) {
			return false
		}
		if s[i] == '}' {
			d.i = i + 1
			return true
		}
		if n > 0 {
			if s[i] != ',' {
				return false
			}
			if i = skipJSONSpace(s, i+1); i >= len(s) {
				return false
			}
		}
		if s[i] != '"' {
			return false
		}
		i++
		var k *jsonMember
		if want != nil && want.q.at(s, i) {
			k = want
			i += len(want.q.text)
		} else {
			end := jsonStringEnd(s, i)
			if end < 0 {
				return false
			}
			if k = d.key(obj, s, i, end); k == nil {
				return false
			}
			i = end + 1
		}
		if prev == nil {
			if obj.first != k {
				obj.first = k
			}
		} else if prev.next != k {
			prev.next = k
		}
		prev, want = k, k.next
		if i < len(s) && s[i] == ':' {
			i++
		} else if i = skipJSONSpace(s, i); i < len(s) && s[i] == ':' {
			i++
		} else {
			return false
		}
		if i = skipJSONSpace(s, i); i >= len(s) {
			return false
		}
		d.i = i
		if !d.member(res, obj, k, depth) {
			return false
		}
		i = d.i
	}
}

// key returns what is known of the key of obj whose contents, as written,
// are s[i:end] (s[end] is its closing quote), learning it on first sight.
func (d *recordDecoder) key(obj *jsonObject, s []byte, i, end int) *jsonMember {
	raw := s[i:end]
	if k := obj.keys[string(raw)]; k != nil {
		return k
	}
	name, _, ok := d.unquote(s, i)
	if !ok {
		return nil
	}
	folded := string(name)
	if !isFoldedKey(folded) {
		folded = foldJSONKey(folded)
	}
	k := &jsonMember{raw: string(raw), extra: obj.path + string(name)}
	k.q = newQuoted(k.raw)
	switch {
	case obj.top:
		k.field = jsonFieldNames[folded]
		if jsonObjectFields[folded] != nil {
			k.knownObj = folded
		}
	case obj.known != "":
		k.field = jsonFieldNames[obj.known+"."+folded]
	}
	// Only the keys of a remembered object are remembered: the others
	// would count against the bound while nothing holds them.
	if size := len(k.raw) + len(k.extra) + jsonKeyOverhead; obj.kept && len(k.raw) <= maxJSONKeyCached && d.cached+size <= maxJSONKeyCache {
		d.cached += size
		if obj.keys == nil {
			obj.keys = make(map[string]*jsonMember)
		}
		obj.keys[k.raw] = k
		k.kept = true
	}
	return k
}

// object returns the object that k's value is, below obj.
func (k *jsonMember) object() *jsonObject {
	if k.child == nil {
		k.child = &jsonObject{known: k.knownObj, path: k.extra + ".", kept: k.kept}
	}
	return k.child
}

// member reads the value of the member k of obj, which starts at d.i.
func (d *recordDecoder) member(res *Result, obj *jsonObject, k *jsonMember, depth int) bool {
	s, i := d.s, d.i
	switch c := s[i]; c {
	case '{':
		return d.object(res, k.object(), depth+1)
	case '"':
		return d.stringValue(res, k, i+1)
	case '[':
		end := d.skip(i, depth+1)
		if end < 0 {
			return false
		}
		d.i = end
		d.tmp = appendCompactJSON(d.tmp[:0], s[i:end])
		return d.text(res, k, nil, d.tmp)
	case 'n':
		if !literalAt(s, i, "null") {
			return false
		}
		d.i = i + 4
		if k.field == fieldNone && k.knownObj == "" {
			d.set(res, k, "") // "" in Extra; null leaves a field or a known object alone
		}
		return true
	case 't', 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if !literalAt(s, i, lit) {
			return false
		}
		d.i = i + len(lit)
		return d.text(res, k, nil, s[i:d.i])
	default:
		end := jsonNumberEnd(s, i)
		if end < 0 {
			return false
		}
		d.i = end
		return d.text(res, k, nil, s[i:end])
	}
}

// stringValue reads the string value of k whose contents start at i.
func (d *recordDecoder) stringValue(res *Result, k *jsonMember, i int) bool {
	s := d.s
	if vs := k.vals; vs != nil && !vs.off && len(s)-i >= 8 {
		if v := vs.table.find(s, i); v != nil {
			vs.hits++
			d.i = i + len(v.q.text)
			d.set(res, k, v.val)
			return true
		}
	}
	j := jsonPlainEnd(s, i)
	if j >= len(s) {
		return false
	}
	if s[j] == '"' {
		d.i = j + 1
		return d.text(res, k, s[i:j], s[i:j])
	}
	v, end, ok := d.unquote(s, i)
	if !ok {
		return false
	}
	d.i = end + 1
	return d.text(res, k, s[i:end], v)
}

// text sets k's value from its text v (a string unescaped, a number or a
// literal as written, an array compacted); raw is v as written when it may
// be shared (a string), nil otherwise.
func (d *recordDecoder) text(res *Result, k *jsonMember, raw, v []byte) bool {
	if f := k.field; f != fieldNone && !f.isString() {
		if !k.hasValue || k.parsed.text != string(v) {
			pv, err := parseField(f, string(v))
			if err != nil {
				d.err = fmt.Errorf("field %q: %w", k.extra, err)
				return false
			}
			res.setParsed(f, &pv)
			if len(v) <= maxJSONValueLen {
				k.parsed, k.hasValue = pv, true
			}
			return true
		}
		res.setParsed(f, &k.parsed)
		return true
	}
	if len(v) == 0 {
		d.set(res, k, "")
		return true
	}
	if raw != nil && len(raw) <= maxJSONValueLen && k.kept {
		vs := k.vals
		if vs == nil {
			vs = &jsonValues{}
			k.vals = vs
		}
		if !vs.off {
			// Not found by stringValue (or not looked for, at the end of
			// the input): shared from now on, if it may be.
			vs.misses++
			switch {
			case vs.misses > 64 && vs.misses*2 > vs.hits:
				vs.off = true // a third or more of its values were new: they do not repeat enough
			case vs.table.n < maxJSONValues && d.shared+vs.table.cost(raw, v) <= maxJSONValueCache:
				val := string(v)
				d.shared += vs.table.cost(raw, v)
				vs.table.add(string(raw), val)
				d.set(res, k, val)
				return true
			}
		}
	}
	d.setOwn(k, v)
	return true
}

// set sets k's field or Extra entry to v, a shared string or "".
func (d *recordDecoder) set(res *Result, k *jsonMember, v string) {
	if f := k.field; f != fieldNone {
		if d.pending&(1<<f) != 0 {
			d.ops[d.fieldOp[f]].dead = true // set before, replaced now
			d.pending &^= 1 << f
		}
		res.setString(f, v)
		return
	}
	if d.pendingExtra > 0 {
		// An entry set from the record's own string may have the same key
		// (the same path, however written): this value is set after it,
		// in the record's order, with no search for it.
		d.ops = append(d.ops, jsonOp{extra: int32(len(d.opExtra)), start: int32(-1 - len(d.opShared))})
		d.opExtra = append(d.opExtra, k.extra)
		d.opShared = append(d.opShared, v)
		return
	}
	if res.Extra == nil {
		res.Extra = make(map[string]string, d.extraHint)
	}
	res.Extra[k.extra] = v
}

// setOwn sets k's field or Extra entry to v, copied into the record's own
// string.
func (d *recordDecoder) setOwn(k *jsonMember, v []byte) {
	op := jsonOp{field: k.field, start: int32(len(d.uniq))}
	// A value that ends one of the few met just before in the record (a
	// number as formatted and as detected, without its '+') is not copied
	// again. Only the last jsonSuffixLookBack are looked at: a record's
	// members cost linear time.
	for _, o := range d.ops[max(0, len(d.ops)-jsonSuffixLookBack):] {
		if n := int(o.end - o.start); o.start >= 0 && n >= len(v) && string(d.uniq[o.end-int32(len(v)):o.end]) == string(v) {
			op.start = o.end - int32(len(v))
			break
		}
	}
	if op.start == int32(len(d.uniq)) {
		d.uniq = append(d.uniq, v...)
	}
	op.end = op.start + int32(len(v))
	if f := k.field; f != fieldNone {
		if d.pending&(1<<f) != 0 {
			d.ops[d.fieldOp[f]].dead = true // set before, replaced now
		}
		d.pending |= 1 << f
		d.fieldOp[f] = int32(len(d.ops))
	} else {
		op.extra = int32(len(d.opExtra))
		d.opExtra = append(d.opExtra, k.extra)
		d.pendingExtra++
	}
	d.ops = append(d.ops, op)
}

// skip checks the value at i, at nesting level depth, and returns its end
// (-1 if it is not valid JSON or does not end within d.s).
func (d *recordDecoder) skip(i, depth int) int {
	s := d.s
	if i >= len(s) {
		return -1
	}
	switch c := s[i]; c {
	case '"':
		if e := jsonStringEnd(s, i+1); e >= 0 {
			return e + 1
		}
		return -1
	case '{', '[':
		if depth > maxResultJSONDepth {
			d.err = errJSONTooDeep
			return -1
		}
		closing := c + 2
		if i = skipJSONSpace(s, i+1); i < len(s) && s[i] == closing {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(s) || s[i] != '"' {
					return -1
				}
				e := jsonStringEnd(s, i+1)
				if e < 0 {
					return -1
				}
				if i = skipJSONSpace(s, e+1); i >= len(s) || s[i] != ':' {
					return -1
				}
				i = skipJSONSpace(s, i+1)
			}
			if i = d.skip(i, depth+1); i < 0 {
				return -1
			}
			if i = skipJSONSpace(s, i); i >= len(s) {
				return -1
			}
			if s[i] == closing {
				return i + 1
			}
			if s[i] != ',' {
				return -1
			}
			i = skipJSONSpace(s, i+1)
		}
	case 't':
		if literalAt(s, i, "true") {
			return i + 4
		}
		return -1
	case 'f':
		if literalAt(s, i, "false") {
			return i + 5
		}
		return -1
	case 'n':
		if literalAt(s, i, "null") {
			return i + 4
		}
		return -1
	}
	return jsonNumberEnd(s, i)
}

// unquote unescapes the string whose contents start at s[i] into d.tmp, as
// encoding/json does: the escapes \" \\ \/ \b \f \n \r \t and \uXXXX, a
// surrogate pair as one rune, a lone or invalid surrogate as U+FFFD, and each
// byte of invalid UTF-8 as U+FFFD. It returns the text and the index of the
// closing quote; ok is false for what encoding/json refuses (an unknown
// escape, a control character) and for a string that does not end within s.
func (d *recordDecoder) unquote(s []byte, i int) (text []byte, quote int, ok bool) {
	b := d.tmp[:0]
	for i < len(s) {
		switch c := s[i]; {
		case c == '"':
			d.tmp = b
			return b, i, true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, 0, false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := jsonHex4(s, i+2)
				if r < 0 {
					return nil, 0, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 = jsonHex4(s, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return nil, 0, false
			}
			i += 2
		case c < ' ':
			return nil, 0, false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	d.tmp = b
	return nil, 0, false
}

// jsonPlain[c] reports whether the byte c stands for itself in a JSON
// string: ASCII, not a control character, '"' or '\\'.
var jsonPlain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// literalAt reports whether s holds lit at i.
func literalAt(s []byte, i int, lit string) bool {
	return len(s)-i >= len(lit) && string(s[i:i+len(lit)]) == lit
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON whitespace.
func skipJSONSpace(s []byte, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		break
	}
	return i
}

// jsonStringEnd returns the index of the quote closing the string whose
// contents start at s[i], checking its escapes and that it holds no control
// character; -1 if it is invalid or does not end within s.
func jsonStringEnd(s []byte, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == '"':
			return i
		case c == '\\':
			if i+1 >= len(s) {
				return -1
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if jsonHex4(s, i+2) < 0 {
					return -1
				}
				i += 6
			default:
				return -1
			}
		case c < ' ':
			return -1
		default:
			i++
		}
	}
	return -1
}

// jsonHex4 reads the four hex digits at s[i], -1 if there are not four.
func jsonHex4(s []byte, i int) rune {
	if len(s)-i < 4 {
		return -1
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// jsonNumberEnd returns the end of the number at s[i] (JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), -1 if there is none.
func jsonNumberEnd(s []byte, i int) int {
	digits := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return -1
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = digits(i + 1)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// appendCompactJSON appends the valid JSON src without the whitespace
// between its tokens, as json.Compact writes it.
func appendCompactJSON(dst, src []byte) []byte {
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch c {
			case '\\':
				dst = append(dst, c, src[i+1])
				i++
				continue
			case '"':
				inString = false
			}
			dst = append(dst, c)
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst
}
