package hlrlookup

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Every retry decision of the SDK is in this file: which failures are sent
// again (checkRetry), how long to wait (backoff, Retry-After), what a call
// whose outcome is unknown does (create, upload, delete), and how many
// failed polls WaitForBatch rides out. The rules, as the README states them:
//
//	request                                retried on
//	GET, PUT, DELETE (read, start, pause,  connection errors, 429, 500, 502,
//	  schedule, delete, download)            503, 504
//	POST (create, upload)                  only when it never left (connection
//	                                         refused, DNS), and 429 and 503,
//	                                         which the service answers without
//	                                         acting
//	an upload from a plain io.Reader       never: it cannot be replayed
//	a refused redirect (the caller's       never: asking again meets the same
//	  CheckRedirect, the limit of ten, a     answer
//	  Location carrying the secret or
//	  unparsable), a certificate that
//	  did not verify
//
// Defaults: 3 retries, waits of 0.5 s, 1 s, 2 s (with jitter), at most 30 s.
// Retry-After (seconds or a date) is honoured and capped at MaxWait; when it
// would outlast the context's deadline the call fails at once with the 429
// instead of sleeping. Cancelling the context stops a backoff immediately.
// The final 429 or 5xx comes back as an *APIError with Attempts.
//
// When the outcome of a call is unknown (the connection dropped after the
// request was sent):
//
//   - Create is never repeated: the error matches ErrOutcomeUnknown
//     (outcomeOfCreate).
//   - Upload is settled by reading the batch: if it now holds data, the
//     upload counts as done; if not, it is sent again (when the source can be
//     replayed). A 409 after our own earlier attempt counts as success
//     (resolveUpload).
//   - Delete: a 404 on a retry counts as success only when an earlier attempt
//     may have acted (no answer after sending, or 500/502/504); after a 429 or
//     503 the 404 is returned (deletedByEarlierAttempt).
//
//   - An instant lookup (POST /hlr, /mnp, /validate) whose outcome is
//     unknown (a 500, 502 or 504, the connection lost after sending, a 2xx
//     answer that could not be read or lacks some numbers) may have run and
//     been charged. It is repeated, for the numbers not settled, only with
//     cache_days_private of at least 1 (lookupRepeatArguments), so that a
//     number the first attempt did look up is answered from the private
//     cache, free. When the caller asked for no cache (cache_days_private
//     unset or 0), a repeat's answer is accepted only if it is the fresh
//     lookup asked for (lookupAnswerIsOurs): its timestamp is not before the
//     second the first attempt was sent, or it is a per-number error or a
//     BAD_FORMAT (nothing looked up). Any other number, and any number still
//     unsettled after MaxRetries repeats, ends in an error matching
//     ErrOutcomeUnknown that names it (LookupOutcomeError). With
//     save_to_cache set to anything but YES nothing is repeated: the first
//     attempt's lookups may not be in the private cache.
//
// WaitForBatch polls on after a temporary failure (429, 5xx, no answer;
// each counted after the request's own retries) and gives up at the
// maxPollFailures-th in a row (pollTolerates).
//
// Transport errors are judged by go-retryablehttp's own policy
// (retryablehttp.DefaultRetryPolicy), with the SDK's rules on top
// (transportRetryable).

// RetryPolicy says how often and how long the client retries a request that
// failed in a way worth retrying (see the package documentation for which).
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 disables retries
	MinWait    time.Duration // the first backoff; it doubles per retry
	MaxWait    time.Duration // the longest backoff; also caps Retry-After
}

// defaultRetryPolicy is the policy NewClient uses unless WithRetryPolicy
// says otherwise, and the source of the waits WithRetryPolicy fills in: up
// to three retries, waiting 500ms, 1s, 2s (with jitter), never longer than
// 30s. A function, so that no importer can change it for everyone.
func defaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}
}

// DefaultRetryPolicy is a copy of the policy a client uses unless
// WithRetryPolicy says otherwise: up to three retries, waiting 500ms, 1s, 2s
// (with jitter), never longer than 30s. It is there to be read: changing it
// has no effect on any client (NewClient and WithRetryPolicy use the SDK's
// own, unexported default); pass WithRetryPolicy to change a client's policy.
var DefaultRetryPolicy = defaultRetryPolicy()

