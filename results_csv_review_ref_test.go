package hlrlookup

// This file is the typed CSV results decoder as main had it before the
// decoder was rewritten for speed (results_csv.go at that time), under
// test-only names: the reference the review's differential tests and fuzz
// target hold the new decoder to, byte for byte in results and errors.

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

// refMainCSVColumns is a CSV header mapped once to per-column setters.
type refMainCSVColumns struct {
	names   []string        // header names as found (trimmed), for errors
	setters []fieldSetter   // one per header column
	extra   int             // how many columns go to Result.Extra
	used    map[string]bool // the Extra keys of the header's columns
	surplus []string        // Extra keys of cells beyond the header, by position
}

// refMainMapCSVHeader maps each header column, case-insensitively and trimmed, to the
// field it fills. When a known name appears more than once the last column
// fills the field (the uploaded file's own columns come first) and earlier
// ones go to Extra. Unknown columns go to Extra under their header name; an
// empty name becomes "column_N" (1-based) and a repeated one gets a "_2", "_3"
// suffix. Header names as written are claimed first, so a generated name
// never takes one: it gets the first free suffix instead.
func refMainMapCSVHeader(header []string) *refMainCSVColumns {
	c := &refMainCSVColumns{names: make([]string, len(header)), setters: make([]fieldSetter, len(header))}
	last := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		c.names[i] = h
		if lh := foldJSONKey(h); resultFields[lh] != nil {
			last[lh] = i
		}
	}
	// Claim the header's own names first (the first column of each name that
	// goes to Extra), then name the rest.
	c.used = make(map[string]bool, len(header))
	toExtra := make([]bool, len(header))
	own := make([]bool, len(header))
	for i, h := range c.names {
		if j, ok := last[foldJSONKey(h)]; ok && j == i {
			c.setters[i] = resultFields[foldJSONKey(h)]
			continue
		}
		toExtra[i] = true
		if h != "" && !c.used[h] {
			c.used[h], own[i] = true, true
		}
	}
	for i, h := range c.names {
		if !toExtra[i] {
			continue
		}
		key := h
		if !own[i] {
			if h == "" {
				h = "column_" + strconv.Itoa(i+1)
			}
			key = c.freeName(h)
		}
		c.extra++
		c.setters[i] = func(r *Result, v string) error {
			r.Extra[key] = v
			return nil
		}
	}
	return c
}

// freeName claims and returns base, or the first of base_2, base_3, … that
// is not taken yet.
func (c *refMainCSVColumns) freeName(base string) string {
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
func (c *refMainCSVColumns) surplusName(i int) string {
	for j := len(c.names) + len(c.surplus); j <= i; j++ {
		c.surplus = append(c.surplus, c.freeName("column_"+strconv.Itoa(j+1)))
	}
	return c.surplus[i-len(c.names)]
}

// refMainDecodeCSVResults decodes a CSV results download: a header row, then one row
// per result. Columns are mapped by header name; the uploaded file's own
// columns and unknown columns go to Result.Extra, as do fields beyond the
// header (as "column_N"). Memory stays flat whatever the number of rows.
func refMainDecodeCSVResults(r io.Reader) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		const prefix = "hlrlookup: reading CSV results"
		lim, br, err := newRecordReader(r)
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
		cols := refMainMapCSVHeader(header)
		lines := &refMainCSVLines{br: br}
		lines.tookCSV(cr, header)

		for row := 1; ; row++ {
			lim.mark()
			rec, line, err := lines.next(cr)
			if err == io.EOF {
				return
			}
			if err != nil {
				if lim.tripped {
					err = &recordTooLargeError{format: "CSV", where: "record at row " + strconv.Itoa(row)}
				} else {
					err = fmt.Errorf("%s: row %d: %w", prefix, row, err)
				}
				yield(nil, err)
				return
			}
			res := &Result{}
			if cols.extra > 0 || len(rec) > len(cols.setters) {
				res.Extra = make(map[string]string, cols.extra+max(0, len(rec)-len(cols.setters)))
			}
			for i, v := range rec {
				if i >= len(cols.setters) {
					res.Extra[cols.surplusName(i)] = v
					continue
				}
				if err := cols.setters[i](res, v); err != nil {
					if line == 0 { // read by encoding/csv
						line, _ = cr.FieldPos(i)
						line += lines.own
					}
					yield(nil, fmt.Errorf("%s: row %d (line %d), column %q: %w", prefix, row, line, cols.names[i], err))
					return
				}
			}
			if !yield(res, nil) {
				return
			}
		}
	}
}

// refMainCSVLines reads the records of a CSV results body. A record on one line
// without quotes, the bulk of any results file, is split here straight from
// the buffered reader: one string per record, no copying field by field.
// Anything else (quotes, a line longer than the buffer, the last line without
// a line break, a read error) goes to encoding/csv, which reads from the
// same *bufio.Reader and so sees exactly the bytes not yet consumed. Line
// numbers stay those of the whole input: encoding/csv counts the lines it
// read, refMainCSVLines the ones it read itself (own).
type refMainCSVLines struct {
	br     *bufio.Reader
	own    int      // lines consumed here, not by encoding/csv
	csvEnd int      // encoding/csv's number of the last line it read
	rec    []string // reused
}

// tookCSV notes the last line of the record rec that encoding/csv just
// returned, in its own numbering: the line the record starts on, plus the
// line breaks inside its fields (it folds each one inside quotes to "\n").
func (l *refMainCSVLines) tookCSV(cr *csv.Reader, rec []string) {
	if len(rec) == 0 {
		return
	}
	l.csvEnd, _ = cr.FieldPos(0)
	for _, f := range rec {
		l.csvEnd += strings.Count(f, "\n")
	}
}

// next returns the next record and, for one split here, its line number
// (0 when encoding/csv read it: use FieldPos plus own).
func (l *refMainCSVLines) next(cr *csv.Reader) ([]string, int, error) {
	for {
		line, ok := l.peekLine()
		if !ok {
			rec, err := cr.Read()
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					pe.StartLine += l.own
					pe.Line += l.own
				}
				return nil, 0, err
			}
			l.tookCSV(cr, rec)
			return rec, 0, nil
		}
		_, _ = l.br.Discard(len(line))
		l.own++
		lineNo := l.csvEnd + l.own
		// As encoding/csv: drop "\n" or "\r\n"; skip empty lines.
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			continue
		}
		s := string(line)
		rec := l.rec[:0]
		for {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				break
			}
			rec = append(rec, s[:i])
			s = s[i+1:]
		}
		rec = append(rec, s)
		l.rec = rec
		return rec, lineNo, nil
	}
}

// peekLine returns the next whole line (with its "\n") if it is in the
// buffer, or can be brought there, and holds no quote.
func (l *refMainCSVLines) peekLine() ([]byte, bool) {
	for {
		buf, _ := l.br.Peek(l.br.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line := buf[:i+1]
			return line, bytes.IndexByte(line, '"') < 0
		}
		if len(buf) == l.br.Size() {
			return nil, false // longer than the buffer
		}
		if _, err := l.br.Peek(len(buf) + 1); err != nil {
			return nil, false // the end, or an error: encoding/csv reports it
		}
	}
}
