package hlrlookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// BatchID identifies a batch. The service sends it as a JSON string ("232");
// a JSON number is accepted too.
type BatchID string

// UnmarshalJSON accepts a JSON string or number.
func (id *BatchID) UnmarshalJSON(b []byte) error {
	s, err := looseString(b)
	if err != nil {
		return fmt.Errorf("batch id: %w", err)
	}
	*id = BatchID(s)
	return nil
}

// BatchType is the kind of lookup a batch runs. The set is open: values the
// SDK does not know are kept as they are.
type BatchType string

const (
	// BatchTypeHLRV2 formats results with all of APIv2's features; the default.
	BatchTypeHLRV2 BatchType = "HLR_V2"
	// BatchTypeHLRLookup is the type of older batches.
	BatchTypeHLRLookup BatchType = "HLR_LOOKUP"
)

// BatchStatus is where a batch is in its life. The set is open: a value the
// SDK does not know means "not finished yet".
type BatchStatus string

const (
	// StatusProcessing: the batch is running (also what StartBatch sets).
	StatusProcessing BatchStatus = "PROCESSING"
	// StatusPaused: PauseBatch stopped it; StartBatch resumes it.
	StatusPaused BatchStatus = "PAUSED"
	// StatusComplete: every number is done and the results can be downloaded.
	StatusComplete BatchStatus = "COMPLETE"
	// StatusFailed, StatusError and StatusCancelled are assumed terminal
	// failures; the service has not been seen to send them.
	StatusFailed    BatchStatus = "FAILED"
	StatusError     BatchStatus = "ERROR"
	StatusCancelled BatchStatus = "CANCELLED"
)

// Complete reports whether the batch finished and its results can be
// downloaded ("COMPLETE", or "COMPLETED" as some clients tolerate).
func (s BatchStatus) Complete() bool {
	return strings.EqualFold(string(s), string(StatusComplete)) || strings.EqualFold(string(s), "COMPLETED")
}

// terminalFailures are the statuses of a batch that ended without
// completing. They are assumed (the service has not been seen to send any
// of them), and this list is the one place that holds them.
var terminalFailures = []BatchStatus{StatusFailed, StatusError, StatusCancelled, "CANCELED"}

// Failed reports whether the batch ended without completing.
func (s BatchStatus) Failed() bool {
	for _, f := range terminalFailures {
		if strings.EqualFold(string(s), string(f)) {
			return true
		}
	}
	return false
}

// Done reports whether the batch will not change any more: complete or a
// terminal failure.
func (s BatchStatus) Done() bool { return s.Complete() || s.Failed() }

// Batch is a batch as the service describes it (GET /batches/{id}).
type Batch struct {
	ID             BatchID
	Filename       string
	NumColumns     int
	OwnerName      string
	Type           BatchType
	Arguments      BatchArguments
	ScheduledStart *time.Time
	CreationDate   time.Time
	NumItems       int
	NumComplete    int
	Status         BatchStatus
}

// Progress is the share of numbers done, from 0 to 1.
func (b *Batch) Progress() float64 {
	if b.NumItems <= 0 {
		if b.Status.Complete() {
			return 1
		}
		return 0
	}
	return min(max(float64(b.NumComplete)/float64(b.NumItems), 0), 1)
}

// batchWire is the Batch object on the wire, decoded loosely.
type batchWire struct {
	ID             BatchID         `json:"id"`
	Filename       *string         `json:"filename"`
	NumColumns     looseInt        `json:"numColumns"`
	OwnerName      looseStr        `json:"ownerName"`
	Type           *string         `json:"type"`
	Arguments      json.RawMessage `json:"batchArguments"`
	ScheduledStart looseTime       `json:"scheduledStart"`
	CreationDate   looseTime       `json:"creationDate"`
	NumItems       looseInt        `json:"numItems"`
	NumComplete    looseInt        `json:"numComplete"`
	Status         *string         `json:"status"`
}

