package hlrlookup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
)

// testSecret is distinctive so that any leak is found by a plain substring search.
const (
	testKey    = "key-1234"
	testSecret = "s3cr3t-DO-NOT-LEAK"
)

// newMockClient returns a client over its own mock transport (never the global
// one), with instant retries unless opts say otherwise.
func newMockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	return newMockClientWithSecret(t, testSecret, opts...)
}

// newMockClientWithSecret is newMockClient with another secret.
func newMockClientWithSecret(t *testing.T, secret string, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]Option{
		WithHTTPClient(&http.Client{Transport: mt}),
		WithBaseURL("https://api.test/v1"),
		WithRetryPolicy(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}),
	}, opts...)
	c, err := NewClient(testKey, secret, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

// assertNoSecret fails when the secret shows in any formatting of v.
func assertNoSecret(t *testing.T, what string, v any) {
	t.Helper()
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(f, v); containsSecret(s, testSecret) {
			t.Errorf("%s formatted with %s shows the secret: %s", what, f, s)
		}
	}
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		secret  string
		opts    []Option
		wantErr string // "" means success
	}{
		{name: "defaults", key: "k", secret: "s"},
		{name: "empty key", key: " ", secret: "s", wantErr: "API key is empty"},
		{name: "empty secret", key: "k", secret: "", wantErr: "API secret is empty"},
		{name: "http to a remote host", key: "k", secret: "s", opts: []Option{WithBaseURL("http://example.com")}, wantErr: "must be https"},
		{name: "ftp", key: "k", secret: "s", opts: []Option{WithBaseURL("ftp://example.com")}, wantErr: "scheme must be https"},
		{name: "no host", key: "k", secret: "s", opts: []Option{WithBaseURL("https:///path")}, wantErr: "no host"},
		{name: "user info", key: "k", secret: "s", opts: []Option{WithBaseURL("https://u:p@example.com")}, wantErr: "user information"},
		{name: "query", key: "k", secret: "s", opts: []Option{WithBaseURL("https://example.com/?secret=x")}, wantErr: "must not contain a query"},
		{name: "fragment", key: "k", secret: "s", opts: []Option{WithBaseURL("https://example.com/#f")}, wantErr: "fragment"},
		{name: "http localhost", key: "k", secret: "s", opts: []Option{WithBaseURL("http://localhost:8080")}},
		{name: "http 127.0.0.2", key: "k", secret: "s", opts: []Option{WithBaseURL("http://127.0.0.2:1/base")}},
		{name: "http ::1", key: "k", secret: "s", opts: []Option{WithBaseURL("http://[::1]:9")}},
		{name: "nil http client", key: "k", secret: "s", opts: []Option{WithHTTPClient(nil)}, wantErr: "is nil"},
		{name: "nil logger", key: "k", secret: "s", opts: []Option{WithLogger(nil)}, wantErr: "is nil"},
		{name: "negative retries", key: "k", secret: "s", opts: []Option{WithRetryPolicy(RetryPolicy{MaxRetries: -1})}, wantErr: "MaxRetries -1 is negative"},
		{name: "negative wait", key: "k", secret: "s", opts: []Option{WithRetryPolicy(RetryPolicy{MinWait: -time.Second})}, wantErr: "MinWait -1s is negative"},
		{name: "negative max wait", key: "k", secret: "s", opts: []Option{WithRetryPolicy(RetryPolicy{MaxWait: -time.Second})}, wantErr: "MaxWait -1s is negative"},
		{name: "min over max", key: "k", secret: "s", opts: []Option{WithRetryPolicy(RetryPolicy{MinWait: 2 * time.Second, MaxWait: time.Second})}, wantErr: "longer than MaxWait"},
		{name: "no retries", key: "k", secret: "s", opts: []Option{WithRetryPolicy(RetryPolicy{})}},
		{name: "empty user agent", key: "k", secret: "s", opts: []Option{WithUserAgent(" ")}, wantErr: "user agent is empty"},
		{name: "user agent with newline", key: "k", secret: "s", opts: []Option{WithUserAgent("a\r\nX-Evil: 1")}, wantErr: "line break"},
		{name: "nil option skipped", key: "k", secret: "s", opts: []Option{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.key, tt.secret, tt.opts...)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewClient error = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret=x") {
				t.Errorf("error repeats the query: %v", err)
			}
		})
	}
}

