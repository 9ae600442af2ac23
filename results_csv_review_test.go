package hlrlookup

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// reviewReader delivers a body one way.
type reviewReader struct {
	name string
	wrap func([]byte) io.Reader
}

// reviewReaders are the ways a body may arrive: whole, a byte at a time,
// in halves, with its last bytes and io.EOF together, or cut by a read
// error after the last byte.
var reviewReaders = []reviewReader{
	{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"one byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
	{"halves", func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	{"data with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
	{"read error", func(b []byte) io.Reader {
		return io.MultiReader(bytes.NewReader(b), iotest.ErrReader(errors.New("connection reset")))
	}},
}

// reviewDecoded is what a decoder made of a body: the results, a deep copy
// of each taken when it was yielded, and the error.
type reviewDecoded struct {
	results []*Result
	copies  []Result
	err     error
}

func reviewDecode(seq func(io.Reader) iter.Seq2[*Result, error], r io.Reader) reviewDecoded {
	var d reviewDecoded
	for res, err := range seq(r) {
		if err != nil {
			d.err = err
			break
		}
		d.results = append(d.results, res)
		c := *res
		c.Extra = maps.Clone(res.Extra)
		d.copies = append(d.copies, c)
	}
	return d
}

// checkCSVAgainstMain decodes data, delivered by every reader of
// reviewReaders, with the decoder and with main's (refMainDecodeCSVResults)
// and fails t unless both give the same results and the same error (text,
// ErrResultRecordTooLarge, csv.ParseError with its lines and column), and
// every result the caller kept is still as it was when yielded once the
// whole body is decoded.
func checkCSVAgainstMain(t *testing.T, data []byte) {
	t.Helper()
	checkCSVAgainstMainReading(t, data, reviewReaders)
}

// checkCSVAgainstMainReading is checkCSVAgainstMain with the readers given.
func checkCSVAgainstMainReading(t *testing.T, data []byte, readers []reviewReader) {
	t.Helper()
	show := func() string {
		if len(data) > 300 {
			return fmt.Sprintf("%q… (%d bytes)", data[:300], len(data))
		}
		return fmt.Sprintf("%q", data)
	}
	for _, rd := range readers {
		want := reviewDecode(refMainDecodeCSVResults, rd.wrap(data))
		got := reviewDecode(decodeCSVResults, rd.wrap(data))
		if (got.err == nil) != (want.err == nil) || got.err != nil && got.err.Error() != want.err.Error() {
			t.Fatalf("%s, %s:\n error %v\n want  %v", rd.name, show(), got.err, want.err)
		}
		if got.err != nil {
			if errors.Is(got.err, ErrResultRecordTooLarge) != errors.Is(want.err, ErrResultRecordTooLarge) {
				t.Fatalf("%s, %s: errors.Is(ErrResultRecordTooLarge) differs for %v", rd.name, show(), got.err)
			}
			var gpe, wpe *csv.ParseError
			if errors.As(got.err, &gpe) != errors.As(want.err, &wpe) || gpe != nil && *gpe != *wpe {
				t.Fatalf("%s, %s: ParseError %+v, want %+v", rd.name, show(), gpe, wpe)
			}
		}
		if len(got.results) != len(want.results) {
			t.Fatalf("%s, %s: %d results, want %d", rd.name, show(), len(got.results), len(want.results))
		}
		for i := range got.results {
			if !reflect.DeepEqual(got.results[i], want.results[i]) {
				t.Fatalf("%s, %s: result %d\n got  %+v\n want %+v", rd.name, show(), i+1, *got.results[i], *want.results[i])
			}
			if !reflect.DeepEqual(*got.results[i], got.copies[i]) {
				t.Fatalf("%s, %s: result %d changed after it was yielded:\n now  %+v\n then %+v", rd.name, show(), i+1, *got.results[i], got.copies[i])
			}
		}
	}
}

// reviewDocSeeds are bodies for the review's differential tests: the
// rewrite's seeds, the CSV test files, and the cases the review names.
func reviewDocSeeds(t testing.TB) []string {
	docs := csvDocSeeds()
	ents, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".csv") {
			b, err := os.ReadFile("testdata/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(b))
		}
	}
	head := "ref,error,credits_spent,current_network_details.name,timestamp,request_parameters.cache_days_global,note\n"
	docs = append(docs,
		// Header naming: BOM, trimming, folding (ſ, the Kelvin sign),
		// empty and repeated names, generated names colliding, surplus.
		"\xef\xbb\xbf ERROR ,Credits_Spent,,note,note,column_3,column_8,\u212a,live_ſtatus\nNONE,1,a,b,c,d,e,f,LIVE,s1,s2\n",
		"a,,a,column_2,column_2_2,uuid,UUID\n1,2,3,4,5,6,7,8,9\n",
		// Line breaks: \r\n, lone \r inside and outside quotes, empty
		// lines, a quoted field over lines, no final line break.
		head+"r,NONE,1,x\ry,2022-09-08T10:56:03Z,0,\"a\rb\"\r\n\r\n\n\"a\r\nb\",NONE,1,\"T\r\n\",,,\r\nlast,NONE,0.5,y,,,",
		head+"r,NONE,1,x,,,\r\r\n\r\r\n\"\r\",NONE,1,x,,,\r",
		// Quote errors after lines the fast path read, with line numbers.
		head+"a,NONE,1,x,,,\n\n\"b\nc\",NONE,1,x,,,\nd,NONE,1,x,,,\ne,NONE,1,x\"y,,,\n",
		head+"a,NONE,1,x,,,\n\"b\nc\",NONE,1,x,,,\n\"d\"e,NONE,1,x,,,\n",
		head+"a,NONE,1,x,,,\n\"b\nc\",NONE,1,x,,,\n\"d,NONE,1,x,,,\n",
		// Field errors named with row, line and column, on either path.
		head+"a,NONE,1,x,,,\n\"b\nc\",NONE,1,x,,,\nd,NONE,1,\"x\",,zz,\n",
		head+"a,NONE,1,x,,,\n\"b\nc\",NONE,1,x,,,\n\"d\ne\",NONE,1,x,,zz,\n",
		head+"a,NONE,\"1e400\",x,,,\n",
		// Timestamps: the same prefix, other offsets, fractions, invalid
		// dates, leap seconds, the fallback layout, spaces.
		head+"a,NONE,1,x,2022-09-08T10:56:03Z,,\nb,NONE,1,x,2022-09-08T10:56:04Z,,\nc,NONE,1,x,2022-09-08T10:56:03+02:00,,\n"+
			"d,NONE,1,x,2022-09-08T10:56:03.123456789-07:30,,\ne,NONE,1,x,2022-09-08T10:56:03.5Z,,\nf,NONE,1,x,2022-09-08 10:56:03,,\n"+
			"g,NONE,1,x, 2022-09-08T10:56:03Z ,,\nh,NONE,1,x,\"2022-09-08T10:56:03Z\",,\ni,NONE,1,x,,,\n",
		head+"a,NONE,1,x,2024-02-29T00:00:00Z,,\nb,NONE,1,x,2023-02-29T00:00:00Z,,\n",
		head+"a,NONE,1,x,2022-02-30T00:00:00Z,,\n",
		head+"a,NONE,1,x,2016-12-31T23:59:60Z,,\n",
		head+"a,NONE,1,x,2022-09-08T24:00:00Z,,\n",
		head+"a,NONE,1,x,2022-09-08T10:56:03+24:00,,\n",
		// Invalid UTF-8 and NUL bytes, quoted and not.
		head+"\xff\x00,NONE,1,\"\xfe\x00,\",,,\x00\n",
	)
	return docs
}

// TestDecodeCSVResultsAgreesWithMain holds the decoder to main's on the
// seeds, every way of reading them.
func TestDecodeCSVResultsAgreesWithMain(t *testing.T) {
	t.Parallel()
	for _, s := range reviewDocSeeds(t) {
		checkCSVAgainstMain(t, []byte(s))
	}
}

// FuzzDecodeCSVResultsAgreesWithMain: on any body, read any way, the
// decoder yields what main's decoder yields, and no result it yielded
// changes later.
func FuzzDecodeCSVResultsAgreesWithMain(f *testing.F) {
	for _, s := range reviewDocSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCSVAgainstMain(t, data)
	})
}

