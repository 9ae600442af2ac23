package hlrlookup

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// This file is the instant lookups (APIv2, wire in WIRE.md rows L1-L12):
// HLR, MNP and validation of any number of numbers, split into requests of
// at most MaxLookupNumbers sent concurrently, and the balance. Requests go
// through the same pipeline as the batches' (Client.send), with the
// credentials in the JSON body instead of the query. The rule that keeps a
// lookup from being paid twice is in retry.go (lookupRepeatArguments,
// lookupAnswerIsOurs); the decoding of the answers is in lookup_decode.go.

// DefaultLookupURL is the instant lookups' address (APIv2).
const DefaultLookupURL = "https://api.hlrlookup.com/apiv2"

// SandboxLookupURL is the vendor's test service for instant lookups: key and
// secret are both "speedtest", nothing is charged, and the answers are canned.
const SandboxLookupURL = "https://testing.hlrlookup.com/apiv2"

// MaxLookupNumbers is how many numbers one lookup request carries at most;
// more are split into several requests, never refused.
const MaxLookupNumbers = 80

// MaxLookupConcurrency is the most LookupOptions.Concurrency may be: more
// is refused before any request. Each request in flight holds up to
// MaxLookupNumbers numbers and their results, and a goroutine; a careless
// huge value would read an unbounded input ahead without limit.
const MaxLookupConcurrency = 64

// defaultLookupConcurrency is how many lookup requests are in flight at once
// when LookupOptions.Concurrency is 0. See LookupOptions.Concurrency.
const defaultLookupConcurrency = 4

// Notes on a 404 from the lookup service, which answers a path it does not
// serve with an empty 404.
const (
	lookupNotFoundMessage = "not an APIv2 endpoint (404 with an empty body)"
	lookupNotFoundHint    = "check the lookup URL (WithLookupURL): it must end in /apiv2"
)

// WithLookupURL points the instant lookups (LookupHLR, LookupMNP,
// ValidateNumbers, Lookups, Balance) at another address, such as
// SandboxLookupURL or the fake service of package hlrlookuptest. The rules
// are WithBaseURL's: https (plain http only for loopback hosts), a path
// prefix allowed, no query, fragment or user information.
func WithLookupURL(rawURL string) Option {
	return func(o *options) error {
		if _, err := parseBaseURL(rawURL); err != nil {
			return err
		}
		o.lookupURL = rawURL
		return nil
	}
}

// LookupURL returns the address the instant lookups are sent to.
func (c *Client) LookupURL() string { return c.lookupURL.String() }

// LookupKind is the kind of instant lookup: its value is the path under the
// lookup URL.
type LookupKind string

// The instant lookup kinds.
const (
	LookupHLR      LookupKind = "hlr"      // live status and current network: POST /hlr
	LookupMNP      LookupKind = "mnp"      // portability only: POST /mnp
	LookupValidate LookupKind = "validate" // number type and original network, no live check: POST /validate
)

// LookupOptions are the options of an instant lookup. A nil *LookupOptions
// means the defaults.
type LookupOptions struct {
	// Arguments are the per-number options (cache_days_private, …), sent
	// with every number, only those set. They are validated before anything
	// is sent (BatchArguments.Validate).
	Arguments *BatchArguments
	// ReferenceID is sent as the ReferenceID header: your reference for the
	// request, stored by the service.
	ReferenceID string
	// AccountID is sent as the AccountID header: your own customer's
	// reference, stored by the service.
	AccountID string
	// Concurrency is how many requests of at most MaxLookupNumbers numbers
	// are in flight at once when the numbers are split; 0 means 4, more
	// than MaxLookupConcurrency is refused. Four
	// requests keep 320 numbers under way, enough to hide the seconds an HLR
	// query takes on the network, while staying far from the rate limits
	// (the sandbox throttles above 200 requests a second, production per
	// telephone network) and from the connection pool's size; memory is
	// bounded by Concurrency × MaxLookupNumbers results.
	Concurrency int
}

