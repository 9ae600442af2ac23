package hlrlookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup/internal/termsafe"
)

// The sentinels below classify an *APIError with errors.Is: one per entry of
// the service's error list, plus rate limiting and server errors.
var (
	// ErrInvalidParameter: something is wrong with a parameter (400 BAD_REQUEST).
	ErrInvalidParameter = errors.New("hlrlookup: invalid parameter")
	// ErrInvalidRequest: wrong method, misspelt field, wrong Content-Type or bad
	// scheduledStart (405, 415 or 400 INVALID_REQUEST).
	ErrInvalidRequest = errors.New("hlrlookup: invalid request")
	// ErrInvalidBatchArguments: one or more batchArguments are wrong (400 INVALID_BATCH_ARGUMENTS).
	ErrInvalidBatchArguments = errors.New("hlrlookup: invalid batch arguments")
	// ErrUnauthorized: the API key or secret is wrong (401 UNAUTHORIZED).
	ErrUnauthorized = errors.New("hlrlookup: unauthorized")
	// ErrMalformedRequest: the request body is not well-formed JSON (400 INVALID_JSON).
	ErrMalformedRequest = errors.New("hlrlookup: malformed request")
	// ErrBatchNotFound: no batch has that ID, or it was deleted (404 NOT_FOUND).
	ErrBatchNotFound = errors.New("hlrlookup: batch not found")
	// ErrForbidden: the batch belongs to another account (403 FORBIDDEN).
	ErrForbidden = errors.New("hlrlookup: forbidden")
	// ErrBatchHasData: the batch already has data loaded (409 DATA_ALREADY_LOADED).
	ErrBatchHasData = errors.New("hlrlookup: batch already has data")
	// ErrRateLimited: too many requests; you were not charged (429 TOO_MANY_REQUESTS).
	ErrRateLimited = errors.New("hlrlookup: rate limited")
	// ErrServer: the service failed (5xx).
	ErrServer = errors.New("hlrlookup: server error")
)

// Errors that do not come from an HTTP status.
var (
	// ErrInvalidInput is matched by every *InputError: the SDK refused an
	// argument before sending anything.
	ErrInvalidInput = errors.New("hlrlookup: invalid input")
	// ErrUnexpectedResponse: a 2xx answer the SDK could not understand (HTML
	// instead of JSON, an oversized body, a results file cut short).
	ErrUnexpectedResponse = errors.New("hlrlookup: unexpected response")
	// ErrOutcomeUnknown: the connection failed after the request was sent, so
	// the service may or may not have applied it. Only a request that is not
	// safe to repeat (creating a batch) ends with this; see the README.
	ErrOutcomeUnknown = errors.New("hlrlookup: outcome unknown")
	// ErrBatchFailed: WaitForBatch saw the batch end in a failed state.
	ErrBatchFailed = errors.New("hlrlookup: batch failed")
)

// errorKind is one entry of the service's error table.
type errorKind struct {
	sentinel error
	hint     string // the vendor page's "possible reasons"
}

// The codes are assumed (the vendor page lost its headings; the reasons,
// kept as hints, are documented); classification falls back to the HTTP
// status, so a different code costs only this table.
var errorsByCode = map[string]errorKind{
	"BAD_REQUEST":             {ErrInvalidParameter, "something is wrong with a parameter"},
	"INVALID_REQUEST":         {ErrInvalidRequest, `wrong request type (e.g. GET instead of POST); check "filename", "type", "HLR_V2" and "scheduledStart" are typed correctly, the Content-Type, and the format of the scheduledStart date`},
	"INVALID_BATCH_ARGUMENTS": {ErrInvalidBatchArguments, "one or more batchArguments are wrong; see the standard API's optional parameters"},
	"UNAUTHORIZED":            {ErrUnauthorized, "check your API key and secret"},
	"INVALID_JSON":            {ErrMalformedRequest, `the request is badly formatted; check all " " and { }`},
	"NOT_FOUND":               {ErrBatchNotFound, "wrong batch ID, or the batch was deleted"},
	"FORBIDDEN":               {ErrForbidden, "the batch does not belong to this account; check apikey and secret"},
	"DATA_ALREADY_LOADED":     {ErrBatchHasData, "the batch already has data loaded; create a new batch for more numbers"},
	"TOO_MANY_REQUESTS":       {ErrRateLimited, "too many requests; you have not been charged, try again later"},
}

// kindByStatus classifies by HTTP status when the code is not one of
// errorsByCode. The statuses are assumed, like the codes (the vendor page
// lost its headings); this switch is the one place that holds them.
func kindByStatus(status int) (errorKind, bool) {
	switch {
	case status == http.StatusBadRequest:
		return errorsByCode["BAD_REQUEST"], true
	case status == http.StatusUnauthorized:
		return errorsByCode["UNAUTHORIZED"], true
	case status == http.StatusForbidden:
		return errorsByCode["FORBIDDEN"], true
	case status == http.StatusNotFound:
		return errorsByCode["NOT_FOUND"], true
	case status == http.StatusMethodNotAllowed || status == http.StatusUnsupportedMediaType:
		return errorsByCode["INVALID_REQUEST"], true
	case status == http.StatusConflict:
		return errorsByCode["DATA_ALREADY_LOADED"], true
	case status == http.StatusTooManyRequests:
		return errorsByCode["TOO_MANY_REQUESTS"], true
	case status >= 500:
		return errorKind{ErrServer, "the service failed; it is safe to try again later"}, true
	}
	return errorKind{}, false
}

