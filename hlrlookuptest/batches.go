package hlrlookuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// firstBatchID is the id of the first batch a Server creates; ids are
// sequential decimal numbers across all accounts.
const firstBatchID = 1001

// Batch statuses of the fake. PROCESSING, PAUSED and COMPLETE are
// documented; NEW, READY and SCHEDULED are the fake's assumption.
const (
	StatusNew        = "NEW"
	StatusReady      = "READY"
	StatusScheduled  = "SCHEDULED"
	StatusProcessing = "PROCESSING"
	StatusPaused     = "PAUSED"
	StatusComplete   = "COMPLETE"
)

// Batch types the fake accepts at create.
var acceptedTypes = []string{"HLR_V2", "HLR_LOOKUP"}

// creationDateLayout is RFC 3339 with milliseconds, as in the contract's example.
const creationDateLayout = "2006-01-02T15:04:05.000Z07:00"

// batch is the stored state of one batch. Its upload fields (header, rows,
// numbers) and args never change once set, so a snapshot may share them.
type batch struct {
	id          string
	owner       *account
	filename    string
	typ         string
	rawArgs     json.RawMessage // batchArguments as sent (compacted), "{}" if none
	args        argValues
	scheduled   *time.Time
	created     time.Time
	status      string
	numItems    int
	numComplete int
	numColumns  int

	header  []string   // the upload's header row, nil if none
	rows    [][]string // the upload's data rows, each padded to numColumns
	numbers []string   // the chosen column of each data row, trimmed

	uploads        int // successful uploads (0 or 1)
	uploadAttempts int // upload requests that reached this batch

	runStart  time.Time // Rate: when the current run started
	runBase   int       // Rate: numComplete when the current run started
	completed time.Time // when the batch became COMPLETE

	noCredit map[int]bool // items processed without credit: INSUFFICIENT_CREDIT
}

// batchJSON is the wire form of a batch (WIRE.md, "Answers").
type batchJSON struct {
	ID             any             `json:"id"`
	Filename       string          `json:"filename"`
	NumColumns     int             `json:"numColumns"`
	OwnerName      string          `json:"ownerName"`
	Type           string          `json:"type"`
	BatchArguments json.RawMessage `json:"batchArguments"`
	ScheduledStart *string         `json:"scheduledStart"`
	CreationDate   string          `json:"creationDate"`
	NumItems       int             `json:"numItems"`
	NumComplete    int             `json:"numComplete"`
	Status         string          `json:"status"`
}

// wireStatus is the name of internal status st on the wire: the names
// WithPreStartStatuses set for NEW and READY, every other one as it is.
func (s *Server) wireStatus(st string) string {
	switch st {
	case StatusNew:
		return s.cfg.statusEmpty
	case StatusReady:
		return s.cfg.statusLoaded
	}
	return st
}

func (s *Server) renderLocked(b *batch) batchJSON {
	var id any = b.id
	if s.cfg.numericIDs {
		n, _ := strconv.Atoi(b.id)
		id = n
	}
	var sched *string
	if b.scheduled != nil {
		v := b.scheduled.UTC().Format(time.RFC3339)
		sched = &v
	}
	return batchJSON{
		ID:             id,
		Filename:       b.filename,
		NumColumns:     b.numColumns,
		OwnerName:      b.owner.ownerName,
		Type:           b.typ,
		BatchArguments: b.rawArgs,
		ScheduledStart: sched,
		CreationDate:   b.created.UTC().Format(creationDateLayout),
		NumItems:       b.numItems,
		NumComplete:    b.numComplete,
		Status:         s.wireStatus(b.status),
	}
}

// lockAndTick locks the state, brings every batch up to the server clock
// (scheduled starts, Rate progress) and returns the clock's time.
func (s *Server) lockAndTick() time.Time {
	now := s.cfg.now()
	s.mu.Lock()
	for _, b := range s.order {
		if b.status == StatusScheduled && b.scheduled != nil && !now.Before(*b.scheduled) {
			s.startLocked(b, *b.scheduled)
		}
		if b.status == StatusProcessing && s.cfg.processing.kind == procRate {
			s.advanceRateLocked(b, now)
		}
	}
	return now
}