// UnmarshalJSON decodes the service's Batch object; counts may be numbers or
// numeric strings, dates null, empty or RFC 3339, unknown enum values kept.
func (b *Batch) UnmarshalJSON(data []byte) error {
	var w batchWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	nb := Batch{
		ID:           w.ID,
		NumColumns:   int(w.NumColumns),
		OwnerName:    string(w.OwnerName),
		NumItems:     int(w.NumItems),
		NumComplete:  int(w.NumComplete),
		CreationDate: w.CreationDate.t,
	}
	if w.Filename != nil {
		nb.Filename = *w.Filename
	}
	if w.Type != nil {
		nb.Type = BatchType(*w.Type)
	}
	if w.Status != nil {
		nb.Status = BatchStatus(*w.Status)
	}
	if !w.ScheduledStart.t.IsZero() {
		t := w.ScheduledStart.t
		nb.ScheduledStart = &t
	}
	if a := bytes.TrimSpace(w.Arguments); len(a) > 0 && !bytes.Equal(a, []byte("null")) {
		if err := json.Unmarshal(a, &nb.Arguments); err != nil {
			return fmt.Errorf("batchArguments: %w", err)
		}
	}
	*b = nb
	return nil
}

// MarshalJSON encodes the batch in the service's own shape.
func (b Batch) MarshalJSON() ([]byte, error) {
	// Times keep their own offset: converting to UTC could move a time that
	// decoded fine past year 9999, which RFC 3339 cannot write.
	var sched *string
	if b.ScheduledStart != nil {
		s := b.ScheduledStart.Format(time.RFC3339Nano)
		sched = &s
	}
	var created *string
	if !b.CreationDate.IsZero() {
		s := b.CreationDate.Format("2006-01-02T15:04:05.000Z07:00")
		created = &s
	}
	return json.Marshal(struct {
		ID             BatchID        `json:"id"`
		Filename       string         `json:"filename"`
		NumColumns     int            `json:"numColumns"`
		OwnerName      string         `json:"ownerName"`
		Type           BatchType      `json:"type"`
		Arguments      BatchArguments `json:"batchArguments"`
		ScheduledStart *string        `json:"scheduledStart"`
		CreationDate   *string        `json:"creationDate"`
		NumItems       int            `json:"numItems"`
		NumComplete    int            `json:"numComplete"`
		Status         BatchStatus    `json:"status"`
	}{b.ID, b.Filename, b.NumColumns, b.OwnerName, b.Type, b.Arguments, sched, created, b.NumItems, b.NumComplete, b.Status})
}

// NewBatch describes a batch to create.
type NewBatch struct {
	Filename  string          // your name for the batch; shown in the account
	Type      BatchType       // zero value means HLR_V2
	Arguments *BatchArguments // optional lookup parameters
}

// maxFilenameLen bounds NewBatch.Filename.
const maxFilenameLen = 255

func (nb *NewBatch) validate(op string) error {
	if len(nb.Filename) > maxFilenameLen {
		return inputError(op, "filename", nb.Filename, fmt.Sprintf("is longer than %d bytes", maxFilenameLen))
	}
	for i, r := range nb.Filename {
		if r < 0x20 || r == 0x7f {
			return inputError(op, "filename", nb.Filename, fmt.Sprintf("contains a control character at byte %d", i))
		}
	}
	if t := string(nb.Type); t != "" {
		for i := 0; i < len(t); i++ {
			if c := t[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				return inputError(op, "type", t, `must be capitals, digits and '_', e.g. "HLR_V2"`)
			}
		}
	}
	if err := nb.Arguments.Validate(); err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			ie.Op = op
		}
		return err
	}
	return nil
}

// CreateBatch creates an empty batch (POST /batches/) and returns it; upload
// data to it next. The request is not repeated when its outcome is unknown
// (the connection failed after sending): the error then matches
// ErrOutcomeUnknown, and you should look for the batch with AllBatches before
// creating it again.
func (c *Client) CreateBatch(ctx context.Context, nb NewBatch) (*Batch, error) {
	const op = "create batch"
	if err := nb.validate(op); err != nil {
		return nil, err
	}
	typ := nb.Type
	if typ == "" {
		typ = BatchTypeHLRV2
	}
	body := struct {
		Filename  string          `json:"filename,omitempty"`
		Type      BatchType       `json:"type"`
		Arguments *BatchArguments `json:"batchArguments,omitempty"`
	}{nb.Filename, typ, nb.Arguments}
	var b Batch
	err := c.sendJSON(ctx, &request{op: op, method: http.MethodPost, path: batchesPath, jsonBody: body, mode: retryUnsafe}, &b)
	switch {
	case err != nil:
	case b.ID == "":
		err = fmt.Errorf("hlrlookup: %s: %w: the answer has no batch id", op, ErrUnexpectedResponse)
	case checkID(op, b.ID) != nil:
		// Not quoted: a hostile answer could put anything there.
		err = fmt.Errorf("hlrlookup: %s: %w: the answer's batch id is not one the SDK can use (%d bytes)", op, ErrUnexpectedResponse, len(b.ID))
	}
	if err != nil {
		return nil, outcomeOfCreate(err, nb.Filename)
	}
	return &b, nil
}

