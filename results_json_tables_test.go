package hlrlookup

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"unsafe"
)

// The decoder's remembered keys and shared values hold what their bounds
// say, counted in the memory they take (structures, tables, copies), not
// only in their text: a hostile stream of distinct short keys, each with a
// short value, and keys whose values fill their tables, left the decoder
// holding about 25 times its bounds (50 MB from a 1 MB download).
func TestReadResultsJSONTablesHoldTheirBound(t *testing.T) {
	if size := unsafe.Sizeof(jsonValue{}); size > jsonValueSlotBytes {
		t.Fatalf("a shared value's slot is %d bytes, counted as %d", size, jsonValueSlotBytes)
	}
	var b bytes.Buffer
	b.WriteString("[")
	k := 0
	for r := range 200 {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("{")
		for j := range 200 {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"%x":"%x","v%d":"%d"`, k, k%7, j, r/2)
			k++
		}
		fmt.Fprintf(&b, `,"long_%0300d":{"a%d":"x","b":"y"}}`, r, r)
	}
	b.WriteString("]")
	runtime.GC()
	var before, with runtime.MemStats
	runtime.ReadMemStats(&before)
	lim, br, err := newRecordReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	d := &jsonResultsDecoder{lim: lim, br: br, yield: func(*Result, error) bool { return true }}
	if err := d.run(); err != nil {
		t.Fatal(err)
	}
	d.buf, d.rec.uniq, d.rec.ops, d.rec.opExtra, d.rec.opShared, d.rec.tmp = nil, nil, nil, nil, nil, nil // scratch, not tables
	runtime.GC()
	runtime.ReadMemStats(&with)
	held := int64(with.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(d)
	bound := int64(maxJSONKeyCache + maxJSONValueCache)
	t.Logf("%d bytes of input: the decoder holds %d bytes (%d counted for keys, %d for values; bounds %d)", b.Len(), held, d.rec.cached, d.rec.shared, bound)
	if held > 2*bound {
		t.Errorf("the decoder holds %d bytes, its bounds are %d", held, bound)
	}
}