func TestRetryPolicyDefaultsFillZeroWaits(t *testing.T) {
	t.Parallel()
	c, err := NewClient("k", "s", WithRetryPolicy(RetryPolicy{MaxRetries: 7}))
	if err != nil {
		t.Fatal(err)
	}
	want := RetryPolicy{MaxRetries: 7, MinWait: DefaultRetryPolicy.MinWait, MaxWait: DefaultRetryPolicy.MaxWait}
	if c.retry != want || c.rc.RetryMax != 7 || c.rc.RetryWaitMin != want.MinWait || c.rc.RetryWaitMax != want.MaxWait {
		t.Errorf("policy = %+v (rc %d %s %s), want %+v", c.retry, c.rc.RetryMax, c.rc.RetryWaitMin, c.rc.RetryWaitMax, want)
	}
}

func TestWithHTTPClientCopiesAndNeverMutates(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/batches/7", httpmock.NewStringResponder(200, `{"id":"7"}`))
	redirects := func(*http.Request, []*http.Request) error { return nil }
	hc := &http.Client{Transport: mt, Timeout: 42 * time.Second, CheckRedirect: redirects}
	before := *hc

	c, err := NewClient(testKey, testSecret, WithHTTPClient(hc), WithBaseURL("https://api.test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBatch(t.Context(), "7"); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != before.Transport || hc.Timeout != before.Timeout || hc.Jar != before.Jar || fmt.Sprintf("%p", hc.CheckRedirect) != fmt.Sprintf("%p", before.CheckRedirect) {
		t.Errorf("the caller's client changed: %+v, was %+v", *hc, before)
	}
	inner := c.rc.HTTPClient
	if inner == hc {
		t.Fatal("the SDK uses the caller's *http.Client itself, not a copy")
	}
	if inner.Timeout != 42*time.Second {
		t.Errorf("copy lost the Timeout: %s", inner.Timeout)
	}
	at, ok := inner.Transport.(*authTransport)
	if !ok || at.base != mt {
		t.Errorf("the caller's transport is not beneath the credential layer: %T", inner.Transport)
	}
	if c.rc.Logger != nil {
		t.Errorf("retryablehttp has a logger (%T); it would print to stderr", c.rc.Logger)
	}
	if got := mt.GetCallCountInfo()["GET https://api.test/batches/7"]; got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

func TestDefaultTransportIsOwnPool(t *testing.T) {
	t.Parallel()
	c, err := NewClient("k", "s")
	if err != nil {
		t.Fatal(err)
	}
	at := c.rc.HTTPClient.Transport.(*authTransport)
	if at.base == http.DefaultTransport {
		t.Error("the default client shares http.DefaultTransport; retryablehttp's CloseIdleConnections would flush the process-wide pool")
	}
	if c.BaseURL() != DefaultBaseURL+"/" {
		t.Errorf("BaseURL = %q", c.BaseURL())
	}
}

func TestEveryRequestCarriesCredentialsAndUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []Option
		wantUA string
	}{
		{name: "sdk agent", wantUA: "hlrlookup-go/" + Version + " ("},
		{name: "prefixed agent", opts: []Option{WithUserAgent("acme/2.1")}, wantUA: "acme/2.1 hlrlookup-go/" + Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newMockClient(t, tt.opts...)
			var seen []*http.Request
			mt.RegisterResponder(http.MethodGet, `=~^https://api\.test/v1/batches/`, func(r *http.Request) (*http.Response, error) {
				seen = append(seen, r)
				return httpmock.NewStringResponse(200, `{"total":0,"batches":[]}`), nil
			})
			if _, err := c.ListBatches(t.Context(), &ListOptions{Limit: 5}); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 1 {
				t.Fatalf("requests = %d", len(seen))
			}
			q := seen[0].URL.Query()
			if q.Get("apikey") != testKey || q.Get("secret") != testSecret || q.Get("limit") != "5" {
				t.Errorf("query = %v", q)
			}
			if ua := seen[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, tt.wantUA) {
				t.Errorf("User-Agent = %q, want prefix %q", ua, tt.wantUA)
			}
		})
	}
}