// GetBatch reads one batch (GET /batches/{id}). A 2xx answer that does not
// describe the batch asked for (no id, or another batch's id) is an error
// matching ErrUnexpectedResponse.
func (c *Client) GetBatch(ctx context.Context, id BatchID) (*Batch, error) {
	const op = "get batch"
	if err := checkID(op, id); err != nil {
		return nil, err
	}
	var b Batch
	if err := c.sendJSON(ctx, &request{op: op, method: http.MethodGet, path: batchPath(id, ""), mode: retryIdempotent}, &b); err != nil {
		return nil, err
	}
	if err := c.checkBatchAnswer(op, id, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// checkBatchAnswer is what a successful GET /batches/{id} must carry: the
// id asked for. Decimal ids are compared by value ("0232" is "232").
func (c *Client) checkBatchAnswer(op string, id BatchID, b *Batch) error {
	switch {
	case b.ID == "":
		return fmt.Errorf("hlrlookup: %s %s: %w: the answer has no batch id", op, id, ErrUnexpectedResponse)
	case !sameBatchID(b.ID, id):
		other := "an invalid id"
		if checkID(op, b.ID) == nil {
			other = scrubString(fmt.Sprintf("%q", b.ID), c.secret)
		}
		return fmt.Errorf("hlrlookup: %s %s: %w: the answer describes batch %s, not the one asked for", op, id, ErrUnexpectedResponse, other)
	}
	return nil
}

// sameBatchID compares ids, decimal ones by value.
func sameBatchID(a, b BatchID) bool {
	if a == b {
		return true
	}
	digits := func(s BatchID) (string, bool) {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", false
			}
		}
		t := strings.TrimLeft(string(s), "0")
		return t, len(s) > 0
	}
	da, okA := digits(a)
	db, okB := digits(b)
	return okA && okB && da == db
}

// ListOptions selects a page of batches. Zero values are not sent, so the
// service's defaults apply (it has been seen to answer 10 per page).
//
// The query names offset and limit are assumed (the vendor's page shows the
// answer's fields of those names, not the request's); the url tags below
// are the one place they are spelt.
type ListOptions struct {
	Offset int `url:"offset,omitempty"` // how many batches to skip
	Limit  int `url:"limit,omitempty"`  // how many to return
}

// BatchList is one page of batches.
type BatchList struct {
	Total, Offset, Limit int
	Batches              []*Batch
}