// LookupHLR looks up the live status and current network of numbers with
// POST /hlr, in requests of at most MaxLookupNumbers numbers, at most
// opts.Concurrency at once, and returns one *Result per number, in the
// order of numbers. Numbers are sent exactly as given: the service reads
// free text and answers a number it cannot read with telephone_number_type
// BAD_FORMAT, free of charge. No numbers, no request.
//
// A per-number failure (INSUFFICIENT_CREDIT, INTERNAL_ERROR) is a Result with
// Error set, not an error of the call. On an error (the first one) the
// results come back with it for every number sent, in input order, which is
// a prefix of numbers (no new request is sent after a failure, but those in
// flight are finished); a number whose request failed has a nil entry. When
// a number's lookup may or may not have run (and been charged), the error
// matches ErrOutcomeUnknown and names it (see the README, "Retries").
func (c *Client) LookupHLR(ctx context.Context, numbers []string, opts *LookupOptions) ([]*Result, error) {
	return c.lookupAll(ctx, LookupHLR, numbers, opts)
}

// LookupMNP looks up the portability of numbers (network, ported or not, no
// live status) with POST /mnp; otherwise as LookupHLR.
func (c *Client) LookupMNP(ctx context.Context, numbers []string, opts *LookupOptions) ([]*Result, error) {
	return c.lookupAll(ctx, LookupMNP, numbers, opts)
}

// ValidateNumbers checks numbers (type, detected and formatted number,
// original network; no live check) with POST /validate; otherwise as
// LookupHLR.
func (c *Client) ValidateNumbers(ctx context.Context, numbers []string, opts *LookupOptions) ([]*Result, error) {
	return c.lookupAll(ctx, LookupValidate, numbers, opts)
}

func (c *Client) lookupAll(ctx context.Context, kind LookupKind, numbers []string, opts *LookupOptions) ([]*Result, error) {
	if _, err := c.prepareLookup(ctx, kind, sliceSeq(numbers), opts); err != nil {
		return nil, err // refused before any request
	}
	out := make([]*Result, 0, len(numbers))
	var first error
	for res, err := range c.Lookups(ctx, kind, sliceSeq(numbers), opts) {
		if err != nil && first == nil {
			first = err
		}
		out = append(out, res) // one value per number sent
	}
	return out, first
}

func sliceSeq(s []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// Lookups is the streaming form of LookupHLR, LookupMNP and ValidateNumbers
// for large or unbounded inputs: it reads numbers as it goes, keeps at most
// opts.Concurrency requests of MaxLookupNumbers numbers in flight, and yields
// one *Result per number in input order; memory is bounded by that window,
// not by the input. Breaking out of the loop sends no further request and
// cancels those in flight (their lookups may have run and been charged;
// their results are dropped).
//
// It yields one value per number sent: (result, nil), or (nil, err) for a
// number whose request failed; when a request's outcome is unknown (see the
// README, "Retries"), err matches ErrOutcomeUnknown and names the numbers in
// doubt. After a failed request no new request is sent, but those already
// in flight are finished and their values yielded, so that no answer paid
// for is dropped; then the sequence ends. Bad options are refused before
// any request, with a single (nil, err).
func (c *Client) Lookups(ctx context.Context, kind LookupKind, numbers iter.Seq[string], opts *LookupOptions) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		o, err := c.prepareLookup(ctx, kind, numbers, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait() // after cancel: no goroutine outlives the loop
		defer cancel()

		next, stop := iter.Pull(numbers)
		defer stop()
		exhausted := false
		readChunk := func() []string {
			var chunk []string
			for !exhausted && len(chunk) < MaxLookupNumbers {
				n, ok := next()
				if !ok {
					exhausted = true
					break
				}
				chunk = append(chunk, n)
			}
			return chunk
		}

		var window []chan lookupChunk // requests in flight, in input order
		failed := false
		for {
			for !failed && !exhausted && len(window) < o.concurrency {
				chunk := readChunk()
				if len(chunk) == 0 {
					break
				}
				done := make(chan lookupChunk, 1)
				window = append(window, done)
				wg.Add(1)
				go func() {
					defer wg.Done()
					done <- c.lookupChunk(ctx, o, chunk)
				}()
			}
			if len(window) == 0 {
				return
			}
			ch := <-window[0]
			window = window[1:]
			if ch.err != nil {
				failed = true // send nothing more; finish what is in flight
			}
			for _, res := range ch.results {
				var err error
				if res == nil {
					err = ch.err
				}
				if !yield(res, err) {
					return
				}
			}
		}
	}
}

// lookupCall is a validated lookup: what every request of it sends.
type lookupCall struct {
	kind        LookupKind
	op          string
	args        lookupArgs // per-number options, as encoded once
	referenceID string
	accountID   string
	concurrency int
}

