package hlrlookup

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

// csvColumns is a CSV header mapped once to what each column fills.
type csvColumns struct {
	cols    []csvColumn     // one per header column
	extra   int             // how many columns go to Result.Extra
	used    map[string]bool // the Extra keys of the header's columns
	surplus []string        // Extra keys of cells beyond the header, by position
}

// mapCSVHeader maps each header column, case-insensitively and trimmed, to the
// field it fills. When a known name appears more than once the last column
// fills the field (the uploaded file's own columns come first) and earlier
// ones go to Extra. Unknown columns go to Extra under their header name; an
// empty name becomes "column_N" (1-based) and a repeated one gets a "_2", "_3"
// suffix. Header names as written are claimed first, so a generated name
// never takes one: it gets the first free suffix instead.
func mapCSVHeader(header []string) *csvColumns {
	c := &csvColumns{cols: make([]csvColumn, len(header))}
	last := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		c.cols[i].name = h
		if lh := foldJSONKey(h); csvKinds[lh] != csvExtra {
			last[lh] = i
		}
	}
	// Claim the header's own names first (the first column of each name that
	// goes to Extra), then name the rest.
	c.used = make(map[string]bool, len(header))
	own := make([]bool, len(header))
	for i := range c.cols {
		col := &c.cols[i]
		if j, ok := last[foldJSONKey(col.name)]; ok && j == i {
			col.kind = csvKinds[foldJSONKey(col.name)]
			col.parsed = csvIsParsed(col.kind)
			switch col.kind {
			case csvUUID, csvDetected, csvFormatted, csvReqTelephone:
				col.unique = true
			}
			if !col.parsed && !col.unique && i < csvInternColumns {
				col.intern = new(csvIntern)
			}
			continue
		}
		if h := col.name; h != "" && !c.used[h] {
			c.used[h], own[i] = true, true
		}
	}
	for i := range c.cols {
		col := &c.cols[i]
		if col.kind != csvExtra {
			continue
		}
		col.key = col.name
		if !own[i] {
			h := col.name
			if h == "" {
				h = "column_" + strconv.Itoa(i+1)
			}
			col.key = c.freeName(h)
		}
		if i < csvInternColumns {
			col.intern = new(csvIntern)
		}
		c.extra++
	}
	return c
}

// freeName claims and returns base, or the first of base_2, base_3, … that
// is not taken yet.
func (c *csvColumns) freeName(base string) string {
	key := base
	for n := 2; c.used[key]; n++ {
		key = base + "_" + strconv.Itoa(n)
	}
	c.used[key] = true
	return key
}

// surplusName is the Extra key of the cell at index i (0-based) beyond the
// header: "column_N" (1-based), or the first free suffixed form of it when a
// header column has that name. The same position gets the same name in
// every row.
func (c *csvColumns) surplusName(i int) string {
	for j := len(c.cols) + len(c.surplus); j <= i; j++ {
		c.surplus = append(c.surplus, c.freeName("column_"+strconv.Itoa(j+1)))
	}
	return c.surplus[i-len(c.cols)]
}

// decodeCSVResults decodes a CSV results download: a header row, then one row
// per result. Columns are mapped by header name; the uploaded file's own
// columns and unknown columns go to Result.Extra, as do fields beyond the
// header (as "column_N"). Memory stays flat whatever the number of rows.
func decodeCSVResults(r io.Reader) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		const prefix = "hlrlookup: reading CSV results"
		lim, br, err := newRecordReader(&stickyErrReader{r: r})
		if err != nil {
			yield(nil, fmt.Errorf("%s: %w", prefix, err))
			return
		}
		cr := csv.NewReader(br)
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1

		header, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			if lim.tripped {
				err = &recordTooLargeError{format: "CSV", where: "header"}
			} else {
				err = fmt.Errorf("%s: header: %w", prefix, err)
			}
			yield(nil, err)
			return
		}
		rows := &csvRows{br: br, cr: cr, cols: mapCSVHeader(header)}
		rows.tookCSV(header)

		for row := 1; ; row++ {
			lim.mark()
			res, line, col, err := rows.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				switch {
				case lim.tripped:
					err = &recordTooLargeError{format: "CSV", where: "record at row " + strconv.Itoa(row)}
				case col >= 0:
					err = fmt.Errorf("%s: row %d (line %d), column %q: %w", prefix, row, line, rows.cols.cols[col].name, err)
				default:
					err = fmt.Errorf("%s: row %d: %w", prefix, row, err)
				}
				yield(nil, err)
				return
			}
			if !yield(res, nil) {
				return
			}
		}
	}
}

// csvRows reads the records of a CSV results body and decodes them. A
// record on one line, the bulk of any results file, is split here straight
// from the buffered reader (splitCSVLine), quoted fields included, its
// fields decoded in place. Anything else (a quoted field over several lines,
// a line longer than the buffer, the last line without a line break, a read
// error, anything encoding/csv refuses) goes to encoding/csv, which reads
// from the same *bufio.Reader and so sees exactly the bytes not yet
// consumed, and reports errors as it always does. Line numbers stay those of
// the whole input: encoding/csv counts the lines it read, csvRows the ones
// it read itself (own).
type csvRows struct {
	br     *bufio.Reader
	cr     *csv.Reader
	cols   *csvColumns
	own    int // lines consumed here, not by encoding/csv
	csvEnd int // encoding/csv's number of the last line it read

	// Reused from line to line.
	fields  []csvField // the line's fields
	unq     []byte     // a quoted field's text with doubled quotes undone
	scratch []byte     // the row's text that is not interned, copied once
	spans   []csvSpan  // where in scratch each such field is
}

// csvSpan is a field whose text is scratch[start:end].
type csvSpan struct{ col, start, end int32 }

