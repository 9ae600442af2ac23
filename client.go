package hlrlookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the batches service's address.
const DefaultBaseURL = "https://batches.hlrlookup.com"

// Version is this SDK's version; it is part of the User-Agent header.
const Version = "0.1.0"

// maxMetadataBytes bounds how much of a metadata response (a batch, a list of
// batches) is read: a larger body is refused instead of buffered.
const maxMetadataBytes = 8 << 20

// Client talks to the batches service. It is safe for concurrent use by many
// goroutines; create one per set of credentials and reuse it.
//
// A Client prints no secrets: formatting it with %v, %+v or %#v, or logging
// it with slog, shows the base URL and a masked API key only.
type Client struct {
	baseURL   *url.URL // always ends in "/"
	lookupURL *url.URL // the instant lookups' base (APIv2); always ends in "/"
	apiKey    string
	secret    string
	userAgent string
	retry     RetryPolicy
	logger    *slog.Logger // never nil; discards unless WithLogger was given
	rc        *retryablehttp.Client
}

// Option configures a Client in NewClient. Options validate their arguments
// and make NewClient return an error when they are wrong.
type Option func(*options) error

type options struct {
	baseURL    string
	lookupURL  string
	httpClient *http.Client
	retry      RetryPolicy
	logger     *slog.Logger
	userAgent  string
}

// WithBaseURL points the client at another address, such as the fake service
// of package hlrlookuptest. It must be https, except for loopback hosts
// (localhost, 127.0.0.0/8, ::1), and may carry a path prefix but no query,
// fragment or user information.
func WithBaseURL(rawURL string) Option {
	return func(o *options) error {
		if _, err := parseBaseURL(rawURL); err != nil {
			return err
		}
		o.baseURL = rawURL
		return nil
	}
}

// WithHTTPClient makes the client send through hc (its Transport, Timeout,
// Jar and CheckRedirect). hc is copied, never modified: the SDK places its
// retry layer above the copy and its credential layer beneath it.
//
// Note that a Timeout on hc bounds each attempt including the download of a
// results file; prefer a context deadline for whole calls.
//
// Warning: hc's Transport sends the request, so it sees the credentials:
// r.URL carries ?apikey=…&secret=… (an instant lookup's body carries
// api_key and api_secret). A tracing or logging wrapper there (otelhttp, a
// dumping RoundTripper) records the secret unless you make it drop the
// query and the body. The SDK's own logs and errors never show it.
//
// A redirect whose URL carries the secret is refused before anything is
// sent to it; hc's CheckRedirect, if any, runs after that check (without
// one, at most 10 redirects are followed, as by net/http).
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("hlrlookup: WithHTTPClient: the *http.Client is nil")
		}
		o.httpClient = hc
		return nil
	}
}

// WithRetryPolicy replaces the default policy (see DefaultRetryPolicy). A
// zero MinWait or MaxWait takes the default's value; negative numbers and MinWait > MaxWait are
// refused. MaxRetries 0 disables retries.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		switch {
		case p.MaxRetries < 0:
			return fmt.Errorf("hlrlookup: WithRetryPolicy: MaxRetries %d is negative; use 0 to disable retries", p.MaxRetries)
		case p.MinWait < 0:
			return fmt.Errorf("hlrlookup: WithRetryPolicy: MinWait %s is negative", p.MinWait)
		case p.MaxWait < 0:
			return fmt.Errorf("hlrlookup: WithRetryPolicy: MaxWait %s is negative", p.MaxWait)
		}
		if p.MinWait == 0 {
			p.MinWait = defaultRetryPolicy().MinWait
		}
		if p.MaxWait == 0 {
			p.MaxWait = max(defaultRetryPolicy().MaxWait, p.MinWait)
		}
		if p.MinWait > p.MaxWait {
			return fmt.Errorf("hlrlookup: WithRetryPolicy: MinWait %s is longer than MaxWait %s", p.MinWait, p.MaxWait)
		}
		o.retry = p
		return nil
	}
}

