package hlrlookuptest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// errTooLarge stops parsing an upload over the byte or number limit.
var errTooLarge = errors.New("upload too large")

// parsedUpload is an upload body parsed as CSV.
type parsedUpload struct {
	header     []string
	rows       [][]string
	numbers    []string
	numColumns int
}

// handleUpload serves POST /batches/{id}/source[?column=N].
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, acct *account, id string) {
	if !s.checkContentType(w, r, "text/csv", "text/plain") {
		return
	}
	column := 0
	if v := r.URL.Query().Get("column"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			drain(r.Body)
			s.batchError(w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("parameter column must be a non-negative integer (0 = column A), got %q", v))
			return
		}
		column = n
	}

	s.lockAndTick()
	b := s.lookupLocked(w, acct, id)
	if b != nil {
		b.uploadAttempts++
	}
	loaded := b != nil && b.uploads > 0
	s.mu.Unlock()
	if b == nil {
		drain(r.Body)
		return
	}
	if loaded {
		drain(r.Body)
		s.batchError(w, s.cfg.dataLoadedStatus, codeDataAlreadyLoaded,
			fmt.Sprintf("batch %s already has data loaded", id))
		return
	}

	up, err := s.parseUpload(r.Body, column)
	if err != nil {
		drain(r.Body)
		s.batchError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}

	s.lockAndTick()
	defer s.mu.Unlock()
	if b = s.lookupLocked(w, acct, id); b == nil {
		return
	}
	if b.uploads > 0 {
		s.batchError(w, s.cfg.dataLoadedStatus, codeDataAlreadyLoaded,
			fmt.Sprintf("batch %s already has data loaded", id))
		return
	}
	b.header, b.rows, b.numbers = up.header, up.rows, up.numbers
	b.numItems, b.numColumns = len(up.numbers), up.numColumns
	b.numComplete = 0
	b.uploads++
	b.status = StatusReady
	writeJSON(w, http.StatusOK, s.renderLocked(b))
}

// parseUpload stream-reads an upload body as CSV (any number of columns),
// within the server's byte and number limits; it never trusts
// Content-Length. Empty lines are skipped; a first row whose chosen column
// holds no digit is a header.
func (s *Server) parseUpload(body io.Reader, column int) (*parsedUpload, error) {
	tooLarge := fmt.Errorf("%w: uploads to this server are limited to %s; upload them as a file instead",
		errTooLarge, s.limitsText())
	maxBytes, maxNumbers := s.cfg.maxBytes, s.cfg.maxNumbers
	if maxBytes <= 0 {
		maxBytes = math.MaxInt64 - 1
	}
	if maxNumbers <= 0 {
		maxNumbers = math.MaxInt
	}
	lr := &io.LimitedReader{R: body, N: maxBytes + 1}
	br := bufio.NewReader(lr)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true

	up := &parsedUpload{}
	first := true
	for {
		rec, err := cr.Read()
		if lr.N <= 0 {
			return nil, tooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot parse the upload as CSV: %v", err)
		}
		if blankRecord(rec) {
			continue
		}
		up.numColumns = max(up.numColumns, len(rec))
		var value string
		if column < len(rec) {
			value = strings.TrimSpace(rec[column])
		}
		if first {
			first = false
			if !strings.ContainsAny(value, "0123456789") {
				up.header = rec
				continue
			}
		}
		if len(up.numbers) >= maxNumbers {
			return nil, tooLarge
		}
		up.rows = append(up.rows, rec)
		up.numbers = append(up.numbers, value)
	}
	if up.numColumns > 0 && column >= up.numColumns {
		return nil, fmt.Errorf("parameter column=%d is beyond the file's %d column(s) (0 = column A)", column, up.numColumns)
	}
	if len(up.numbers) == 0 {
		return nil, errors.New("no numbers in the upload")
	}
	if up.header != nil {
		up.header = pad(up.header, up.numColumns)
	}
	for i, row := range up.rows {
		up.rows[i] = pad(row, up.numColumns)
	}
	return up, nil
}

// limitsText names the upload limits WithUploadLimits set.
func (s *Server) limitsText() string {
	var parts []string
	if s.cfg.maxBytes > 0 {
		parts = append(parts, fmt.Sprintf("%d bytes", s.cfg.maxBytes))
	}
	if s.cfg.maxNumbers > 0 {
		parts = append(parts, fmt.Sprintf("%d numbers", s.cfg.maxNumbers))
	}
	return strings.Join(parts, " and ")
}

// blankRecord reports whether every field of rec is blank.
func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// pad extends rec with empty fields to n fields.
func pad(rec []string, n int) []string {
	for len(rec) < n {
		rec = append(rec, "")
	}
	return rec
}