// retryMode says which failures of a request may be retried.
type retryMode int

const (
	retryIdempotent retryMode = iota // GET, PUT, DELETE: transport errors, 429, 5xx
	retryUnsafe                      // POST: only never-sent requests, 429 and 503
	retryNever                       // a body that cannot be replayed
)

// checkRetry decides whether to retry: never once the context is done or
// retries are exhausted; GET, PUT and DELETE on transport errors, 429 and 5xx
// (not 501); POST only when it provably never left the machine, or on 429 and
// 503 (the server did not act); a non-replayable body never.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateOf(ctx)
	mode := retryIdempotent
	if st != nil {
		mode = st.mode
	}
	if mode == retryNever {
		return false, nil
	}
	if err != nil {
		if !transportRetryable(ctx, err) {
			return false, nil
		}
		if mode == retryUnsafe && !neverSent(err) {
			return false, nil
		}
		if st != nil && !neverSent(err) {
			st.mayHaveActed = true
		}
		c.logRetry(ctx, st, nil, err)
		return true, nil
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if wait, ok := retryAfter(resp); ok {
			wait = min(wait, c.retry.MaxWait)
			if dl, has := ctx.Deadline(); has && time.Now().Add(wait).After(dl) {
				return false, nil // the caller's deadline would pass while waiting: fail fast
			}
		}
	case code >= 500 && code != http.StatusNotImplemented:
		if mode == retryUnsafe {
			return false, nil
		}
		if st != nil {
			st.mayHaveActed = true // 500, 502, 504: the service may have acted
		}
	default:
		return false, nil
	}
	c.logRetry(ctx, st, resp, nil)
	return true, nil
}

// logRetry logs "will retry" when a retry really follows: retries are left
// (retryablehttp calls CheckRetry after the last attempt too), the context
// is not done, and its deadline leaves room for the shortest possible wait.
func (c *Client) logRetry(ctx context.Context, st *callState, resp *http.Response, err error) {
	if st == nil || st.attempts > c.retry.MaxRetries || ctx.Err() != nil {
		return
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(c.shortestWait(st.attempts-1, resp)).After(dl) {
		return // retryablehttp will wait, but the deadline ends the call first
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	attrs := []slog.Attr{slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path), slog.Int("attempt", st.attempts)}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", scrubError(err, c.secret).Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: will retry", attrs...)
}

// backoff waits MinWait·2^n with jitter, capped at MaxWait; a Retry-After on
// 429 or 503 is honoured, capped at MaxWait.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := retryAfter(resp); ok {
			return min(wait, maxWait)
		}
	}
	d := exponentialWait(minWait, maxWait, attempt)
	// Equal jitter: between half and all of d, so that many clients spread out.
	if half := d / 2; half > 0 {
		d = half + jitter(half)
	}
	return d
}

// maxRetryAfterSeconds is the largest number of seconds a Duration holds.
const maxRetryAfterSeconds = int64(math.MaxInt64 / time.Second)

// exponentialWait is MinWait·2^attempt, capped at MaxWait, before jitter.
func exponentialWait(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		if d > maxWait/2 {
			return maxWait // doubling would pass MaxWait, or overflow
		}
		d *= 2
	}
	return min(d, maxWait)
}

// shortestWait is the least backoff can wait after the given attempt
// (numbered from 0): the capped Retry-After, or half the exponential wait.
func (c *Client) shortestWait(attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := retryAfter(resp); ok {
			return min(wait, c.retry.MaxWait)
		}
	}
	d := exponentialWait(c.retry.MinWait, c.retry.MaxWait, attempt)
	if half := d / 2; half > 0 {
		return half
	}
	return d
}

// retryAfter reads a Retry-After header in seconds (digits only, as RFC 9110
// says) or as an HTTP date. It saturates: a number of seconds too large for
// a Duration, however many digits, gives the largest Duration, never a
// wrapped or negative one. A date in the past gives 0.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxRetryAfterSeconds { // only too many digits fails here
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// passthroughErrorHandler hands the last response back when retries run out,
// so that it becomes a typed *APIError, and otherwise the error.
func passthroughErrorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		drainClose(resp.Body)
	}
	return nil, err
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

