package hlrlookup

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

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

// The codes are assumed (the vendor page lost its headings); classification
// falls back to the HTTP status, so a different code costs only this table.
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
	}
	if k, ok := classify(e.StatusCode, e.Code); ok {
		e.Hint = k.hint
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

// withholdRefusedURL replaces the URL of a redirect refused for carrying
// the secret: urlCarries found it there in some spelling (escaped three
// times, say) that the redaction of error text need not recognise, so the
// error must not quote that URL at all.
func withholdRefusedURL(err error) error {
	if !errors.Is(err, errRedirectCarriesSecret) {
		return err
	}
	op := "Get"
	if ue, ok := errors.AsType[*url.Error](err); ok {
		op = ue.Op
	}
	return &url.Error{Op: op, URL: "(the redirect's URL, withheld)", Err: errRedirectCarriesSecret}
}

// neverSent reports whether err proves the request never reached a server:
// the connection was refused or the host could not be resolved or dialled.
func neverSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return false
}

// isPermanentTransportError reports errors that repeating cannot fix.
func isPermanentTransportError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalid     x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		errors.Is(err, errRedirectCarriesSecret) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "stopped after") && strings.Contains(s, "redirects") ||
		strings.Contains(s, "failed to parse Location header") ||
		strings.Contains(s, "unsupported protocol scheme") ||
		strings.Contains(s, "invalid header")
}

// scrubError returns err so that no error of its chain prints the secret.
// An error whose chain never mentions the secret is returned as it is; any
// other is wrapped in a *scrubbedError, which keeps its causes (scrubbed in
// turn) for errors.Is and errors.As.
func scrubError(err error, secret string) error {
	if err == nil || secret == "" || !chainMentions(err, secret) {
		return err
	}
	if s, ok := err.(*scrubbedError); ok {
		return s
	}
	clean := cleanCopy(err, secret)
	shown := err
	if clean != nil {
		shown = clean
	}
	return &scrubbedError{msg: scrubString(shown.Error(), secret), err: err, clean: clean,
		scrub: func(e error) error { return scrubError(e, secret) }}
}

// cleanCopy returns a copy of err, for the types whose fields can be
// scrubbed, with the secret redacted: a *url.Error loses its URL's query and
// fragment; a *net.OpError and a *net.DNSError keep their fields. It returns
// nil for any other type.
func cleanCopy(err error, secret string) error {
	switch e := err.(type) {
	case *url.Error:
		return &url.Error{Op: e.Op, URL: scrubString(stripQuery(e.URL), secret), Err: scrubError(e.Err, secret)}
	case *net.OpError:
		c := *e
		c.Err = scrubError(e.Err, secret)
		return &c
	case *net.DNSError:
		c := *e
		c.Err, c.Name, c.Server = scrubString(e.Err, secret), scrubString(e.Name, secret), scrubString(e.Server, secret)
		c.UnwrapErr = scrubError(e.UnwrapErr, secret)
		return &c
	}
	return nil
}

// chainMentions reports whether err or any error beneath it prints the secret.
func chainMentions(err error, secret string) bool {
	if err == nil {
		return false
	}
	if mentions(err.Error(), secret) {
		return true
	}
	if ue, ok := err.(*url.Error); ok && mentions(ue.URL, secret) { // Error() quotes the URL
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return chainMentions(u.Unwrap(), secret)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if chainMentions(e, secret) {
				return true
			}
		}
	}
	return false
}

// scrubbedError stands in for an error whose chain mentions the secret. It
// prints the redacted text (for every fmt verb); Is matches what the original
// matches; As gives a scrubbed copy of the original where its type allows one
// (*url.Error, *net.OpError, *net.DNSError) and nothing otherwise: the
// original of any other type (a caller's transport error holding the URL)
// would hand the secret out; Unwrap gives the original's causes, each
// scrubbed in turn, so errors.Is and errors.As reach every cause (a
// *net.DNSError, say) while walking the chain never shows the secret. It
// holds no copy of the secret.
type scrubbedError struct {
	msg   string
	err   error             // the original
	clean error             // cleanCopy(err), or nil
	scrub func(error) error // scrubError with the secret
}

