package hlrlookup

import (
	"encoding/binary"
	"math/bits"
)

// This file finds the JSON record decoder's strings eight bytes at a time:
// the end of a string's plain run, and a key or a shared value where the
// input is expected to hold it.

const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// plainMask has the top bit of each byte of x (eight bytes of input,
// little-endian) that does not stand for itself in a JSON string (see
// jsonPlain): '"', '\\', a control character or a byte of a non-ASCII
// character. Bits above the lowest may be set in error (borrows); the
// lowest is exact.
func plainMask(x uint64) uint64 {
	q := x ^ (lsb8 * '"')
	b := x ^ (lsb8 * '\\')
	return ((q - lsb8) &^ q) | ((b - lsb8) &^ b) | ((x - lsb8*0x20) &^ x) | x
}

// jsonPlainEnd returns the index of the first byte at or after i that does
// not stand for itself in a JSON string, len(s) if there is none.
func jsonPlainEnd(s []byte, i int) int {
	for ; len(s)-i >= 8; i += 8 {
		if m := plainMask(binary.LittleEndian.Uint64(s[i:])) & msb8; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	return i
}

// quoted is a string's contents as written and its closing quote, with
// their first eight bytes as a word, so that finding it in the input takes
// one comparison of a word when it is short and rules out most others.
type quoted struct {
	text  string // the contents and '"'
	first uint64 // text's first eight bytes (fewer if shorter), little-endian
	mask  uint64 // the bits of first that text holds
}

func newQuoted(raw string) quoted {
	q := quoted{text: raw + `"`}
	var b [8]byte
	n := copy(b[:], q.text)
	q.first = binary.LittleEndian.Uint64(b[:])
	q.mask = ^uint64(0)
	if n < 8 {
		q.mask = 1<<(8*n) - 1
	}
	return q
}

// at reports whether s holds q.text at i.
func (q *quoted) at(s []byte, i int) bool {
	if len(s)-i < 8 {
		return len(s)-i >= len(q.text) && string(s[i:i+len(q.text)]) == q.text
	}
	if binary.LittleEndian.Uint64(s[i:])&q.mask != q.first {
		return false
	}
	return len(q.text) <= 8 || len(s)-i >= len(q.text) && string(s[i+8:i+len(q.text)]) == q.text[8:]
}

// plainPrefix is what a shared value is found by: the string's first bytes
// up to the first that does not stand for itself (its closing quote for a
// short plain string), eight at most, as a word, and their number. It is
// the same whether read from the input (s[i:], at least eight bytes) or
// from the value as written followed by its quote (which may be shorter).
func plainPrefix(s []byte, i int) (word uint64, n int) {
	var x uint64
	if len(s)-i >= 8 {
		x = binary.LittleEndian.Uint64(s[i:])
	} else {
		var b [8]byte
		copy(b[:], s[i:]) // zeros after: not plain
		x = binary.LittleEndian.Uint64(b[:])
	}
	n = 8
	if m := plainMask(x) & msb8; m != 0 {
		n = bits.TrailingZeros64(m) / 8
	}
	if n < 8 {
		x &= 1<<(8*n) - 1
	}
	return x, n
}

// jsonValueTable is a key's shared values by plainPrefix: open addressing,
// its size a power of two at least twice the number of values.
type jsonValueTable struct {
	slots []jsonValue
	n     int
}

// jsonValue is a shared value: as written (escapes not decoded) with its
// quote, and as decoded.
type jsonValue struct {
	q      quoted
	prefix uint64 // plainPrefix of q.text
	plen   int
	val    string
}

func jsonValueSlot(word uint64, n, size int) int {
	return int((word^uint64(n))*0x9E3779B97F4A7C15>>32) & (size - 1)
}

// find returns the shared value whose contents and quote s holds at i, if
// any. s must hold at least eight bytes from i.
func (t *jsonValueTable) find(s []byte, i int) *jsonValue {
	if t.n == 0 {
		return nil
	}
	word, n := binary.LittleEndian.Uint64(s[i:]), 8 // plainPrefix(s, i), inlined
	if m := plainMask(word) & msb8; m != 0 {
		n = bits.TrailingZeros64(m) / 8
		word &= 1<<(8*n) - 1
	}
	size := len(t.slots)
	for j := jsonValueSlot(word, n, size); ; j = (j + 1) & (size - 1) {
		v := &t.slots[j]
		if v.q.text == "" {
			return nil
		}
		if v.prefix == word && v.plen == n && v.q.at(s, i) {
			return v
		}
	}
}

// cost is the memory that adding v, written raw, takes: its texts, its
// share of the table's structures and, when the table grows, the new slots.
func (t *jsonValueTable) cost(raw, v []byte) int {
	n := len(raw) + 1 + len(v) + jsonValueOverhead
	if 2*(t.n+1) > len(t.slots) {
		n += (max(16, 2*len(t.slots)) - len(t.slots)) * jsonValueSlotBytes
	}
	return n
}

// add shares val, written raw.
func (t *jsonValueTable) add(raw, val string) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]jsonValue, max(16, 2*len(old)))
		t.n = 0
		for i := range old {
			if old[i].q.text != "" {
				t.insert(old[i])
			}
		}
	}
	v := jsonValue{q: newQuoted(raw), val: val}
	v.prefix, v.plen = plainPrefix([]byte(v.q.text), 0)
	t.insert(v)
}

func (t *jsonValueTable) insert(v jsonValue) {
	size := len(t.slots)
	j := jsonValueSlot(v.prefix, v.plen, size)
	for t.slots[j].q.text != "" {
		j = (j + 1) & (size - 1)
	}
	t.slots[j] = v
	t.n++
}