// startLocked starts (or resumes) b at time at.
func (s *Server) startLocked(b *batch, at time.Time) {
	switch s.cfg.processing.kind {
	case procInstant:
		s.processLocked(b, b.numItems)
		b.status = StatusComplete
		b.completed = at
	case procPerPoll:
		b.status = StatusProcessing
	case procRate:
		b.status = StatusProcessing
		b.runStart, b.runBase = at, b.numComplete
	}
}

func (s *Server) advanceRateLocked(b *batch, now time.Time) {
	rate := s.cfg.processing.rate
	elapsed := now.Sub(b.runStart).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	done := b.runBase + int(rate*elapsed)
	if done < b.numItems {
		s.processLocked(b, done)
		return
	}
	s.processLocked(b, b.numItems)
	b.status = StatusComplete
	at := b.runStart.Add(time.Duration(float64(b.numItems-b.runBase) / rate * float64(time.Second)))
	if at.After(now) {
		at = now
	}
	b.completed = at
}

// lookupLocked finds a live batch of acct, or writes 404/403 and returns nil.
func (s *Server) lookupLocked(w http.ResponseWriter, acct *account, id string) *batch {
	b, ok := s.batches[id]
	if !ok {
		s.batchError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("batch %q not found: wrong batch ID", id))
		return nil
	}
	if b.owner.key != acct.key {
		s.batchError(w, http.StatusForbidden, codeForbidden, fmt.Sprintf("batch %q does not belong to you", id))
		return nil
	}
	return b
}

// checkContentType answers 415 unless the request's media type is one of
// want.
func (s *Server) checkContentType(w http.ResponseWriter, r *http.Request, want ...string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && slices.Contains(want, mt) {
		return true
	}
	drain(r.Body)
	s.batchError(w, http.StatusUnsupportedMediaType, codeInvalidRequest,
		fmt.Sprintf("wrong Content-Type %q: use %s", r.Header.Get("Content-Type"), want[0]))
	return false
}

// readJSONObject reads a small JSON object body, or writes the error and
// returns nil.
func (s *Server) readJSONObject(w http.ResponseWriter, r *http.Request) map[string]json.RawMessage {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONRequestBody+1))
	if err != nil {
		s.batchError(w, http.StatusBadRequest, codeBadRequest, "cannot read the request body")
		return nil
	}
	if len(data) > maxJSONRequestBody {
		drain(r.Body)
		s.batchError(w, http.StatusBadRequest, codeBadRequest, "request body too large")
		return nil
	}
	if !json.Valid(data) {
		s.batchError(w, http.StatusBadRequest, codeInvalidJSON,
			`the request is badly formatted JSON: check all " and {}`)
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		s.batchError(w, http.StatusBadRequest, codeInvalidRequest, "the request body must be a JSON object")
		return nil
	}
	return obj
}

// unknownKey returns the first key of obj (sorted) that is not allowed.
func unknownKey(obj map[string]json.RawMessage, allowed ...string) (string, bool) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return k, true
		}
	}
	return "", false
}

// Page sizes of GET /batches/: limit (or per_page) when not sent or 0, and
// its cap.
const (
	defaultListLimit = 10
	maxListLimit     = 100
)

// handleList serves GET /batches/: the caller's batches, oldest first, one
// page of them as WithListPaging says.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, acct *account) {
	byPage := s.cfg.listPaging == ListByPage
	firstName, sizeName := "offset", "limit"
	if byPage {
		firstName, sizeName = "page", "per_page"
	}
	q := r.URL.Query()
	first, size := 0, 0
	for _, p := range []struct {
		name string
		dst  *int
	}{{firstName, &first}, {sizeName, &size}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.batchError(w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("parameter %s must be a non-negative integer, got %q", p.name, v))
			return
		}
		*p.dst = n
	}
	if size == 0 {
		size = defaultListLimit
	}
	size = min(size, maxListLimit)

	s.lockAndTick()
	var mine []*batch
	for _, b := range s.order {
		if b.owner.key == acct.key {
			mine = append(mine, b)
		}
	}
	total := len(mine)
	offset := first
	if byPage {
		first = max(first, 1)
		offset = total // past the end, unless the page is within it
		if first-1 < total/size+1 {
			offset = (first - 1) * size
		}
	}
	page := []batchJSON{}
	for i := offset; i < total && i < offset+size; i++ {
		page = append(page, s.renderLocked(mine[i]))
	}
	s.mu.Unlock()
	if byPage {
		writeJSON(w, http.StatusOK, struct {
			Total   int         `json:"total"`
			Page    int         `json:"page"`
			PerPage int         `json:"per_page"`
			Batches []batchJSON `json:"batches"`
		}{total, first, size, page})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Total   int         `json:"total"`
		Offset  int         `json:"offset"`
		Limit   int         `json:"limit"`
		Batches []batchJSON `json:"batches"`
	}{total, offset, size, page})
}