// classify picks the error table entry: by the server's code when it is one
// of ours, else by HTTP status.
func classify(status int, code string) (errorKind, bool) {
	if k, ok := errorsByCode[strings.ToUpper(strings.TrimSpace(code))]; ok {
		return k, true
	}
	return kindByStatus(status)
}

// maxErrorBodyBytes bounds how much of an error response is read and kept.
const maxErrorBodyBytes = 64 << 10

// APIError is a non-2xx answer from the service. Use errors.Is with the
// sentinels (ErrBatchNotFound, ErrRateLimited, …) to classify it, or
// errors.As to read its fields.
type APIError struct {
	StatusCode int
	// Code and Message are the server's error code (e.g. "NOT_FOUND") and
	// words, if any, sanitized: the secret redacted, control characters
	// (ESC, BEL, …) and bidirectional formatting characters shown as Go
	// escapes (\x1b), so that they are safe to print on a terminal.
	Code    string
	Message string
	Method  string
	Path    string // never the query
	// Attempts is how many times the request was sent.
	Attempts int
	// Body is the start of the response body, at most 64 KiB, as the server
	// sent it except that the secret is redacted: it may hold control
	// characters, so print it with %q.
	Body []byte

	Op   string // the SDK operation, e.g. "get batch"
	Hint string // what the vendor's page gives as possible reasons
	// RetryAfter is the server's Retry-After, if it sent one; a value too
	// large for a Duration is the largest Duration, never negative.
	RetryAfter time.Duration

	// earlierMayHaveActed: an earlier attempt of this call may have been
	// applied (no answer after sending, or 500/502/504).
	earlierMayHaveActed bool
	// lookup: the answer to an instant lookup (APIv2), where a 404 means
	// "not an APIv2 endpoint", not "no such batch".
	lookup bool
}

// Error names the operation, the request, the status, the server's words and
// a hint about the likely cause. Control characters in any field are shown
// escaped (\x1b), so the text is safe to print on a terminal.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("hlrlookup: ")
	if e.Op != "" {
		b.WriteString(escapeControl(e.Op))
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s %s: %d %s", escapeControl(e.Method), escapeControl(e.Path), e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(escapeControl(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(escapeControl(e.Message))
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is the sentinel for this error's code or, when
// the code is not one of the service's, its status.
func (e *APIError) Is(target error) bool {
	if e.lookup && target == ErrBatchNotFound {
		return false
	}
	k, ok := classify(e.StatusCode, e.Code)
	return ok && k.sentinel == target
}

// Temporary reports whether trying again later may succeed (429 and 5xx).
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// newAPIError reads at most maxErrorBodyBytes of resp, closes it, and builds
// the typed error. Any body is accepted: JSON, {"ERR":…}, text, HTML, nothing.
func (c *Client) newAPIError(st *callState, resp *http.Response) *APIError {
	// Read past the bound by more than the secret can take in any spelling
	// and redact before cutting: a secret straddling the cut would
	// otherwise stay as a prefix that no redaction recognises.
	slack := 16*len(c.secret) + 64
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(maxErrorBodyBytes+slack)))
	drainClose(resp.Body)
	body = scrubBytes(body, c.secret)
	if len(body) > maxErrorBodyBytes {
		body = body[:maxErrorBodyBytes]
	}
	code, msg := parseErrorBody(body, resp.Header.Get("Content-Type"))
	e := &APIError{
		StatusCode: resp.StatusCode,
		Code:       shorten(scrubString(code, c.secret)),
		Message:    escapeControl(scrubString(msg, c.secret)), // parseErrorBody shortened it
		Method:     st.method,
		Path:       st.path,
		Attempts:   max(st.attempts, 1),
		Body:       body,
		Op:         st.op,

		earlierMayHaveActed: st.mayHaveActed,
		lookup:              st.bodyCredentials,
	}
	if k, ok := classify(e.StatusCode, e.Code); ok {
		e.Hint = k.hint
	}
	if e.lookup && e.StatusCode == http.StatusNotFound {
		e.Hint = lookupNotFoundHint
		if e.Message == "" {
			e.Message = lookupNotFoundMessage
		}
	}
	if d, ok := retryAfter(resp); ok {
		e.RetryAfter = d
	}
	return e
}

var (
	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaces    = regexp.MustCompile(`\s+`)
)

// maxMessageLen bounds the server's message as shown in Error().
const maxMessageLen = 300