// prepareLookup checks everything before any request.
func (c *Client) prepareLookup(ctx context.Context, kind LookupKind, numbers iter.Seq[string], opts *LookupOptions) (*lookupCall, error) {
	op := "lookup " + string(kind)
	switch kind {
	case LookupHLR, LookupMNP, LookupValidate:
	default:
		return nil, inputError("lookup", "kind", string(kind), `must be LookupHLR ("hlr"), LookupMNP ("mnp") or LookupValidate ("validate")`)
	}
	if ctx == nil {
		return nil, fmt.Errorf("hlrlookup: %s: nil context", op)
	}
	if numbers == nil {
		return nil, inputError(op, "numbers", nil, "the sequence is nil")
	}
	if opts == nil {
		opts = &LookupOptions{}
	}
	if opts.Concurrency < 0 || opts.Concurrency > MaxLookupConcurrency {
		return nil, inputError(op, "Concurrency", opts.Concurrency, fmt.Sprintf("must be between 0 and %d (0 means the default, 4)", MaxLookupConcurrency))
	}
	for _, h := range []struct{ name, v string }{{"ReferenceID", opts.ReferenceID}, {"AccountID", opts.AccountID}} {
		if strings.ContainsFunc(h.v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return nil, inputError(op, h.name, h.v, "must not contain a line break or another control character (it is sent as a header)")
		}
	}
	if err := opts.Arguments.Validate(); err != nil {
		return nil, err
	}
	args, err := encodeLookupArgs(op, opts.Arguments)
	if err != nil {
		return nil, err
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = defaultLookupConcurrency
	}
	return &lookupCall{kind: kind, op: op, args: args, referenceID: opts.ReferenceID, accountID: opts.AccountID, concurrency: conc}, nil
}

// lookupChunk is the outcome of one request's numbers: a result per number,
// nil for a number that failed (err) or is in doubt (err is then a
// *LookupOutcomeError).
type lookupChunk struct {
	results []*Result
	err     error
}

// lookupChunk looks up at most MaxLookupNumbers numbers, repeating a request
// whose outcome is unknown only in the way that cannot charge again (see
// lookupRepeatArguments and lookupAnswerIsOurs in retry.go).
func (c *Client) lookupChunk(ctx context.Context, o *lookupCall, numbers []string) lookupChunk {
	results := make([]*Result, len(numbers))
	pending := make([]int, len(numbers)) // positions not settled yet
	for i := range pending {
		pending[i] = i
	}
	var stale []int // repeats answered from a cache older than the call
	firstSent := time.Now()
	repeatArgs, canRepeat := lookupRepeatArguments(o.args)
	var lastErr error
	for attempt := 0; ; attempt++ {
		args := o.args
		if attempt > 0 {
			args = repeatArgs
		}
		batch := make([]string, len(pending))
		for j, i := range pending {
			batch[j] = numbers[i]
		}
		got, served, err := c.postLookup(ctx, o, batch, args)
		if err != nil && !lookupOutcomeUnknown(err) {
			if attempt == 0 {
				return lookupChunk{results: make([]*Result, len(numbers)), err: err} // nothing was looked up
			}
		}
		if err != nil {
			lastErr = err
		} else {
			var left []int
			for j, i := range pending {
				switch r := got[j]; {
				case r == nil:
					left = append(left, i) // no answer for it: still unknown
				case attempt == 0 || lookupAnswerIsOurs(r, o.args, callStartOnServer(firstSent, served)):
					results[i] = r
				default:
					stale = append(stale, i)
				}
			}
			pending = left
			if len(pending) > 0 {
				lastErr = fmt.Errorf("%w: the answer has no result for %d of the numbers", ErrUnexpectedResponse, len(pending))
			}
		}
		if len(pending) == 0 || !canRepeat || attempt >= c.retry.MaxRetries || ctx.Err() != nil || err != nil && !lookupOutcomeUnknown(err) {
			break
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: repeating a lookup whose outcome is unknown, from the private cache",
			slog.String("op", o.op), slog.Int("numbers", len(pending)), slog.Int("repeat", attempt+1))
		if werr := uploadPause(ctx, c.backoff(c.retry.MinWait, c.retry.MaxWait, attempt, nil)); werr != nil {
			break
		}
	}
	doubt := append(stale, pending...)
	if len(doubt) == 0 {
		return lookupChunk{results: results}
	}
	e := &LookupOutcomeError{Op: o.op, Err: lastErr}
	for i := range numbers {
		if results[i] == nil {
			e.Numbers = append(e.Numbers, numbers[i])
		}
	}
	e.stale = len(stale)
	return lookupChunk{results: results, err: e}
}