// handleCreate serves POST /batches/.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, acct *account) {
	if !s.checkContentType(w, r, "application/json") {
		return
	}
	obj := s.readJSONObject(w, r)
	if obj == nil {
		return
	}
	if k, bad := unknownKey(obj, "filename", "type", "batchArguments"); bad {
		s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
			fmt.Sprintf("unknown field %q: check filename, type and batchArguments are typed correctly", k))
		return
	}
	var filename, typ string
	if raw, ok := obj["filename"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &filename) != nil {
			s.batchError(w, http.StatusBadRequest, codeInvalidRequest, "filename must be a string")
			return
		}
	}
	if raw, ok := obj["type"]; !ok || json.Unmarshal(raw, &typ) != nil || !slices.Contains(acceptedTypes, typ) {
		s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
			fmt.Sprintf("type must be one of %v; check HLR_V2 is typed correctly", acceptedTypes))
		return
	}
	rawArgs, args, msg := parseBatchArguments(obj["batchArguments"])
	if msg != "" {
		s.batchError(w, http.StatusBadRequest, codeInvalidBatchArguments, msg)
		return
	}

	now := s.lockAndTick()
	b := &batch{
		id:       strconv.Itoa(s.nextID),
		owner:    acct,
		filename: filename,
		typ:      typ,
		rawArgs:  rawArgs,
		args:     args,
		created:  now,
		status:   StatusNew,
	}
	s.nextID++
	s.batches[b.id] = b
	s.order = append(s.order, b)
	out := s.renderLocked(b)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// handleGet serves GET /batches/{id}; under PerPoll it advances the batch.
func (s *Server) handleGet(w http.ResponseWriter, _ *http.Request, acct *account, id string) {
	now := s.lockAndTick()
	b := s.lookupLocked(w, acct, id)
	if b == nil {
		s.mu.Unlock()
		return
	}
	if b.status == StatusProcessing && s.cfg.processing.kind == procPerPoll {
		s.processLocked(b, min(b.numItems, b.numComplete+s.cfg.processing.perPoll))
		if b.numComplete == b.numItems {
			b.status, b.completed = StatusComplete, now
		}
	}
	out := s.renderLocked(b)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handlePut serves PUT /batches/{id}/: start or resume, pause, schedule.
func (s *Server) handlePut(w http.ResponseWriter, r *http.Request, acct *account, id string) {
	if !s.checkContentType(w, r, "application/json") {
		return
	}
	obj := s.readJSONObject(w, r)
	if obj == nil {
		return
	}
	if k, bad := unknownKey(obj, "status", "scheduledStart"); bad {
		s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
			fmt.Sprintf("unknown field %q: check status and scheduledStart are typed correctly", k))
		return
	}
	rawStatus, hasStatus := obj["status"]
	rawStart, hasStart := obj["scheduledStart"]
	if hasStatus == hasStart {
		s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
			`send exactly one of {"status":"PROCESSING"}, {"status":"PAUSED"} or {"scheduledStart":"<RFC 3339 time>"}`)
		return
	}
	var status string
	var start time.Time
	if hasStatus {
		if json.Unmarshal(rawStatus, &status) != nil || (status != StatusProcessing && status != StatusPaused) {
			s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
				fmt.Sprintf("status must be %q or %q, got %s", StatusProcessing, StatusPaused, rawStatus))
			return
		}
	} else {
		var v string
		err := json.Unmarshal(rawStart, &v)
		if err == nil {
			start, err = time.Parse(time.RFC3339Nano, v)
		}
		if err != nil {
			s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
				fmt.Sprintf("bad scheduledStart %s: check the format of your scheduledStart date (RFC 3339, e.g. 2026-12-01T09:00:00Z)", rawStart))
			return
		}
	}

	now := s.lockAndTick()
	defer s.mu.Unlock() // responses here are small
	b := s.lookupLocked(w, acct, id)
	if b == nil {
		return
	}
	fail := func(msg string) {
		s.batchError(w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("batch %s is %s: %s", b.id, s.wireStatus(b.status), msg))
	}
	switch {
	case status == StatusProcessing:
		switch b.status {
		case StatusNew:
			fail("no data loaded")
			return
		case StatusComplete:
			fail("already complete")
			return
		case StatusProcessing:
			// idempotent: a retried start is harmless
		default: // READY, PAUSED, SCHEDULED
			s.startLocked(b, now)
		}
	case status == StatusPaused:
		switch b.status {
		case StatusPaused:
			// idempotent
		case StatusProcessing, StatusScheduled:
			b.status = StatusPaused
		default:
			fail("only a processing or scheduled batch can be paused")
			return
		}
	default: // schedule
		if !start.After(now) {
			s.batchError(w, http.StatusBadRequest, codeInvalidRequest,
				fmt.Sprintf("bad scheduledStart %s: it is not in the future", start.UTC().Format(time.RFC3339)))
			return
		}
		switch b.status {
		case StatusNew:
			fail("no data loaded")
			return
		case StatusReady, StatusPaused, StatusScheduled:
			t := start.UTC()
			b.scheduled = &t
			b.status = StatusScheduled
		default:
			fail("only a batch that is not running can be scheduled")
			return
		}
	}
	writeJSON(w, http.StatusOK, s.renderLocked(b))
}