// UnmarshalJSON decodes the list envelope; numbers may be numeric strings.
func (l *BatchList) UnmarshalJSON(data []byte) error {
	var w struct {
		Total   looseInt `json:"total"`
		Offset  looseInt `json:"offset"`
		Limit   looseInt `json:"limit"`
		Batches []*Batch `json:"batches"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	batches := w.Batches[:0]
	for _, b := range w.Batches {
		if b != nil {
			batches = append(batches, b)
		}
	}
	*l = BatchList{Total: int(w.Total), Offset: int(w.Offset), Limit: int(w.Limit), Batches: batches}
	return nil
}

// MarshalJSON encodes the page in the service's own shape:
// {"total","offset","limit","batches":[…]}.
func (l BatchList) MarshalJSON() ([]byte, error) {
	batches := l.Batches
	if batches == nil {
		batches = []*Batch{}
	}
	return json.Marshal(struct {
		Total   int      `json:"total"`
		Offset  int      `json:"offset"`
		Limit   int      `json:"limit"`
		Batches []*Batch `json:"batches"`
	}{l.Total, l.Offset, l.Limit, batches})
}

func (o *ListOptions) validate(op string) error {
	if o == nil {
		return nil
	}
	if o.Offset < 0 {
		return inputError(op, "offset", o.Offset, "must not be negative")
	}
	if o.Limit < 0 {
		return inputError(op, "limit", o.Limit, "must not be negative")
	}
	return nil
}

// ListBatches reads one page of the account's batches (GET /batches/). A
// 2xx answer without a "batches" array, or with a batch that has no id, is
// an error matching ErrUnexpectedResponse.
func (c *Client) ListBatches(ctx context.Context, opts *ListOptions) (*BatchList, error) {
	const op = "list batches"
	if err := opts.validate(op); err != nil {
		return nil, err
	}
	q, err := encodeQuery(op, opts)
	if err != nil {
		return nil, err
	}
	var a listAnswer
	if err := c.sendJSON(ctx, &request{op: op, method: http.MethodGet, path: batchesPath, query: q, mode: retryIdempotent}, &a); err != nil {
		return nil, err
	}
	if !a.hasBatches {
		return nil, fmt.Errorf("hlrlookup: %s: %w: the answer has no \"batches\" array", op, ErrUnexpectedResponse)
	}
	for i, b := range a.list.Batches {
		if b.ID == "" {
			return nil, fmt.Errorf("hlrlookup: %s: %w: batch %d of %d in the answer has no id", op, ErrUnexpectedResponse, i+1, len(a.list.Batches))
		}
	}
	return &a.list, nil
}

// listAnswer is the answer of GET /batches/: the page, and whether it
// carried a "batches" array at all.
type listAnswer struct {
	list       BatchList
	hasBatches bool
}

func (a *listAnswer) UnmarshalJSON(data []byte) error {
	var probe struct {
		Batches json.RawMessage `json:"batches"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return err
	}
	a.hasBatches = bytes.HasPrefix(bytes.TrimSpace(probe.Batches), []byte("["))
	return json.Unmarshal(data, &a.list)
}

// AllBatches iterates over every batch from opts.Offset on, reading pages of
// opts.Limit (the service's default when 0) with GET /batches/ as the loop
// needs them. It stops when the loop breaks; an error is yielded once, last.
// opts is not modified.
func (c *Client) AllBatches(ctx context.Context, opts *ListOptions) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		var firstOfLast BatchID
		for {
			page, err := c.ListBatches(ctx, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			// A service that ignores offset answers the same page again: stop
			// rather than yield the same batches forever.
			if len(page.Batches) > 0 && o.Offset > 0 && page.Batches[0].ID == firstOfLast {
				return
			}
			if len(page.Batches) > 0 {
				firstOfLast = page.Batches[0].ID
			}
			for _, b := range page.Batches {
				if !yield(b, nil) {
					return
				}
			}
			n := len(page.Batches)
			// Stop on an empty or last page, and on a server that ignores offset.
			if n == 0 || (page.Total > 0 && o.Offset+n >= page.Total) || (page.Total == 0 && o.Limit > 0 && n < o.Limit) {
				return
			}
			o.Offset += n
		}
	}
}

// StartBatch starts processing a batch that has data, or resumes a paused
// one (PUT /batches/{id}/ with {"status":"PROCESSING"}).
func (c *Client) StartBatch(ctx context.Context, id BatchID) error {
	return c.updateBatch(ctx, "start batch", id, map[string]any{"status": StatusProcessing})
}

// PauseBatch pauses a running batch (PUT /batches/{id}/ with
// {"status":"PAUSED"}); StartBatch resumes it.
func (c *Client) PauseBatch(ctx context.Context, id BatchID) error {
	// The body is assumed: the vendor's page says a pause command exists,
	// not what it sends; it is spelt only here.
	return c.updateBatch(ctx, "pause batch", id, map[string]any{"status": StatusPaused})
}

// ScheduleBatch makes a batch start by itself at start (PUT /batches/{id}/
// with {"scheduledStart": RFC 3339 in UTC, whole seconds; the fraction is
// dropped}). The zero time, and a time more than a minute before now by this
// machine's clock, are refused before any request; use StartBatch to start
// now. The minute of grace lets through a start computed a moment ago, or on
// a clock a little behind the caller's, and such a start is sent as given.
func (c *Client) ScheduleBatch(ctx context.Context, id BatchID, start time.Time) error {
	const op = "schedule batch"
	if start.IsZero() {
		return inputError(op, "start time", nil, "must not be the zero time")
	}
	if start.Before(time.Now().Add(-scheduleGrace)) {
		return inputError(op, "start time", scheduledStartValue(start), "is in the past, more than a minute before now; use StartBatch to start now")
	}
	return c.updateBatch(ctx, op, id, map[string]any{"scheduledStart": scheduledStartValue(start)})
}