// transportRetryable reports whether a transport error (no answer came) is
// worth sending again, before the per-method rules of checkRetry: what
// go-retryablehttp's own policy (retryablehttp.DefaultRetryPolicy) refuses
// (too many redirects, an unsupported scheme, an invalid header, an
// untrusted certificate) is not retried, nor is what the SDK adds on top:
// a redirect refused for carrying the secret, a Location header net/http
// cannot parse, and a certificate error anywhere in the chain (the library
// looks only at the *url.Error's own cause).
func transportRetryable(ctx context.Context, err error) bool {
	ue, ok := err.(*url.Error)
	if !ok {
		// The library's policy reads only a *url.Error, which is what
		// http.Client.Do returns; wrap anything else so that it is read too.
		ue = &url.Error{Err: err}
	}
	if retry, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, ue); !retry {
		return false
	}
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalid     x509.CertificateInvalidError
	)
	return !(errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		errors.Is(err, errRedirectCarriesSecret) || errors.Is(err, errRedirectOfBodyCredentials) || errors.As(err, new(*redirectRefusedError)) ||
		strings.Contains(err.Error(), "failed to parse Location header"))
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// outcomeOfCreate marks a create whose outcome is unknown: the request may
// have reached the service (a dropped connection, a 500/502/504).
func outcomeOfCreate(err error, filename string) error {
	var re *RequestError
	var ae *APIError
	// A 2xx answer the SDK could not read also leaves the batch's existence open.
	unknown := errors.As(err, &re) && re.Sent ||
		errors.As(err, &ae) && (ae.StatusCode == 500 || ae.StatusCode == 502 || ae.StatusCode == 504) ||
		errors.Is(err, ErrUnexpectedResponse)
	if !unknown {
		return err
	}
	return &outcomeError{err: err, advice: fmt.Sprintf("the batch may or may not have been created; list your batches and look for filename %q before creating it again", filename)}
}

// isTemporary reports errors after which polling again may succeed.
func isTemporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	var re *RequestError
	return errors.As(err, &re) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// uploadMayHaveArrived reports whether an upload failure leaves the outcome
// open: the request may have reached the service, which may have stored it.
func uploadMayHaveArrived(err error) bool {
	var re *RequestError
	if errors.As(err, &re) {
		return re.Sent
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

// uploadPause waits d or until ctx ends.
func uploadPause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// deletedByEarlierAttempt reports whether a DELETE that failed with err
// found the batch gone because an earlier attempt of the same call deleted
// it: a 404 after an attempt that may have acted (no answer after sending,
// or 500/502/504). After a 429 or 503, which the service answers without
// acting, the 404 stands.
func deletedByEarlierAttempt(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.earlierMayHaveActed && errors.Is(err, ErrBatchNotFound)
}

// maxPollFailures is how many polls in a row may fail temporarily (after
// their own retries) before WaitForBatch gives up.
const maxPollFailures = 5

// pollTolerates reports whether WaitForBatch polls again after a poll failed
// with err, failures being the failed polls in a row before this one: a
// temporary failure (429, 5xx, no answer) is ridden out unless it is the
// maxPollFailures-th in a row.
func pollTolerates(err error, failures int) bool {
	return isTemporary(err) && failures+1 < maxPollFailures
}

// resolveUpload settles an upload attempt that failed with err after
// resends re-sends of the data. It returns resend true when the data is to
// be sent again; otherwise the upload is over, with the error it returns
// (nil: the data is stored). A failure that may have reached the service
// (the connection dropped after sending, a 500, 502 or 504) is resolved by
// reading the batch after a backoff: data present means done; none means
// the data can be sent again, for a replayable source up to
// RetryPolicy.MaxRetries times. After such a re-send, 409
// DATA_ALREADY_LOADED means the earlier attempt arrived after all: success.
func (c *Client) resolveUpload(ctx context.Context, op string, id BatchID, err error, resends int, replayable bool) (resend bool, _ error) {
	if resends > 0 && errors.Is(err, ErrBatchHasData) {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: upload already stored by an earlier attempt",
			slog.String("op", op), slog.String("batch", string(id)))
		return false, nil
	}
	if !uploadMayHaveArrived(err) {
		return false, err
	}

	// The data may or may not have arrived: ask the batch.
	if werr := uploadPause(ctx, c.backoff(c.retry.MinWait, c.retry.MaxWait, resends, nil)); werr != nil {
		return false, &uploadOutcomeError{op: op, id: id, err: err, checkErr: werr}
	}
	b, gerr := c.GetBatch(ctx, id)
	if gerr != nil {
		return false, &uploadOutcomeError{op: op, id: id, err: err, checkErr: gerr}
	}
	if b.NumItems > 0 || b.NumColumns > 0 {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: upload outcome resolved: the batch has the data",
			slog.String("op", op), slog.String("batch", string(id)),
			slog.Int("num_items", b.NumItems), slog.Int("num_columns", b.NumColumns))
		return false, nil
	}
	if !replayable {
		return false, fmt.Errorf("%w; the batch has no data, so the upload was NOT stored; the reader cannot be read again, upload the data again", err)
	}
	if resends >= c.retry.MaxRetries {
		return false, fmt.Errorf("%w; sent %d times, and the batch has no data, so the upload was NOT stored and can be uploaded again", err, resends+1)
	}
	return true, nil
}