// handleDelete serves DELETE /batches/{id}: the batch is gone for good. It
// answers 200 with the batch as it was.
func (s *Server) handleDelete(w http.ResponseWriter, _ *http.Request, acct *account, id string) {
	s.lockAndTick()
	defer s.mu.Unlock()
	b := s.lookupLocked(w, acct, id)
	if b == nil {
		return
	}
	delete(s.batches, id)
	s.order = slices.DeleteFunc(s.order, func(x *batch) bool { return x == b })
	writeJSON(w, http.StatusOK, s.renderLocked(b))
}

// BatchState is a snapshot of a stored batch, for assertions.
type BatchState struct {
	ID             string
	Owner          string // the API key of the account that created it
	OwnerName      string
	Filename       string
	Type           string
	Status         string // as on the wire (see WithPreStartStatuses)
	NumItems       int
	NumComplete    int
	NumColumns     int
	ScheduledStart *time.Time
	CreationDate   time.Time
	CompletedAt    time.Time       // zero until COMPLETE
	Arguments      json.RawMessage // batchArguments as sent
	Numbers        int             // how many numbers the upload stored
	Uploads        int             // successful uploads (0 or 1)
	UploadAttempts int             // upload requests that reached the batch, refused ones included
}

// Batch returns a snapshot of the live batch id (brought up to the server
// clock first), or false if there is none (never created, or deleted).
func (s *Server) Batch(id string) (BatchState, bool) {
	s.lockAndTick()
	defer s.mu.Unlock()
	b, ok := s.batches[id]
	if !ok {
		return BatchState{}, false
	}
	st := BatchState{
		ID:             b.id,
		Owner:          b.owner.key,
		OwnerName:      b.owner.ownerName,
		Filename:       b.filename,
		Type:           b.typ,
		Status:         s.wireStatus(b.status),
		NumItems:       b.numItems,
		NumComplete:    b.numComplete,
		NumColumns:     b.numColumns,
		CreationDate:   b.created,
		CompletedAt:    b.completed,
		Arguments:      bytes.Clone(b.rawArgs),
		Numbers:        len(b.numbers),
		Uploads:        b.uploads,
		UploadAttempts: b.uploadAttempts,
	}
	if b.scheduled != nil {
		t := *b.scheduled
		st.ScheduledStart = &t
	}
	return st, true
}

// Numbers returns the numbers stored by the upload to batch id (the chosen
// column of each data row, trimmed, header excluded), or nil.
func (s *Server) Numbers(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.batches[id]; ok {
		return slices.Clone(b.numbers)
	}
	return nil
}