func TestResponseRequestURLHasNoCredentials(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/9/results", httpmock.NewStringResponder(200, "a,b\n"))
	resp, err := c.send(t.Context(), &request{op: "test", method: http.MethodGet, path: "batches/9/results"})
	if err != nil {
		t.Fatal(err)
	}
	defer drainClose(resp.Body)
	if resp.Request == nil {
		t.Fatal("no request on the response")
	}
	if u := resp.Request.URL.String(); strings.Contains(u, testSecret) || strings.Contains(u, "apikey") {
		t.Errorf("resp.Request.URL = %s", u)
	}
}

func TestAuthTransportOnlyForTheAPIHost(t *testing.T) {
	t.Parallel()
	var got []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String())
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	at := &authTransport{base: base, scheme: "https", host: "api.test", apiKey: "k", secret: testSecret}
	echoed := "https://evil.test/r?apikey=k&keep=1&secret=" + testSecret
	for _, raw := range []string{"https://api.test/a?x=1", "https://evil.test/a", "http://api.test/a", "https://API.TEST/b", echoed} {
		req, _ := http.NewRequest(http.MethodGet, raw, nil)
		resp, err := at.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if raw == echoed {
			if strings.Contains(resp.Request.URL.String(), testSecret) {
				t.Errorf("resp.Request keeps the echoed secret: %s", resp.Request.URL)
			}
		} else if resp.Request != req {
			t.Errorf("%s: resp.Request is not the caller's request", raw)
		}
		if req.URL.String() != raw {
			t.Errorf("the original request was modified: %s", req.URL)
		}
	}
	want := []string{
		"https://api.test/a?apikey=k&secret=" + testSecret + "&x=1",
		"https://evil.test/a",
		"http://api.test/a", // a downgrade to http never carries the secret
		"https://API.TEST/b?apikey=k&secret=" + testSecret,
		"https://evil.test/r?keep=1", // credentials a server echoed into a redirect are stripped
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientFormattingHidesSecret(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t)
	assertNoSecret(t, "client", c)
	assertNoSecret(t, "client value", *c)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("client", "c", c)
	if strings.Contains(buf.String(), testSecret) || !strings.Contains(buf.String(), "key-****") {
		t.Errorf("slog output: %s", buf.String())
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "Secret: REDACTED") || !strings.Contains(s, "https://api.test/v1/") {
		t.Errorf("String() = %s", s)
	}
	if c.APIKey() != "key-****" || maskKey("abc") != "****" {
		t.Errorf("APIKey() = %s", c.APIKey())
	}
}

// TestSecretNeverLeaks runs every failure path with a debug logger and checks
// the secret appears in no error and no log line.
func TestSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	// A port with nothing listening: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + ln.Addr().String()
	ln.Close()

	// A server whose body is cut short (Content-Length longer than the body).
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"id":"` + r.URL.Query().Get("secret")))
	}))
	t.Cleanup(cut.Close)
	// A server that echoes the secret in its error body, and one that redirects off-host.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, testSecret) {
			t.Errorf("the redirect target received the secret: %s", r.URL.RawQuery)
		}
		http.Error(w, "gone", http.StatusGone)
	}))
	t.Cleanup(other.Close)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/batches/1":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"UNAUTHORIZED","message":"bad secret %s for %s"}`, r.URL.Query().Get("secret"), r.URL.String())
		case "/batches/2":
			http.Redirect(w, r, other.URL+"/elsewhere?"+r.URL.RawQuery, http.StatusFound)
		case "/batches/4":
			http.Redirect(w, r, "/loop/"+r.URL.Query().Get("secret"), http.StatusFound)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, r.URL.String())
		}
	}))
	t.Cleanup(echo.Close)

	tests := []struct {
		name string
		base string
		id   BatchID
		want error
	}{
		{name: "bad credentials echoed", base: echo.URL, id: "1", want: ErrUnauthorized},
		{name: "5xx after retries", base: echo.URL, id: "3", want: ErrServer},
		{name: "connection refused", base: refusedURL, id: "1"},
		{name: "truncated body", base: cut.URL, id: "1", want: ErrUnexpectedResponse},
		{name: "redirect to another host", base: echo.URL, id: "2"},
		{name: "redirect with the secret in its path", base: echo.URL, id: "4", want: errRedirectCarriesSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := NewClient(testKey, testSecret, WithBaseURL(tt.base), WithLogger(logger),
				WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.GetBatch(t.Context(), tt.id)
			if err == nil {
				t.Fatalf("GetBatch = %+v, want an error", b)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
			assertNoSecret(t, "error", err)
			for e := err; e != nil; e = errors.Unwrap(e) {
				assertNoSecret(t, fmt.Sprintf("wrapped %T", e), e)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				if containsSecret(string(ae.Body), testSecret) || containsSecret(ae.Message, testSecret) {
					t.Errorf("APIError keeps the secret: %q / %q", ae.Message, ae.Body)
				}
			}
			if containsSecret(logs.String(), testSecret) {
				t.Errorf("logs show the secret:\n%s", logs.String())
			}
			if !strings.Contains(logs.String(), "hlrlookup: sending") {
				t.Errorf("debug logger got nothing:\n%s", logs.String())
			}
		})
	}
}