// scheduledStartValue writes a start time as ScheduleBatch sends it: RFC 3339
// in UTC, whole seconds. The field name scheduledStart is documented; this
// format is assumed (the vendor's page lost its example), and this function
// is the one place that holds it.
func scheduledStartValue(start time.Time) string {
	return start.UTC().Format(time.RFC3339)
}

// scheduleGrace is how far before now ScheduleBatch still takes a start.
const scheduleGrace = time.Minute

// updateBatch sends one PUT command; PUT is idempotent, so it is retried.
// The commands need nothing back: any 2xx is success (204 included), and its
// body is not read.
func (c *Client) updateBatch(ctx context.Context, op string, id BatchID, body map[string]any) error {
	if err := checkID(op, id); err != nil {
		return err
	}
	return c.sendJSON(ctx, &request{op: op, method: http.MethodPut, path: batchPath(id, "/"), jsonBody: body, mode: retryIdempotent}, nil)
}

// DeleteBatch deletes a batch and its results for good (DELETE
// /batches/{id}). Download the results first. If a retry finds the batch
// already gone after an earlier attempt of this call failed without an
// answer (or with a 500, 502 or 504), the delete counts as done; after a 429
// or 503, which the service answers without acting, a 404 is an error. Any
// 2xx answer (204 included) is success.
func (c *Client) DeleteBatch(ctx context.Context, id BatchID) error {
	const op = "delete batch"
	if err := checkID(op, id); err != nil {
		return err
	}
	err := c.sendJSON(ctx, &request{op: op, method: http.MethodDelete, path: batchPath(id, ""), mode: retryIdempotent}, nil)
	if deletedByEarlierAttempt(err) {
		return nil // an earlier attempt of ours deleted it
	}
	return err
}

// looseInt decodes a JSON number, a numeric string, or null (as 0).
type looseInt int

func (n *looseInt) UnmarshalJSON(b []byte) error {
	s, err := looseString(b)
	if err != nil {
		return err
	}
	if s == "" {
		*n = 0
		return nil
	}
	// The bounds are int's, so that a 32-bit build never wraps a value
	// (4294967303 read as 7) that Validate would then pass.
	i, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		const limit = float64(1 << (strconv.IntSize - 1))
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f <= -limit || f >= limit || f != math.Trunc(f) {
			return fmt.Errorf("%s is not a whole number within range", quoteServerValue(s))
		}
		i = int64(f)
	}
	*n = looseInt(i)
	return nil
}

// looseStr decodes a JSON string or number as a string, null as "".
type looseStr string

func (s *looseStr) UnmarshalJSON(b []byte) error {
	v, err := looseString(b)
	*s = looseStr(v)
	return err
}

// looseString reads a JSON string or number as text; null is "".
func looseString(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		return "", nil
	case b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	// Not quoted: a cut of the server's bytes could hold part of the secret,
	// which no redaction would recognise.
	return "", fmt.Errorf("want a string or a number, got %s", jsonKind(b))
}

// jsonKind names the kind of JSON value b starts.
func jsonKind(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "something else"
}

// maxQuotedValue bounds a server's value quoted in an error: a longer one
// is described by its length, so that the error stays short and its
// redaction cheap.
const maxQuotedValue = 64

// quoteServerValue quotes a value the server sent for an error message, or
// gives its length when it is long.
func quoteServerValue(s string) string {
	if len(s) > maxQuotedValue {
		return fmt.Sprintf("a value of %d bytes", len(s))
	}
	return strconv.Quote(s)
}

// looseTime decodes null, "" or an RFC 3339 time (with or without fraction);
// "2006-01-02 15:04:05" is read as UTC.
type looseTime struct{ t time.Time }

func (lt *looseTime) UnmarshalJSON(b []byte) error {
	s, err := looseString(b)
	if err != nil || s == "" {
		lt.t = time.Time{}
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			lt.t = t
			return nil
		}
	}
	return fmt.Errorf("%s is not an RFC 3339 time", quoteServerValue(s))
}