// WithLogger makes the client log each attempt, retry and failure to l:
// method, path, status, attempt and duration at debug level, never the query
// string or a credential. Without it the client logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("hlrlookup: WithLogger: the *slog.Logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithUserAgent puts ua (your product, e.g. "acme-cleaner/2.1") in front of
// the SDK's own User-Agent.
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		ua = strings.TrimSpace(ua)
		if ua == "" {
			return errors.New("hlrlookup: WithUserAgent: the user agent is empty")
		}
		if strings.ContainsAny(ua, "\r\n\x00") {
			return fmt.Errorf("hlrlookup: WithUserAgent: %q contains a line break or NUL", ua)
		}
		o.userAgent = ua
		return nil
	}
}

// NewClient returns a client for the account with the given API key and
// secret. It makes no request. Errors come only from empty credentials and
// invalid options.
func NewClient(apiKey, secret string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("hlrlookup: NewClient: the API key is empty")
	}
	if strings.TrimSpace(secret) == "" {
		return nil, errors.New("hlrlookup: NewClient: the API secret is empty")
	}
	o := options{baseURL: DefaultBaseURL, lookupURL: DefaultLookupURL, retry: defaultRetryPolicy()}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(o.baseURL)
	if err != nil {
		return nil, err
	}
	lookupBase, err := parseBaseURL(o.lookupURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:   base,
		lookupURL: lookupBase,
		apiKey:    apiKey,
		secret:    secret,
		userAgent: sdkUserAgent(o.userAgent),
		retry:     o.retry,
		logger:    o.logger,
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}

	// The caller's client is copied; its transport goes beneath the credential layer.
	var hc http.Client
	if o.httpClient != nil {
		hc = *o.httpClient
	}
	base2 := hc.Transport
	if base2 == nil {
		// Our own pooled transport, so that retryablehttp's CloseIdleConnections
		// after a failure never flushes http.DefaultTransport's shared pool.
		t := cleanhttp.DefaultPooledTransport()
		// Every request goes to one host: let the whole idle pool serve it,
		// or goroutines sharing the client beyond GOMAXPROCS+1 connections
		// dial (and handshake) anew for most requests.
		t.MaxIdleConnsPerHost = t.MaxIdleConns
		base2 = t
	}
	hc.Transport = &authTransport{base: base2, scheme: base.Scheme, host: base.Host, apiKey: apiKey, secret: secret}
	hc.CheckRedirect = checkRedirect(secret, hc.CheckRedirect)

	c.rc = &retryablehttp.Client{
		HTTPClient:     &hc,
		Logger:         nil, // the SDK logs for itself, without URLs
		RetryWaitMin:   c.retry.MinWait,
		RetryWaitMax:   c.retry.MaxWait,
		RetryMax:       c.retry.MaxRetries,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		ErrorHandler:   passthroughErrorHandler,
		RequestLogHook: c.logAttempt,
	}
	return c, nil
}

// BaseURL returns the address the client sends to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// APIKey returns the client's API key, masked for display: its first four
// characters and "****".
func (c *Client) APIKey() string { return maskKey(c.apiKey) }

// String describes the client without its secret. The formatting methods
// have value receivers so that a copied Client value is redacted too.
func (c Client) String() string {
	return fmt.Sprintf("hlrlookup.Client{BaseURL: %q, APIKey: %q, Secret: REDACTED}", c.baseURL.String(), maskKey(c.apiKey))
}

// GoString describes the client for %#v without its secret.
func (c Client) GoString() string { return "&" + c.String() }

// Format prints the client for every fmt verb without its secret.
func (c Client) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, c.GoString())
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue describes the client to slog without its secret.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.baseURL.String()), slog.String("api_key", maskKey(c.apiKey)))
}

func maskKey(k string) string {
	if len(k) <= 4 {
		return "****"
	}
	return k[:4] + "****"
}