// parseErrorBody extracts a code and a message from whatever the server sent.
// The service's error body is assumed to look like the standard API's,
// {"error":"CODE","message":"…"}; the other shapes are tolerated.
func parseErrorBody(body []byte, contentType string) (code, msg string) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return "", ""
	}
	if t[0] == '{' {
		var m map[string]any
		if json.Unmarshal(t, &m) == nil {
			code = firstString(m, "error", "code", "error_code", "errorCode")
			msg = firstString(m, "message", "msg", "error_description", "detail", "ERR", "err")
			if nested, ok := m["error"].(map[string]any); ok { // {"error":{"code":…,"message":…}}
				code = firstString(nested, "code", "type")
				msg = firstString(nested, "message", "msg")
			}
			if code != "" && msg == "" && strings.Contains(code, " ") { // {"error":"a sentence"}
				code, msg = "", code
			}
			return strings.TrimSpace(code), shorten(msg)
		}
	}
	if t[0] == '<' || strings.Contains(strings.ToLower(contentType), "html") {
		if m := htmlTitle.FindSubmatch(t); m != nil {
			return "", shorten(string(m[1]))
		}
		return "", shorten(htmlTag.ReplaceAllString(string(t), " "))
	}
	return "", shorten(string(t))
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case float64:
			return fmt.Sprint(v)
		}
	}
	return ""
}

// shorten collapses white space, escapes control characters and bounds the
// length of a server's message.
func shorten(s string) string {
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	s = escapeControl(strings.ToValidUTF8(s, ""))
	if len(s) > maxMessageLen {
		cut := maxMessageLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// RequestError is a request that got no HTTP answer: the connection failed,
// the context ended, or the request could not be built. Unwrap gives the
// cause (with any URL stripped of its query), so errors.Is works with
// context.DeadlineExceeded, context.Canceled and ErrOutcomeUnknown.
type RequestError struct {
	Op       string // the SDK operation, e.g. "upload file"
	Method   string
	Path     string // never the query
	Attempts int
	// Sent reports whether the request may have reached the service: false
	// only when the SDK knows it never left (connection refused, DNS).
	Sent bool
	Err  error
}

// Error names the operation and the request and gives the cause.
func (e *RequestError) Error() string {
	s := escapeControl(fmt.Sprintf("hlrlookup: %s: %s %s: %v", e.Op, e.Method, e.Path, e.Err))
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request ended because a deadline passed.
func (e *RequestError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &ne) && ne.Timeout())
}

// transportError wraps an error that came instead of a response; the
// context's own error wins when the context is done.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = ctxErr
	}
	err = withholdRefusedURL(err)
	err = scrubError(err, c.secret)
	re := &RequestError{Op: st.op, Method: st.method, Path: st.path, Attempts: max(st.attempts, 1), Sent: !neverSent(err), Err: err}
	return re
}

// escapeControl makes text from the server safe to print on a terminal (see
// package termsafe): control characters, separators and bidirectional
// formatting become Go escapes; escaping twice changes nothing.
func escapeControl(s string) string { return termsafe.Escape(s) }

// InputError is an argument the SDK refused before sending anything. It
// matches ErrInvalidInput with errors.Is.
type InputError struct {
	Op    string // the SDK operation, e.g. "get batch"
	Field string // what was wrong, e.g. "batch ID"
	Value string // the value, shortened for display
	Rule  string // what it must be
}

// Error names the value and the rule it broke.
func (e *InputError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("hlrlookup: %s: %s: %s", e.Op, e.Field, e.Rule)
	}
	return fmt.Sprintf("hlrlookup: %s: %s %s: %s", e.Op, e.Field, e.Value, e.Rule)
}

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// inputError builds an *InputError with the value quoted and shortened.
func inputError(op, field string, value any, rule string) *InputError {
	v := ""
	if value != nil {
		v = fmt.Sprintf("%q", fmt.Sprint(value))
		if len(v) > 60 {
			v = v[:40] + "…\" (" + fmt.Sprint(len(fmt.Sprint(value))) + " bytes)"
		}
	}
	return &InputError{Op: op, Field: field, Value: v, Rule: rule}
}

// outcomeError marks an error after which the service may or may not have
// applied the request.
type outcomeError struct {
	err    error
	advice string
}

func (e *outcomeError) Error() string { return e.err.Error() + "; " + e.advice }

func (e *outcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.err} }

// uploadOutcomeError is an upload whose outcome could not be learnt: it
// matches ErrOutcomeUnknown, the upload's error and the check's error.
type uploadOutcomeError struct {
	op       string
	id       BatchID
	err      error // the upload's failure
	checkErr error // why the batch could not be read
}

func (e *uploadOutcomeError) Error() string {
	return fmt.Sprintf("hlrlookup: %s: batch %s: outcome unknown: the data may or may not have been stored, and reading the batch to find out failed (%v); check the batch with GetBatch (numItems) before uploading again; the upload failed with: %v",
		e.op, e.id, e.checkErr, e.err)
}

func (e *uploadOutcomeError) Unwrap() []error {
	return []error{ErrOutcomeUnknown, e.err, e.checkErr}
}