func TestLoggerIsSilentByDefaultAndQuietAboveDebug(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, mt := newMockClient(t, WithLogger(logger))
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(200, `{"id":"1"}`))
	if _, err := c.GetBatch(t.Context(), "1"); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("info-level logger got debug lines: %s", logs.String())
	}
	logs.Reset()
	debug := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c2, mt2 := newMockClient(t, WithLogger(debug))
	mt2.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(200, `{"id":"1"}`))
	if _, err := c2.GetBatch(t.Context(), "1"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"op=\"get batch\"", "path=/v1/batches/1", "status=200", "attempts=1"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("debug log lacks %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "apikey") {
		t.Errorf("log shows the query: %s", logs.String())
	}
}

func TestCheckRetry(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }
	tests := []struct {
		name string
		mode retryMode
		resp *http.Response
		err  error
		want bool
	}{
		{"GET 200", retryIdempotent, resp(200), nil, false},
		{"GET 404", retryIdempotent, resp(404), nil, false},
		{"GET 429", retryIdempotent, resp(429), nil, true},
		{"GET 500", retryIdempotent, resp(500), nil, true},
		{"GET 501", retryIdempotent, resp(501), nil, false},
		{"GET 502", retryIdempotent, resp(502), nil, true},
		{"GET 503", retryIdempotent, resp(503), nil, true},
		{"GET 504", retryIdempotent, resp(504), nil, true},
		{"GET reset", retryIdempotent, nil, reset, true},
		{"GET refused", retryIdempotent, nil, refused, true},
		{"GET bad scheme", retryIdempotent, nil, errors.New(`unsupported protocol scheme "x"`), false},
		{"POST 429", retryUnsafe, resp(429), nil, true},
		{"POST 503", retryUnsafe, resp(503), nil, true},
		{"POST 500", retryUnsafe, resp(500), nil, false},
		{"POST 502", retryUnsafe, resp(502), nil, false},
		{"POST refused", retryUnsafe, nil, refused, true},
		{"POST DNS", retryUnsafe, nil, &net.DNSError{Err: "no such host", Name: "x"}, true},
		{"POST reset", retryUnsafe, nil, reset, false},
		{"stream 503", retryNever, resp(503), nil, false},
		{"stream refused", retryNever, nil, refused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.WithValue(t.Context(), callStateKey{}, &callState{mode: tt.mode})
			got, err := c.checkRetry(ctx, tt.resp, tt.err)
			if got != tt.want || err != nil {
				t.Errorf("checkRetry = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("context done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if got, err := c.checkRetry(ctx, resp(503), nil); got || !errors.Is(err, context.Canceled) {
			t.Errorf("checkRetry after cancel = %v, %v", got, err)
		}
	})
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t)
	withRetryAfter := func(code int, v string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {v}}}
	}
	const minW, maxW = 100 * time.Millisecond, 10 * time.Second
	for attempt, full := range []time.Duration{100, 200, 400, 800} {
		full *= time.Millisecond
		for range 20 {
			d := c.backoff(minW, maxW, attempt, nil)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, full/2, full)
			}
		}
	}
	if d := c.backoff(minW, maxW, 40, nil); d > maxW || d < maxW/2 {
		t.Errorf("attempt 40: %s, want capped near %s", d, maxW)
	}
	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"seconds", withRetryAfter(429, "3"), 3 * time.Second},
		{"capped", withRetryAfter(429, "3600"), maxW},
		{"503 too", withRetryAfter(503, "2"), 2 * time.Second},
		{"past date", withRetryAfter(429, "Wed, 21 Oct 2015 07:28:00 GMT"), 0},
		{"negative ignored", withRetryAfter(429, "-5"), -1},
		{"garbage ignored", withRetryAfter(429, "soon"), -1},
		{"500 ignores header", withRetryAfter(500, "7"), -1},
	}
	for _, tt := range tests {
		d := c.backoff(minW, maxW, 0, tt.resp)
		if tt.want == -1 {
			if d < minW/2 || d > minW {
				t.Errorf("%s: %s, want the exponential wait", tt.name, d)
			}
			continue
		}
		if d != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, d, tt.want)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
		if d := c.backoff(minW, time.Hour, 0, withRetryAfter(429, future)); d != 90*time.Second {
			t.Errorf("HTTP-date Retry-After: %s, want 90s", d)
		}
	})
}