// postLookup sends one request and matches the answer's results to numbers
// (nil where the answer has none); served is the answer's Date header (the
// zero time when absent or unreadable).
func (c *Client) postLookup(ctx context.Context, o *lookupCall, numbers []string, args lookupArgs) (_ []*Result, served time.Time, _ error) {
	body := lookupBody{APIKey: c.apiKey, APISecret: c.secret, Requests: make([]lookupItem, len(numbers))}
	for i, n := range numbers {
		body.Requests[i] = lookupItem{number: n, args: args}
	}
	r := &request{op: o.op, base: c.lookupURL, method: http.MethodPost, path: string(o.kind), jsonBody: body,
		mode: retryUnsafe, bodyCredentials: true, buffer: true, headers: lookupHeaders(o)}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer drainClose(resp.Body)
	served, _ = http.ParseTime(resp.Header.Get("Date"))
	got, err := c.decodeLookupResponse(o.op, c.lookupURL.Path+string(o.kind), resp)
	if err != nil {
		return nil, served, err
	}
	return matchLookupResults(numbers, got), served, nil
}

// callStartOnServer is when, on the service's clock, a lookup whose first
// attempt was sent at firstSent (the caller's clock) started, given served,
// the Date of an answer just received: served minus the time elapsed since
// firstSent (the monotonic clock), so that the results' timestamps, stamped
// by the service, are compared with the service's clock whatever the skew
// between the two. Without a Date, the caller's clock is all there is.
func callStartOnServer(firstSent, served time.Time) time.Time {
	if served.IsZero() {
		return firstSent
	}
	return served.Add(-time.Since(firstSent))
}

func lookupHeaders(o *lookupCall) http.Header {
	h := http.Header{}
	if o.referenceID != "" {
		h.Set("ReferenceID", o.referenceID)
	}
	if o.accountID != "" {
		h.Set("AccountID", o.accountID)
	}
	return h
}

// Balance returns the account's credits left, with POST /balance. A
// fractional balance is possible (MNP lookups cost half a credit).
func (c *Client) Balance(ctx context.Context) (float64, error) {
	const op = "balance"
	if ctx == nil {
		return 0, fmt.Errorf("hlrlookup: %s: nil context", op)
	}
	r := &request{op: op, base: c.lookupURL, method: http.MethodPost, path: "balance",
		jsonBody: lookupBody{APIKey: c.apiKey, APISecret: c.secret}, mode: retryIdempotent, bodyCredentials: true, buffer: true}
	resp, err := c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer drainClose(resp.Body)
	return c.decodeBalance(op, c.lookupURL.Path+"balance", resp)
}

// LookupOutcomeError is a lookup request whose outcome is unknown for some of
// its numbers: they may or may not have been looked up, and charged. It
// matches ErrOutcomeUnknown and the failure's own error.
type LookupOutcomeError struct {
	Op      string   // e.g. "lookup hlr"
	Numbers []string // the numbers in doubt, as given
	Err     error    // the failure, if any
	stale   int      // numbers whose repeat answered from a cache older than the call
}

// Error names the numbers in doubt and what to do.
func (e *LookupOutcomeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hlrlookup: %s: outcome unknown for %d number(s) %s", e.Op, len(e.Numbers), quoteNumbers(e.Numbers))
	b.WriteString(": they may or may not have been looked up and charged")
	if e.stale > 0 {
		fmt.Fprintf(&b, "; %d repeat(s) from the private cache gave an answer older than this call, which is not the fresh lookup asked for", e.stale)
	}
	b.WriteString("; repeat them with cache_days_private of 1 or more to get any answer already paid for free")
	if e.Err != nil {
		b.WriteString("; the request failed with: ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives ErrOutcomeUnknown and the failure.
func (e *LookupOutcomeError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrOutcomeUnknown}
	}
	return []error{ErrOutcomeUnknown, e.Err}
}

func quoteNumbers(ns []string) string {
	const show = 10
	var b strings.Builder
	for i, n := range ns {
		if i == show {
			fmt.Fprintf(&b, " and %d more", len(ns)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(escapeControl(quoteShort(n)))
	}
	return b.String()
}