// lookupOutcomeUnknown reports whether a lookup request that failed with err
// may have run, and been charged: the connection was lost after sending, a
// 500, 502 or 504 came back, or a 2xx answer could not be read.
func lookupOutcomeUnknown(err error) bool {
	var re *RequestError
	var ae *APIError
	return errors.As(err, &re) && re.Sent && !errors.Is(err, errRedirectOfBodyCredentials) ||
		errors.As(err, &ae) && (ae.StatusCode == 500 || ae.StatusCode == 502 || ae.StatusCode == 504) ||
		errors.Is(err, ErrUnexpectedResponse)
}

// lookupPrivateCacheDays is the cache_days_private the caller asked for (0
// when unset or unreadable).
func lookupPrivateCacheDays(args lookupArgs) int {
	raw, ok := args.get(argCacheDaysPrivate)
	if !ok {
		return 0
	}
	n, err := parseResultInt(strings.Trim(string(raw), `"`))
	if err != nil {
		return 0
	}
	return n
}

// lookupRepeatArguments are the options of a repeat of a lookup whose
// outcome is unknown: the caller's, with cache_days_private raised to 1
// when it was below. A number the first attempt looked up is then answered
// from the private cache, free (WIRE.md row L19): the repeat cannot
// charge for it again. ok is false when no repeat is safe: the caller set
// save_to_cache to anything but YES, so the first attempt's lookups may not
// be in the private cache (whether save_to_cache NO also keeps a result
// out of the private cache is not documented; the SDK assumes it may).
func lookupRepeatArguments(args lookupArgs) (_ lookupArgs, ok bool) {
	if raw, set := args.get(argSaveToCache); set && string(raw) != `"YES"` {
		return nil, false
	}
	if lookupPrivateCacheDays(args) >= 1 {
		return args, true // the repeat is the same request, already safe
	}
	return args.with(argCacheDaysPrivate, []byte("1")), true
}

// lookupAnswerIsOurs reports whether r, the answer of a repeat, may be
// handed back as the answer to the caller's request, whose first attempt
// was sent at firstSent (on the service's clock: callStartOnServer): always when the caller allowed the private cache
// (cache_days_private ≥ 1: a cached answer is what was asked for); else
// when it is a per-number error (INSUFFICIENT_CREDIT, INTERNAL_ERROR) or a
// BAD_FORMAT, which come from no lookup, or when its timestamp is not
// before the second the first attempt was sent (timestamps are whole
// seconds): that is our first attempt's lookup, or a fresh one. An older
// timestamp is a cached answer from before the call, which the caller did
// not ask for, and a missing timestamp cannot be told apart from one.
func lookupAnswerIsOurs(r *Result, callerArgs lookupArgs, firstSent time.Time) bool {
	switch {
	case lookupPrivateCacheDays(callerArgs) >= 1:
		return true
	case !r.OK(), r.TelephoneNumberType == NumberTypeBadFormat:
		return true
	case r.Timestamp.IsZero():
		return false
	}
	return !r.Timestamp.Before(firstSent.Truncate(time.Second))
}