func TestSendRefusesDoneContextWithoutIO(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.GetBatch(ctx, "1")
	var re *RequestError
	if !errors.As(err, &re) || re.Sent || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %#v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("calls = %d", n)
	}
	//lint:ignore SA1012 a nil context must be refused, not panic
	if _, err := c.send(nil, &request{op: "x"}); err == nil { //nolint:staticcheck
		t.Error("nil context accepted")
	}
}

func TestRequestErrorDescribesTheCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMockClient(t)
		mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/5", httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}))
		_, err := c.GetBatch(t.Context(), "5")
		var re *RequestError
		if !errors.As(err, &re) {
			t.Fatalf("err = %T %v", err, err)
		}
		if re.Attempts != 3 || !re.Sent || re.Op != "get batch" || re.Path != "/v1/batches/5" {
			t.Errorf("RequestError = %+v", re)
		}
		want := "hlrlookup: get batch: GET /v1/batches/5: "
		if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "(after 3 attempts)") {
			t.Errorf("Error() = %q", err.Error())
		}
		if re.Timeout() {
			t.Error("a reset is not a timeout")
		}
		assertNoSecret(t, "request error", err)
	})
}

func TestDecodeRefusesHTMLAndHugeBodies(t *testing.T) {
	t.Parallel()
	huge := `{"id":"1","filename":"` + strings.Repeat("x", maxMetadataBytes) + `"}`
	tests := []struct {
		name, body, want string
	}{
		{"html", "<html><body>maintenance</body></html>", "HTML instead of JSON"},
		{"empty", "", "empty body"},
		{"too big", huge, "larger than 8 MiB"},
		{"wrong shape", `[1,2]`, "not the expected JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newMockClient(t)
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(200, tt.body))
			_, err := c.GetBatch(t.Context(), "1")
			if !errors.Is(err, ErrUnexpectedResponse) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse with %q", err, tt.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestRedirectCarryingTheSecretIsRefused: a redirect whose URL carries the
// secret, in any part and any encoding, is refused before anything is sent
// to it, on the API's host or another; the error and the debug logs show
// no secret; it is not retried (issue 9, item 6).
func TestRedirectCarryingTheSecretIsRefused(t *testing.T) {
	t.Parallel()
	locations := map[string]string{
		"same host, path":            "/loop/" + redSecret,
		"same host, path-escaped":    "/loop/" + url.PathEscape(redSecret),
		"same host, lower-case hex":  "/loop/Zebra%2fQuartz%2b9f3e-secret",
		"same host, other parameter": "/v1/batches/1?token=" + url.QueryEscape(redSecret),
		"same host, fragment":        "/v1/batches/1#" + url.PathEscape(redSecret),
		"same host, escaped twice":   "/loop/Zebra%252FQuartz%252B9f3e-secret",
		// Found by decoding the URL once, then not recognised in the error's text.
		"same host, escaped three times":  "/loop/Zebra%25252FQuartz%25252B9f3e-secret",
		"other host, query escaped three": "https://evil.test/?next=Zebra%25252FQuartz%25252B9f3e-secret",
		"other host, path":                "https://evil.test/x/" + url.PathEscape(redSecret),
		"other host, query":               "https://evil.test/x?q=" + url.QueryEscape(redSecret),
		"other host, user info":           "https://" + url.PathEscape(redSecret) + "@evil.test/x",
		"other host, HTML-escaped":        "https://evil.test/x/Zebra&#x2F;Quartz&#43;9f3e-secret",
		"other host, JSON \\u002b":        `https://evil.test/x/Zebra\u002FQuartz\u002b9f3e-secret`,
		"other host, echoed + path":       "https://evil.test/" + url.PathEscape(redSecret) + "?apikey=key-1234&secret=" + url.QueryEscape(redSecret),
		"http downgrade, same host":       "http://api.test/x/" + url.PathEscape(redSecret),
		"other host, 307 with a body":     "https://evil.test/x/" + url.PathEscape(redSecret),
	}
	for name, loc := range locations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, mt := newSecretClient(t, WithLogger(logger))
			status := http.StatusFound
			if strings.Contains(name, "307") {
				status = http.StatusTemporaryRedirect
			}
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1",
				httpmock.NewStringResponder(status, "").HeaderSet(http.Header{"Location": {loc}}))
			var sentElsewhere []string
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				sentElsewhere = append(sentElsewhere, r.URL.String())
				return httpmock.NewStringResponse(http.StatusGone, "gone"), nil
			})
			_, err := c.GetBatch(t.Context(), "1")
			if err == nil {
				t.Fatal("the redirect was followed to a success")
			}
			if len(sentElsewhere) > 0 {
				t.Errorf("a request was sent to the redirect target: %q", sentElsewhere)
			}
			if !errors.Is(err, errRedirectCarriesSecret) {
				t.Errorf("err = %v, want the refusal", err)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests, want 1 (a refusal is not retried)", n)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), logs.String()} {
				if containsSecret(s, redSecret) {
					t.Errorf("shows the secret: %s", s)
				}
			}
			if strings.Contains(logs.String(), "will retry") {
				t.Errorf("a refused redirect is retried:\n%s", logs.String())
			}
		})
	}
}