// TestDecodeCSVResultsWideHeaderMemory: a header of many columns (a
// hostile one may hold millions within the record bound) costs per column
// about what it cost main's decoder (within half as much again), not a
// table of interned values each.
func TestDecodeCSVResultsWideHeaderMemory(t *testing.T) {
	const n = 20_000
	data := []byte(strings.Repeat(",", n-1) + "\n" + strings.Repeat("a,", n-1) + "a\n")
	perColumn := func(seq func(io.Reader) iter.Seq2[*Result, error]) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, err := range seq(bytes.NewReader(data)) {
			if err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	want := perColumn(refMainDecodeCSVResults)
	if got := perColumn(decodeCSVResults); got > want*3/2 {
		t.Errorf("%d bytes allocated per header column, main's decoder %d", got, want)
	}
}

// TestDecodeCSVResultsLongRecordsAgreeWithMain: lines longer than the
// buffer, and fields and records at and beyond the record bound, quoted or
// not, after rows the fast path read, give main's results and errors.
func TestDecodeCSVResultsLongRecordsAgreeWithMain(t *testing.T) {
	t.Parallel()
	head := "ref,error,credits_spent,current_network_details.name,note\n"
	rows := "a,NONE,1,x,y\n\"b\nc\",NONE,1,x,y\nd,NONE,0.5,\"x, y\",z\n"
	long := func(n int) string { return strings.Repeat("v", n) }
	for _, body := range []string{
		rows + "e,NONE,1,x," + long(100<<10) + "\n" + rows,
		rows + "e,NONE,1,\"" + long(100<<10) + "\",\"a\"\"b\"\n" + rows,
		rows + "e,NONE,1,\"" + long(100<<10) + "\"x\n" + rows,
		rows + "e,NONE,1,x," + long(100<<10) + "\"\n" + rows,
		rows + "e,NONE,bad," + long(100<<10) + "\n",
	} {
		checkCSVAgainstMain(t, []byte(head+body))
	}
	whole := reviewReaders[:1] // at 9 MiB the other ways are slow; the lines above cover them
	for _, body := range []string{
		head + rows + "e,NONE,1,x," + long(9<<20) + "\n" + rows,
		head + rows + "e,NONE,1,x,\"" + long(9<<20) + "\"\n" + rows,
		head + rows + "e,NONE,1,x,\"" + long(9<<20),
	} {
		checkCSVAgainstMainReading(t, []byte(body), whole)
	}
}

// TestDecodeCSVResultsLongStreamAgreesWithMain: a long download whose
// columns repeat a few values, then turn hostile (every value distinct,
// values of the interning bound's length and one more, quoted values with
// doubled quotes), then repeat again, gives main's results, none changed by
// later rows; and so does a download with more columns than are interned.
func TestDecodeCSVResultsLongStreamAgreesWithMain(t *testing.T) {
	t.Parallel()
	nets := []string{"Vodafone UK", `"T-Mobile USA, Inc."`, `"O2 ""UK"""`, "Three", "", "EE"}
	x := uint64(1)
	value := func(i, k int, hostile bool) string {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		switch {
		case !hostile:
			return nets[(i+k)%len(nets)]
		case i%5 == 0:
			return fmt.Sprintf(`"%0*d""%d"`, 60, x%1000, i)
		case i%5 == 1:
			return strings.Repeat("a", csvInternMaxLen-1) + fmt.Sprint(i%2)
		case i%5 == 2:
			return strings.Repeat("b", csvInternMaxLen) + fmt.Sprint(i%2)
		default:
			return fmt.Sprintf("v%d-%d", x%1_000_000, k)
		}
	}
	var b strings.Builder
	b.WriteString("ref,live_status,current_network_details.name,original_network_details.area,timestamp,note,,note\n")
	for i := range 12_000 {
		hostile := i/3000%2 == 1
		fmt.Fprintf(&b, "r%d,%s,%s,%s,2022-09-08T10:%02d:%02d+0%d:00,%s,%s,%s", i, []string{"LIVE", "DEAD"}[i%2],
			value(i, 0, hostile), value(i, 1, hostile), i/60%60, i%60, i/1000%10, value(i, 2, hostile), value(i, 3, hostile), value(i, 4, hostile))
		if i%100 == 99 {
			b.WriteString("," + value(i, 5, hostile))
		}
		b.WriteString("\n")
	}
	readers := []reviewReader{reviewReaders[0], reviewReaders[2]}
	checkCSVAgainstMainReading(t, []byte(b.String()), readers)

	b.Reset()
	const cols = csvInternColumns + 20
	for k := range cols {
		fmt.Fprintf(&b, "c%d,", k)
	}
	b.WriteString("live_status\n")
	for i := range 400 {
		for k := range cols {
			b.WriteString(value(i, k, i%200 >= 100) + ",")
		}
		b.WriteString("LIVE\n")
	}
	checkCSVAgainstMainReading(t, []byte(b.String()), readers)
}

// onceErrReader reports a read error once, where its reader ends, and then
// io.EOF: an io.Reader need not repeat an error.
type onceErrReader struct {
	r      io.Reader
	failed bool
}

func (o *onceErrReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if err == io.EOF && !o.failed {
		o.failed = true
		return n, errors.New("connection reset")
	}
	return n, err
}

// TestDecodeCSVResultsReadErrorOnceNotLost: a read error the body reports
// only once is the decoder's error, wherever the read that met it was
// (looking for a whole line, or in encoding/csv); the cut last line is not
// a result.
func TestDecodeCSVResultsReadErrorOnceNotLost(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"error,note\nNONE,a\nNONE,cut-he",
		"error,note\nNONE,a\nNONE,\"cut-he",
		"error,note\nNONE,a\n\"NONE\",cut-he",
		"error,note\nNONE,a\n",
		"error,no",
	} {
		var got []string
		var gotErr error
		for res, err := range decodeCSVResults(&onceErrReader{r: strings.NewReader(body)}) {
			if err != nil {
				gotErr = err
				break
			}
			got = append(got, res.Extra["note"])
		}
		if gotErr == nil || !strings.Contains(gotErr.Error(), "connection reset") {
			t.Errorf("%q: results %q, error %v; want the read error", body, got, gotErr)
		}
		if len(got) > 1 {
			t.Errorf("%q: results %q; want only the whole line", body, got)
		}
	}
}