// tookCSV notes the last line of the record rec that encoding/csv just
// returned, in its own numbering: the line the record starts on, plus the
// line breaks inside its fields (it folds each one inside quotes to "\n").
func (l *csvRows) tookCSV(rec []string) {
	if len(rec) == 0 {
		return
	}
	l.csvEnd, _ = l.cr.FieldPos(0)
	for _, f := range rec {
		l.csvEnd += strings.Count(f, "\n")
	}
}

// next returns the next result. On an error in a field, col is the field's
// column and line its line; col is -1 for other errors.
func (l *csvRows) next() (res *Result, line, col int, err error) {
	for {
		raw, ok := l.peekLine()
		if !ok {
			return l.nextCSV()
		}
		lineNo := l.csvEnd + l.own + 1
		// As encoding/csv: drop "\n" or "\r\n"; skip empty lines.
		text := raw[:len(raw)-1]
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1]
		}
		if len(text) == 0 {
			_, _ = l.br.Discard(len(raw))
			l.own++
			continue
		}
		var fine bool
		if l.fields, fine = splitCSVLine(text, l.fields); !fine {
			return l.nextCSV()
		}
		res = &Result{}
		if col, err := l.fill(res, text); err != nil {
			return nil, lineNo, col, err
		}
		_, _ = l.br.Discard(len(raw))
		l.own++
		return res, lineNo, -1, nil
	}
}

// fill decodes the fields of text (l.fields) into res. On error, col is
// the field's column.
func (l *csvRows) fill(res *Result, text []byte) (col int, err error) {
	c := l.cols
	fields := l.fields
	if c.extra > 0 || len(fields) > len(c.cols) {
		res.Extra = make(map[string]string, c.extra+max(0, len(fields)-len(c.cols)))
	}
	scratch, spans := l.scratch[:0], l.spans[:0]
	cols := c.cols[:min(len(fields), len(c.cols))]
	for i := range cols {
		col := &cols[i]
		f := fields[i]
		b := text[f.start:f.end]
		if f.esc {
			l.unq = unquoteCSV(l.unq[:0], b)
			b = l.unq
		}
		if col.parsed {
			if err := setCSVParsed(col, res, b); err != nil {
				return i, err
			}
			continue
		}
		if in := col.intern; in != nil {
			// A value shared with earlier rows: the previous one, or one
			// of the recent ones.
			var s string
			ok := len(b) == 0
			switch {
			case ok:
			case string(b) == in.last:
				s, ok = in.last, true
			default:
				s, ok = in.lookup(b)
			}
			if ok {
				if col.kind == csvExtra {
					res.Extra[col.key] = s
				} else if s != "" {
					setCSVText(res, col.kind, s)
				}
				continue
			}
		}
		spans = append(spans, csvSpan{int32(i), int32(len(scratch)), int32(len(scratch) + len(b))})
		scratch = append(scratch, b...)
	}
	for i := len(cols); i < len(fields); i++ { // cells beyond the header
		f := fields[i]
		b := text[f.start:f.end]
		if f.esc {
			l.unq = unquoteCSV(l.unq[:0], b)
			b = l.unq
		}
		spans = append(spans, csvSpan{int32(i), int32(len(scratch)), int32(len(scratch) + len(b))})
		scratch = append(scratch, b...)
	}
	if len(spans) > 0 {
		row := string(scratch)
		for _, sp := range spans {
			c.setText(res, int(sp.col), row[sp.start:sp.end])
		}
	}
	l.scratch, l.spans = scratch, spans
	return -1, nil
}

// setText stores v, the text of the field at index i, into res: into the
// field of its column's kind, or into Extra.
func (c *csvColumns) setText(res *Result, i int, v string) {
	if i >= len(c.cols) {
		res.Extra[c.surplusName(i)] = v
		return
	}
	if col := &c.cols[i]; col.kind == csvExtra {
		res.Extra[col.key] = v
	} else {
		setCSVText(res, col.kind, v)
	}
}

// nextCSV has encoding/csv read the next record and decodes it.
func (l *csvRows) nextCSV() (res *Result, line, col int, err error) {
	rec, err := l.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += l.own
			pe.Line += l.own
		}
		return nil, 0, -1, err
	}
	l.tookCSV(rec)
	c := l.cols
	res = &Result{}
	if c.extra > 0 || len(rec) > len(c.cols) {
		res.Extra = make(map[string]string, c.extra+max(0, len(rec)-len(c.cols)))
	}
	for i, v := range rec {
		if i < len(c.cols) && csvIsParsed(c.cols[i].kind) {
			if err := setCSVParsed(&c.cols[i], res, v); err != nil {
				line, _ = l.cr.FieldPos(i)
				return nil, line + l.own, i, err
			}
			continue
		}
		c.setText(res, i, v)
	}
	return res, 0, -1, nil
}

// peekLine returns the next whole line (with its "\n") if it is in the
// buffer, or can be brought there.
func (l *csvRows) peekLine() ([]byte, bool) {
	for {
		buf, _ := l.br.Peek(l.br.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			return buf[:i+1], true
		}
		if len(buf) == l.br.Size() {
			return nil, false // longer than the buffer
		}
		if _, err := l.br.Peek(len(buf) + 1); err != nil {
			return nil, false // the end, or an error: encoding/csv reports it
		}
	}
}

// stickyErrReader returns, once its reader has returned an error (io.EOF
// included), that error on every later read. An io.Reader need not repeat
// an error, and peekLine's bufio.Reader.Peek hands a read error to
// peekLine alone: encoding/csv, reading on, would meet io.EOF instead and
// take a cut last line for a whole one.
type stickyErrReader struct {
	r   io.Reader
	err error
}

func (s *stickyErrReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.err = err
	return n, err
}