// TestUnparsableLocationIsNotRetried: a Location net/http cannot parse
// fails at once (repeating cannot fix it), and its text, which quotes the
// Location, shows no secret.
func TestUnparsableLocationIsNotRetried(t *testing.T) {
	t.Parallel()
	c, mt := newSecretClient(t)
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1",
		httpmock.NewStringResponder(http.StatusFound, "").HeaderSet(http.Header{"Location": {"/loop/" + redSecret + "%zz\x1b"}}))
	_, err := c.GetBatch(t.Context(), "1")
	if err == nil || !strings.Contains(err.Error(), "failed to parse Location header") {
		t.Fatalf("err = %v", err)
	}
	if containsSecret(fmt.Sprintf("%v %+v %#v", err, err, err), redSecret) {
		t.Errorf("shows the secret: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestRedirectOverTheWire: on real sockets, a 307 to another host with the
// secret in its path never reaches that host, and one that only echoes the
// credentials in its query reaches it without them.
func TestRedirectOverTheWire(t *testing.T) {
	t.Parallel()
	var got []string
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.String()+" "+r.Header.Get("Referer"))
		mu.Unlock()
		http.Error(w, "gone", http.StatusGone)
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/batches/1":
			http.Redirect(w, r, other.URL+"/x/"+url.PathEscape(r.URL.Query().Get("secret")), http.StatusTemporaryRedirect)
		case "/batches/2":
			http.Redirect(w, r, other.URL+"/y?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		case "/batches/3":
			http.Redirect(w, r, "/loop/"+r.URL.Query().Get("secret"), http.StatusFound)
		default:
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}
	}))
	t.Cleanup(api.Close)
	c, err := NewClient(testKey, redSecret, WithBaseURL(api.URL), WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []BatchID{"1", "2", "3"} {
		_, err := c.GetBatch(t.Context(), id)
		if err == nil || containsSecret(fmt.Sprintf("%v %+v %#v", err, err, err), redSecret) {
			t.Errorf("GetBatch(%s) = %v", id, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, g := range got {
		if containsSecret(g, redSecret) || strings.Contains(g, "apikey") {
			t.Errorf("the other host received %s", g)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "/y ") {
		t.Errorf("the other host got %q, want only the credential-free /y", got)
	}
}

// TestRedirectPolicyKeepsTheCallersCheck: the caller's CheckRedirect still
// runs, after the secret check; without one, net/http's limit of 10 holds.
func TestRedirectPolicyKeepsTheCallersCheck(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "=~^https://api.test/v1/batches/",
		httpmock.NewStringResponder(http.StatusFound, "").HeaderSet(http.Header{"Location": {"/v1/batches/1"}}))
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/9",
		httpmock.NewStringResponder(http.StatusFound, "").HeaderSet(http.Header{"Location": {"/x/" + redSecret}}))
	calls := 0
	mine := errors.New("caller's policy")
	hc := &http.Client{Transport: mt, CheckRedirect: func(*http.Request, []*http.Request) error { calls++; return mine }}
	c, err := NewClient(testKey, redSecret, WithHTTPClient(hc), WithBaseURL("https://api.test/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBatch(t.Context(), "1"); !errors.Is(err, mine) || calls != 1 {
		t.Errorf("caller's CheckRedirect: err %v, %d calls", err, calls)
	}
	if _, err := c.GetBatch(t.Context(), "9"); !errors.Is(err, errRedirectCarriesSecret) || calls != 1 {
		t.Errorf("secret redirect: err %v, caller's check called %d times (want it not reached)", err, calls)
	}
	c2, _ := newSecretClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	hc2 := *c2.rc.HTTPClient
	hc2.Transport.(*authTransport).base = mt
	c2.rc.HTTPClient = &hc2
	if _, err := c2.GetBatch(t.Context(), "1"); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("default limit: err = %v", err)
	}
}

// TestRetryAfterSaturates: a Retry-After too large for a Duration saturates
// instead of wrapping to a negative or small wait (issue 9, item 11).
func TestRetryAfterSaturates(t *testing.T) {
	t.Parallel()
	ra := func(v string) *http.Response {
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {v}}}
	}
	const maxDur = time.Duration(math.MaxInt64)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"5", 5 * time.Second, true},
		{"007", 7 * time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", maxDur, true},
		{"99999999999", maxDur, true},
		{"9223372036854775808", maxDur, true},
		{strings.Repeat("9", 40), maxDur, true},
		{"1" + strings.Repeat("0", 30), maxDur, true},
		{"-5", 0, false},
		{"+5", 0, false},
		{"5s", 0, false},
		{"1e3", 0, false},
		{"Fri, 31 Dec 9999 23:59:59 GMT", maxDur, true},
		{"Mon, 01 Jan 0001 00:00:00 GMT", 0, true},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(ra(tt.value))
		if ok != tt.ok || got != tt.want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
	c, _ := newMockClient(t)
	for _, v := range []string{"9223372037", "99999999999", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		if d := c.backoff(time.Millisecond, 5*time.Second, 0, ra(v)); d != 5*time.Second {
			t.Errorf("backoff with Retry-After %s = %v, want MaxWait 5s", v, d)
		}
	}
	for attempt := range 100 {
		if d := c.backoff(time.Second, maxDur, attempt, nil); d <= 0 {
			t.Fatalf("backoff(attempt %d, MaxWait max) = %v", attempt, d)
		}
	}
}