func (e *scrubbedError) Error() string { return e.msg }

// Format prints the redacted text for every verb, %#v included.
func (e *scrubbedError) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.msg) }

// Is reports whether the original error, or any of its causes, is target.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// Timeout reports what the original says, so that a *url.Error around a
// scrubbed timeout still reports one.
func (e *scrubbedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

// As matches the original error itself by its scrubbed copy, when its type
// allows one; its causes are reached through Unwrap, scrubbed. The original
// is never given out: its fields may hold the secret.
func (e *scrubbedError) As(target any) bool {
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() || e.clean == nil {
		return false
	}
	if reflect.TypeOf(e.clean).AssignableTo(v.Type().Elem()) {
		v.Elem().Set(reflect.ValueOf(e.clean))
		return true
	}
	return false
}

// Unwrap returns the original error's causes, scrubbed.
func (e *scrubbedError) Unwrap() []error {
	var causes []error
	switch u := e.err.(type) {
	case interface{ Unwrap() error }:
		causes = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		causes = u.Unwrap()
	}
	out := make([]error, 0, len(causes))
	for _, c := range causes {
		if c != nil {
			out = append(out, e.scrub(c))
		}
	}
	return out
}

func stripQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// The redaction rule (scrubString):
//
// The secret is replaced by "REDACTED" wherever the whole of it appears in
// any spelling a server or a library may give it, each character spelt on
// its own in any of these ways:
//   - as it is;
//   - percent-encoded, upper- or lower-case hex, "%" itself possibly
//     escaped once more (%252F); a space also as "+";
//   - as an HTML character reference: decimal or hex, leading zeros or not
//     (&#47; &#x2F; &#X02f;), or named (&sol; &plus; &amp; …);
//   - as a JSON string escape: \/ \" \\ \n …, \uXXXX in either case,
//     surrogate pairs for characters beyond the BMP; or as Go quotes a
//     control character (\x01); any of these quoted once more (\\u002F, as
//     %q prints a JSON text).
//
// A secret of minLiteralSecret bytes or more is replaced wherever it
// appears. A shorter one would match ordinary text ("s" in "refused"), so it
// is replaced only where it stands as a whole token: where its first (last)
// character is a letter or digit, the character before (after) it, decoded
// as above, is not a letter or digit; so "secret=abc&" and "bad key abc."
// are redacted, "abcdef" is not. Nothing else changes: a "secret=" with no
// value or another value stays as the server wrote it.
const minLiteralSecret = 6

// secretMatcher finds the secret in every spelling scrubString covers.
type secretMatcher struct {
	re                  *regexp.Regexp
	short               bool // shorter than minLiteralSecret: whole tokens only
	wordFirst, wordLast bool // the secret starts (ends) with a letter or digit
}

var (
	matchersMu sync.Mutex
	matchers   = map[string]*secretMatcher{}
)

// matcherFor returns the matcher of secret, compiled once; the cache holds a
// few secrets (one per set of credentials in use).
func matcherFor(secret string) *secretMatcher {
	matchersMu.Lock()
	defer matchersMu.Unlock()
	if m, ok := matchers[secret]; ok {
		return m
	}
	if len(matchers) >= 64 {
		clear(matchers)
	}
	first, _ := utf8.DecodeRuneInString(secret)
	last, _ := utf8.DecodeLastRuneInString(secret)
	m := &secretMatcher{
		re:        regexp.MustCompile(secretPattern(secret)),
		short:     len(secret) < minLiteralSecret,
		wordFirst: isWordRune(first),
		wordLast:  isWordRune(last),
	}
	matchers[secret] = m
	return m
}

// secretPattern is a regular expression matching secret with each of its
// characters spelt in any of the ways the redaction rule lists.
func secretPattern(secret string) string {
	var b strings.Builder
	for i := 0; i < len(secret); {
		r, size := utf8.DecodeRuneInString(secret[i:])
		raw := secret[i : i+size]
		i += size
		var alts []string
		valid := r != utf8.RuneError || size > 1
		if valid {
			alts = append(alts, regexp.QuoteMeta(raw))
		} else {
			alts = append(alts, `\x{FFFD}`) // the regexp package reads an invalid byte as U+FFFD
		}
		var pct strings.Builder
		for j := 0; j < len(raw); j++ {
			pct.WriteString(`%(?:25)?` + hexPattern(uint32(raw[j]), 2))
		}
		alts = append(alts, pct.String())
		if valid {
			if r == ' ' {
				alts = append(alts, `\+`)
			}
			alts = append(alts, `&#0*`+strconv.Itoa(int(r))+`;`, `&#[xX]0*`+hexPattern(uint32(r), 0)+`;`)
			for _, name := range htmlNamedRefs[r] {
				alts = append(alts, "&"+name+";")
			}
			// A backslash escape may itself be quoted once more (Go's %q of
			// a JSON text): one or two backslashes.
			const bs = `\\{1,2}`
			if esc, ok := jsonShortEscapes[r]; ok {
				alts = append(alts, bs+regexp.QuoteMeta(esc[1:]))
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				alts = append(alts, bs+`u`+hexPattern(uint32(r1), 4)+bs+`u`+hexPattern(uint32(r2), 4))
			} else if r <= 0xFFFF {
				alts = append(alts, bs+`u`+hexPattern(uint32(r), 4))
			}
			if r < 0x20 || r == 0x7f { // Go's quoting
				alts = append(alts, bs+`x`+hexPattern(uint32(r), 2))
			}
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	return b.String()
}

// hexPattern matches v in hex of at least width digits, in either case.
func hexPattern(v uint32, width int) string {
	h := strconv.FormatUint(uint64(v), 16)
	for len(h) < width {
		h = "0" + h
	}
	var b strings.Builder
	for _, c := range h {
		if c >= 'a' && c <= 'f' {
			b.WriteString("[" + string(c) + string(c-'a'+'A') + "]")
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// htmlNamedRefs are the HTML named character references of the characters
// a secret is likely to hold.
var htmlNamedRefs = map[rune][]string{
	'\t': {"Tab"}, '\n': {"NewLine"}, '!': {"excl"}, '"': {"quot", "QUOT"}, '#': {"num"},
	'$': {"dollar"}, '%': {"percnt"}, '&': {"amp", "AMP"}, '\'': {"apos"}, '(': {"lpar"},
	')': {"rpar"}, '*': {"ast", "midast"}, '+': {"plus"}, ',': {"comma"}, '.': {"period"},
	'/': {"sol"}, ':': {"colon"}, ';': {"semi"}, '<': {"lt", "LT"}, '=': {"equals"},
	'>': {"gt", "GT"}, '?': {"quest"}, '@': {"commat"}, '[': {"lsqb", "lbrack"},
	'\\': {"bsol"}, ']': {"rsqb", "rbrack"}, '^': {"Hat"}, '_': {"lowbar", "UnderBar"},
	'`': {"grave", "DiacriticalGrave"}, '{': {"lcub", "lbrace"}, '|': {"verbar", "vert", "VerticalLine"},
	'}': {"rcub", "rbrace"}, '\u00a0': {"nbsp", "NonBreakingSpace"},
}

// jsonShortEscapes are JSON's two-character escapes.
var jsonShortEscapes = map[rune]string{
	'/': `\/`, '"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`,
}

// mentions reports whether s contains the secret by the redaction rule.
func mentions(s, secret string) bool {
	return secret != "" && scrubString(s, secret) != s
}

// scrubString replaces the secret in s by "REDACTED", by the redaction rule
// above.
func scrubString(s, secret string) string {
	if secret == "" || s == "" {
		return s
	}
	m := matcherFor(secret)
	locs := m.re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if m.short {
			if before, ok := decodedBefore(s, l[0]); m.wordFirst && ok && isWordRune(before) {
				continue
			}
			if after, ok := decodedAfter(s, l[1]); m.wordLast && ok && isWordRune(after) {
				continue
			}
		}
		b.WriteString(s[last:l[0]])
		b.WriteString("REDACTED")
		last = l[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// decodedBefore is the character that ends at s[i], with a percent escape
// (also one escaped twice, %253D, as the matcher allows in the secret), an
// HTML character reference or a JSON escape undone.
func decodedBefore(s string, i int) (rune, bool) {
	h := s[:i]
	n := len(h)
	switch {
	case n == 0:
		return 0, false
	case n >= 5 && h[n-5:n-2] == "%25" && isHexDigit(h[n-2]) && isHexDigit(h[n-1]): // escaped twice: %253D
		v, _ := strconv.ParseUint(h[n-2:], 16, 8)
		return rune(v), true
	case n >= 3 && h[n-3] == '%' && isHexDigit(h[n-2]) && isHexDigit(h[n-1]):
		v, _ := strconv.ParseUint(h[n-2:], 16, 8)
		return rune(v), true
	case n >= 6 && h[n-6] == '\\' && h[n-5] == 'u' && isHexDigit(h[n-4]) && isHexDigit(h[n-3]) && isHexDigit(h[n-2]) && isHexDigit(h[n-1]):
		v, _ := strconv.ParseUint(h[n-4:], 16, 16)
		return rune(v), true
	case n >= 2 && h[n-2] == '\\' && strings.IndexByte(`bfnrt/"\\`, h[n-1]) >= 0:
		return jsonUnescape(h[n-1]), true
	case h[n-1] == ';':
		if j := strings.LastIndexByte(h, '&'); j >= 0 && n-j <= 40 {
			if r, ok := htmlRef(h[j:]); ok {
				return r, true
			}
		}
	}
	r, _ := utf8.DecodeLastRuneInString(h)
	return r, true
}

// decodedAfter is the character that starts at s[i], decoded as in
// decodedBefore.
func decodedAfter(s string, i int) (rune, bool) {
	t := s[i:]
	switch {
	case t == "":
		return 0, false
	case len(t) >= 5 && t[:3] == "%25" && isHexDigit(t[3]) && isHexDigit(t[4]): // escaped twice: %2526
		v, _ := strconv.ParseUint(t[3:5], 16, 8)
		return rune(v), true
	case len(t) >= 3 && t[0] == '%' && isHexDigit(t[1]) && isHexDigit(t[2]):
		v, _ := strconv.ParseUint(t[1:3], 16, 8)
		return rune(v), true
	case len(t) >= 6 && t[0] == '\\' && t[1] == 'u' && isHexDigit(t[2]) && isHexDigit(t[3]) && isHexDigit(t[4]) && isHexDigit(t[5]):
		v, _ := strconv.ParseUint(t[2:6], 16, 16)
		return rune(v), true
	case len(t) >= 2 && t[0] == '\\' && strings.IndexByte(`bfnrt/"\\`, t[1]) >= 0:
		return jsonUnescape(t[1]), true
	case t[0] == '&':
		if j := strings.IndexByte(t, ';'); j > 0 && j < 40 {
			if r, ok := htmlRef(t[:j+1]); ok {
				return r, true
			}
		}
	}
	r, _ := utf8.DecodeRuneInString(t)
	return r, true
}

func jsonUnescape(c byte) rune {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return rune(c)
}

// htmlRef decodes ref, a whole "&…;" character reference, to one character.
func htmlRef(ref string) (rune, bool) {
	dec := html.UnescapeString(ref)
	if dec == ref {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(dec)
	return r, size == len(dec)
}

func scrubBytes(b []byte, secret string) []byte {
	if secret == "" {
		return b
	}
	if scrubbed := scrubString(string(b), secret); scrubbed != string(b) {
		return []byte(scrubbed)
	}
	return b
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

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