func sdkUserAgent(prefix string) string {
	ua := fmt.Sprintf("hlrlookup-go/%s (%s; %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if prefix != "" {
		ua = prefix + " " + ua
	}
	return ua
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("hlrlookup: base URL %q: %v", raw, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("hlrlookup: base URL %q: the scheme must be https", raw)
	case u.Host == "":
		return nil, fmt.Errorf("hlrlookup: base URL %q: no host", raw)
	case u.User != nil:
		return nil, errors.New("hlrlookup: base URL: must not contain user information")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("hlrlookup: base URL %q: must not contain a query; credentials are added by the client", u.Scheme+"://"+u.Host+u.Path)
	case u.Fragment != "":
		return nil, fmt.Errorf("hlrlookup: base URL %q: must not contain a fragment", raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("hlrlookup: base URL %q: the scheme must be https (plain http is allowed only for loopback hosts, since the secret travels in the URL)", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one call to the API as the operations describe it; send turns it
// into HTTP.
type request struct {
	op          string     // what the user called, e.g. "create batch"
	base        *url.URL   // the base r.path is relative to; nil means the batches' base URL
	method      string     // HTTP method
	path        string     // relative to the base URL, e.g. "batches/42"
	query       url.Values // built by encodeQuery; never credentials
	jsonBody    any        // marshalled as the body when non-nil
	body        func() (io.Reader, error)
	contentType string
	headers     http.Header // extra request headers (an instant lookup's ReferenceID, AccountID)
	size        int64       // Content-Length of body; -1 unknown
	mode        retryMode
	// bodyCredentials: the credentials travel in the JSON body (an instant
	// lookup); authTransport adds none to the query and a redirect is
	// refused, since following it could send the body elsewhere.
	bodyCredentials bool
	// buffer reads a 2xx body (at most maxMetadataBytes+1) inside the retry
	// loop, so that a body cut short counts as a failed attempt: retried
	// like a dropped connection when the mode allows, else a *RequestError
	// with Sent true.
	buffer bool
}

// callState travels in the request context so that the retry hooks, which
// see only the context, know the request's retry mode, and so that the
// pipeline learns how many attempts were made.
type callState struct {
	op       string
	method   string
	path     string
	mode     retryMode
	attempts int
	started  time.Time
	// bodyCredentials: see request.bodyCredentials.
	bodyCredentials bool
	// mayHaveActed: an attempt before the last may have reached the
	// service and been applied (sent, then no answer, or 500/502/504).
	mayHaveActed bool
}

type callStateKey struct{}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

// send is the one place that builds, sends, retries and classifies requests.
// It returns a 2xx response whose body the caller must close, or an error: a
// *APIError for a non-2xx answer, a *RequestError when no answer came.
//
// The pipeline, from the operation down:
//
//	operation (GetBatch, UploadFile, …) → send → go-retryablehttp (retries,
//	backoff) → authTransport (credentials; transport.go) → the caller's
//	transport (WithHTTPClient) or the SDK's pooled one
//
// Of go-retryablehttp's hooks the SDK overrides CheckRetry (checkRetry),
// Backoff (backoff), ErrorHandler (passthroughErrorHandler) and
// RequestLogHook (logAttempt); its Logger is nil, since the SDK logs for
// itself, without URLs. Those hooks see only a context, a response, an
// error or an attempt number, never this call: so the call's state (its
// operation, its retry mode, the attempts made, whether an earlier attempt
// may have acted) travels in the request's context as a *callState, which
// the hooks read with stateOf and send reads back after the last attempt.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("hlrlookup: %s: nil context", r.op)
	}
	base := c.baseURL
	if r.base != nil {
		base = r.base
	}
	u := *base
	u.Path = base.Path + r.path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}

	st := &callState{op: r.op, method: r.method, path: u.Path, mode: r.mode, started: time.Now(), bodyCredentials: r.bodyCredentials}
	if err := ctx.Err(); err != nil { // nothing was sent
		return nil, &RequestError{Op: r.op, Method: r.method, Path: u.Path, Attempts: 0, Err: err}
	}
	ctx = context.WithValue(ctx, callStateKey{}, st)

	var body any // what retryablehttp replays
	switch {
	case r.jsonBody != nil:
		b, err := json.Marshal(r.jsonBody)
		if err != nil {
			return nil, fmt.Errorf("hlrlookup: %s: encoding the request: %w", r.op, err)
		}
		body = b
	case r.body != nil:
		body = retryablehttp.ReaderFunc(r.body)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, c.transportError(ctx, st, err)
	}
	if r.body != nil && r.size >= 0 {
		req.ContentLength = r.size // a file section has no Len(); without this it would go chunked
		if r.size == 0 {
			req.Body = http.NoBody
		}
	}
	if r.mode == retryNever && r.body != nil {
		// A body read once cannot be sent again: without GetBody net/http
		// answers a 307 or 308 with the redirect itself instead of
		// following it with what is left of the reader (nothing).
		req.GetBody = nil
	}
	if r.buffer {
		req.SetResponseHandler(bufferBody)
	}
	for k, vs := range r.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json, text/csv;q=0.9, */*;q=0.5")
	switch {
	case r.contentType != "":
		req.Header.Set("Content-Type", r.contentType)
	case r.jsonBody != nil:
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.rc.Do(req)
	if err != nil {
		if resp != nil {
			drainClose(resp.Body)
		}
		return nil, c.transportError(ctx, st, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: done",
			slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", st.attempts), slog.Duration("elapsed", time.Since(st.started)))
		return resp, nil
	}
	apiErr := c.newAPIError(st, resp)
	c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: failed",
		slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path),
		slog.Int("status", resp.StatusCode), slog.String("code", apiErr.Code), slog.Int("attempts", st.attempts))
	return nil, apiErr
}

// encodeQuery encodes v, a struct whose url tags name the parameters, with
// go-querystring: the one way the SDK builds a query string (ListOptions for
// the list's offset and limit, uploadQuery for an upload's column,
// resultsQuery for the results' format). The credentials are never part of
// it: authTransport adds them beneath the retry layer.
func encodeQuery(op string, v any) (url.Values, error) {
	q, err := query.Values(v)
	if err != nil {
		return nil, fmt.Errorf("hlrlookup: %s: %w", op, err)
	}
	return q, nil
}

// sendJSON sends r and decodes a 2xx JSON answer into v (when v is not nil),
// reading at most maxMetadataBytes.
func (c *Client) sendJSON(ctx context.Context, r *request, v any) error {
	r.buffer = v != nil
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer drainClose(resp.Body)
	if v == nil {
		return nil
	}
	return decodeJSONBody(r.op, r.method, resp, v, c.secret)
}

// bufferBody reads a 2xx body into memory, bounded; a read failure (the
// connection dropped mid-body) fails the attempt. Other answers are left for
// newAPIError.
func bufferBody(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%w: reading the response: %w", ErrUnexpectedResponse, err)
	}
	resp.Body = &bufferedBody{Reader: bytes.NewReader(data), data: data}
	return nil
}

// bufferedBody is a body bufferBody read; decodeJSONBody uses its bytes
// without copying them again.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (*bufferedBody) Close() error { return nil }

// decodeJSONBody decodes a 2xx JSON answer into v. Its errors quote what the
// server sent (a value that is not a number, say), so their text is scrubbed
// of the secret and escaped.
func decodeJSONBody(op, method string, resp *http.Response, v any, secret string) error {
	var data []byte
	var err error
	if bb, ok := resp.Body.(*bufferedBody); ok {
		data = bb.data
	} else {
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	}
	where := escapeControl(fmt.Sprintf("hlrlookup: %s: %s %s", op, method, resp.Request.URL.Path)) // a redirect's path comes from the server
	if err != nil {
		return fmt.Errorf("%s: %w: reading the response: %w", where, ErrUnexpectedResponse, err)
	}
	if len(data) > maxMetadataBytes {
		return fmt.Errorf("%s: %w: the response is larger than %d MiB", where, ErrUnexpectedResponse, maxMetadataBytes>>20)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w: %s (Content-Type %q, %d bytes): %s",
			where, ErrUnexpectedResponse, describeBody(data), escapeControl(scrubString(resp.Header.Get("Content-Type"), secret)), len(data),
			escapeControl(scrubString(err.Error(), secret)))
	}
	return nil
}

func describeBody(b []byte) string {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return "empty body"
	case t[0] == '<':
		return "HTML instead of JSON"
	default:
		return "not the expected JSON"
	}
}

// drainClose reads a little of what is left so the connection can be reused,
// then closes the body.
func drainClose(rc io.ReadCloser) {
	if rc == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 4<<10))
	_ = rc.Close()
}

// logAttempt counts attempts (retryablehttp numbers them from 0) and logs each.
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	st := stateOf(req.Context())
	if st == nil {
		return
	}
	st.attempts = attempt + 1
	c.logger.LogAttrs(req.Context(), slog.LevelDebug, "hlrlookup: sending",
		slog.String("op", st.op), slog.String("method", st.method), slog.String("path", st.path),
		slog.Int("attempt", st.attempts))
}