// TestHugeRetryAfterWaitsMaxWait: with MaxWait 5s, four 429s carrying
// Retry-After 9223372037 take three waits of 5s, and the error's RetryAfter
// is positive.
func TestHugeRetryAfterWaitsMaxWait(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"9223372037", "99999999999"} {
		synctest.Test(t, func(t *testing.T) {
			c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Second}))
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1",
				httpmock.NewStringResponder(429, "").HeaderSet(http.Header{"Retry-After": {v}}))
			start := time.Now()
			_, err := c.GetBatch(t.Context(), "1")
			var ae *APIError
			if !errors.As(err, &ae) || !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v", err)
			}
			if el := time.Since(start); el != 15*time.Second {
				t.Errorf("Retry-After %s: elapsed %v, want 3 × MaxWait = 15s", v, el)
			}
			if ae.RetryAfter != time.Duration(math.MaxInt64) {
				t.Errorf("Retry-After %s: APIError.RetryAfter = %v", v, ae.RetryAfter)
			}
			if n := mt.GetTotalCallCount(); n != 4 {
				t.Errorf("%d requests, want 4", n)
			}
		})
	}
}

// recordHandler is a slog.Handler that keeps every record.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// retryAttempts returns the attempt attribute of each "will retry" record.
func (h *recordHandler) retryAttempts() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int64
	for _, r := range h.records {
		if r.Message != "hlrlookup: will retry" {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "attempt" {
				out = append(out, a.Value.Int64())
			}
			return true
		})
	}
	return out
}

// TestWillRetryOnlyWhenARetryFollows: "will retry" is logged once per retry
// that really follows, never on the final attempt (issue 9, item 12).
func TestWillRetryOnlyWhenARetryFollows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxRetries int
		timeout    time.Duration
		responder  httpmock.Responder
		want       []int64
		calls      int
	}{
		{"503 every time", 3, 0, httpmock.NewStringResponder(503, ""), []int64{1, 2, 3}, 4},
		{"reset every time", 2, 0, httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), []int64{1, 2}, 3},
		{"no retries", 0, 0, httpmock.NewStringResponder(500, ""), nil, 1},
		// The shortest backoff (half of MinWait 1ms) outlasts the deadline.
		{"deadline before the wait ends", 3, 100 * time.Microsecond, httpmock.NewStringResponder(503, ""), nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				h := &recordHandler{}
				c, mt := newMockClient(t, WithLogger(slog.New(h)),
					WithRetryPolicy(RetryPolicy{MaxRetries: tt.maxRetries, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
				mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", tt.responder)
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				if _, err := c.GetBatch(ctx, "1"); err == nil {
					t.Fatal("no error")
				}
				if got := h.retryAttempts(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("will retry at attempts %v, want %v", got, tt.want)
				}
				if n := mt.GetTotalCallCount(); n != tt.calls {
					t.Errorf("%d requests, want %d", n, tt.calls)
				}
			})
		})
	}
}

// TestRedirectRefusalIsNeverRetried: a redirect the caller's CheckRedirect
// refuses (whatever its wording) or net/http's limit stops is final: asking
// again meets the same redirect. http.ErrUseLastResponse still hands back
// the redirect itself.
func TestRedirectRefusalIsNeverRetried(t *testing.T) {
	t.Parallel()
	for _, refusal := range []error{
		errors.New("caller's policy"),
		errors.New("stopped after 1 redirects: policy"), // not the library's own wording at the end
		nil, // net/http's limit of 10
	} {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, "=~^https://api.test/v1/batches/",
			httpmock.NewStringResponder(http.StatusFound, "").HeaderSet(http.Header{"Location": {"/v1/batches/1"}}))
		hc := &http.Client{Transport: mt}
		if refusal != nil {
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return refusal }
		}
		c, err := NewClient(testKey, testSecret, WithHTTPClient(hc), WithBaseURL("https://api.test/v1"),
			WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinWait: time.Nanosecond, MaxWait: time.Nanosecond}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBatch(t.Context(), "1")
		if err == nil || refusal != nil && !errors.Is(err, refusal) {
			t.Errorf("refusal %v: err = %v", refusal, err)
		}
		want := 1
		if refusal == nil {
			want = 10 // the first request and nine redirects; the tenth is refused
		}
		if n := mt.GetTotalCallCount(); n != want {
			t.Errorf("refusal %v: %d requests, want %d (no retry)", refusal, n, want)
		}
	}

	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1",
		httpmock.NewStringResponder(http.StatusFound, "").HeaderSet(http.Header{"Location": {"/v1/batches/2"}}))
	hc := &http.Client{Transport: mt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c, err := NewClient(testKey, testSecret, WithHTTPClient(hc), WithBaseURL("https://api.test/v1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBatch(t.Context(), "1")
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusFound || mt.GetTotalCallCount() != 1 {
		t.Errorf("ErrUseLastResponse: err = %v, %d requests; want the 302 as an *APIError, one request", err, mt.GetTotalCallCount())
	}
}
