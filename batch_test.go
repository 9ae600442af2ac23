package hlrlookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
)

// Test fixtures of batch_test.go. The base URL has a path so that a method
// that used an absolute path would miss every responder.
const (
	btKey    = "key-0123456789"
	btSecret = "s3cr3t-DO-NOT-LEAK"
	btBase   = "https://api.test/v1"
	btRoot   = "https://api.test/v1/batches/"
	btOne    = "https://api.test/v1/batches/42"
	btOneCmd = "https://api.test/v1/batches/42/"
)

// btClient returns a client on a fresh mock transport; an unregistered
// request fails the test.
func btClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]Option{WithHTTPClient(&http.Client{Transport: mt}), WithBaseURL(btBase)}, opts...)
	c, err := NewClient(btKey, btSecret, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mt
}

// btPolicy is a retry policy with round numbers for fake-time tests.
func btPolicy(retries int, minWait, maxWait time.Duration) Option {
	return WithRetryPolicy(RetryPolicy{MaxRetries: retries, MinWait: minWait, MaxWait: maxWait})
}

func btFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// btJSON answers status with body as JSON.
func btJSON(status int, body string) httpmock.Responder {
	return httpmock.NewStringResponder(status, body).HeaderSet(http.Header{"Content-Type": {"application/json"}})
}

// btRetryAfter answers status with a Retry-After header and an empty body.
func btRetryAfter(status int, after string) httpmock.Responder {
	return httpmock.NewStringResponder(status, "").HeaderSet(http.Header{"Retry-After": {after}})
}

// btSeq answers with each responder once, in order; the last one repeats.
func btSeq(rs ...httpmock.Responder) httpmock.Responder {
	r := rs[0]
	for _, n := range rs[1:] {
		r = r.Then(n)
	}
	return r
}

// btRefused is what a dial to a closed port returns.
func btRefused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443},
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// errBtReset is a transport failure after the request may have been sent.
var errBtReset = errors.New("read tcp 192.0.2.1:443: connection reset by peer")

// btNoLeak fails when err, printed in any way, shows the secret.
func btNoLeak(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err), fmt.Sprintf("%s %q", err, err)} {
		if strings.Contains(s, btSecret) || strings.Contains(s, url.QueryEscape(btSecret)) {
			t.Fatalf("the secret leaks into the error: %s", s)
		}
	}
	// Every wrapped error too.
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), btSecret) {
			t.Fatalf("the secret leaks into a wrapped error: %s", e.Error())
		}
	}
}

// btWantInput checks an error refused before any I/O.
func btWantInput(t *testing.T, err error, mt *httpmock.MockTransport, want ...string) {
	t.Helper()
	btNoLeak(t, err)
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err %T is not an *InputError", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d HTTP calls, want none before validation", n)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err.Error(), w)
		}
	}
}

// btCall is one request as the mock saw it (credentials included).
type btCall struct {
	Method, Path, ContentType, Body string
	Query                           url.Values
	At                              time.Time
}

type btRecorder struct {
	mu    sync.Mutex
	calls []btCall
}

func (r *btRecorder) wrap(next httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		r.mu.Lock()
		r.calls = append(r.calls, btCall{Method: req.Method, Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"),
			Body: string(body), Query: req.URL.Query(), At: time.Now()})
		r.mu.Unlock()
		return next(req)
	}
}

func (r *btRecorder) all() []btCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]btCall(nil), r.calls...)
}

func btCreds() url.Values { return url.Values{"apikey": {btKey}, "secret": {btSecret}} }

func btPtr[T any](v T) *T { return &v }

// btSameBatch compares batches, times with Equal.
func btSameBatch(t *testing.T, got, want *Batch) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("batch = %+v, want %+v", got, want)
		}
		return
	}
	g, w := *got, *want
	if !g.CreationDate.Equal(w.CreationDate) {
		t.Errorf("CreationDate = %v, want %v", g.CreationDate, w.CreationDate)
	}
	switch {
	case (g.ScheduledStart == nil) != (w.ScheduledStart == nil):
		t.Errorf("ScheduledStart = %v, want %v", g.ScheduledStart, w.ScheduledStart)
	case g.ScheduledStart != nil && !g.ScheduledStart.Equal(*w.ScheduledStart):
		t.Errorf("ScheduledStart = %v, want %v", *g.ScheduledStart, *w.ScheduledStart)
	}
	g.CreationDate, w.CreationDate, g.ScheduledStart, w.ScheduledStart = time.Time{}, time.Time{}, nil, nil
	g.Arguments, w.Arguments = btExported(g.Arguments), btExported(w.Arguments)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("batch =\n %#v\nwant\n %#v", g, w)
	}
}

// btCreated is testdata/batch_create.json decoded.
func btCreated() *Batch {
	return &Batch{ID: "42", Filename: "customers.csv", OwnerName: "1077", Type: BatchTypeHLRV2,
		Arguments:    BatchArguments{CacheDaysPrivate: btPtr(7), SaveToCache: btPtr(false)},
		CreationDate: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC), Status: StatusPaused}
}

// ---------------------------------------------------------------- CreateBatch

func TestCreateBatchRequest(t *testing.T) {
	t.Parallel()
	all := &BatchArguments{
		CacheDaysPrivate: btPtr(30), CacheDaysGlobal: btPtr(7), SaveToCache: btPtr(false),
		InputFormat: "GBR", OutputFormat: "PLUS_E164", GetPortedDate: btPtr(true),
		GetLandlineStatus: btPtr(false), USAStatus: btPtr(true),
		Extra: map[string]any{"priority": "low", "nested": map[string]any{"a": []any{1, "b"}}, "flag": true},
	}
	tests := []struct {
		name string
		nb   NewBatch
		want string
	}{
		{"empty", NewBatch{}, `{"type":"HLR_V2"}`},
		{"filename, type defaults to HLR_V2", NewBatch{Filename: "customers.csv"}, `{"filename":"customers.csv","type":"HLR_V2"}`},
		{"explicit type", NewBatch{Type: BatchTypeHLRLookup}, `{"type":"HLR_LOOKUP"}`},
		{"unicode filename", NewBatch{Filename: "Kunden – März.csv"}, `{"filename":"Kunden – März.csv","type":"HLR_V2"}`},
		{"empty arguments", NewBatch{Arguments: &BatchArguments{}}, `{"type":"HLR_V2","batchArguments":{}}`},
		{"zero days and false", NewBatch{Arguments: &BatchArguments{CacheDaysPrivate: btPtr(0), CacheDaysGlobal: btPtr(0), SaveToCache: btPtr(false)}},
			`{"type":"HLR_V2","batchArguments":{"cache_days_global":0,"cache_days_private":0,"save_to_cache":"NO"}}`},
		{"only output format", NewBatch{Arguments: &BatchArguments{OutputFormat: "USA"}},
			`{"type":"HLR_V2","batchArguments":{"output_format":"USA"}}`},
		{"every argument and extra keys", NewBatch{Filename: "all.csv", Arguments: all},
			`{"filename":"all.csv","type":"HLR_V2","batchArguments":{"cache_days_global":7,"cache_days_private":30,"flag":true,` +
				`"get_landline_status":"NO","get_ported_date":"YES","input_format":"GBR","nested":{"a":[1,"b"]},"output_format":"PLUS_E164",` +
				`"priority":"low","save_to_cache":"NO","usa_status":"YES"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			var rec btRecorder
			mt.RegisterResponder(http.MethodPost, btRoot, rec.wrap(btJSON(201, btFile(t, "batch_create.json"))))
			b, err := c.CreateBatch(t.Context(), tt.nb)
			if err != nil {
				t.Fatalf("CreateBatch: %v", err)
			}
			btSameBatch(t, b, btCreated())
			calls := rec.all()
			if len(calls) != 1 || mt.GetTotalCallCount() != 1 {
				t.Fatalf("%d calls, want 1", len(calls))
			}
			got := calls[0]
			if got.Method != http.MethodPost || got.Path != "/v1/batches/" {
				t.Errorf("request %s %s, want POST /v1/batches/", got.Method, got.Path)
			}
			if !reflect.DeepEqual(got.Query, btCreds()) {
				t.Errorf("query %v, want exactly apikey and secret", got.Query)
			}
			if got.ContentType != "application/json" {
				t.Errorf("Content-Type %q", got.ContentType)
			}
			if got.Body != tt.want {
				t.Errorf("body\n got %s\nwant %s", got.Body, tt.want)
			}
		})
	}
}

func TestCreateBatchAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
	}{
		{"200", 200, btFile(t, "batch_create.json"), nil},
		{"201", 201, btFile(t, "batch_create.json"), nil},
		{"no id", 201, `{"filename":"customers.csv","status":"PAUSED"}`, ErrUnexpectedResponse},
		{"empty id", 200, `{"id":"","filename":"customers.csv"}`, ErrUnexpectedResponse},
		{"null id", 200, `{"id":null}`, ErrUnexpectedResponse},
		{"empty object", 201, `{}`, ErrUnexpectedResponse},
		{"HTML", 200, `<html><body>Welcome</body></html>`, ErrUnexpectedResponse},
		{"empty body", 201, ``, ErrUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			mt.RegisterResponderWithQuery(http.MethodPost, btRoot, map[string]string{"apikey": btKey, "secret": btSecret}, btJSON(tt.status, tt.body))
			b, err := c.CreateBatch(t.Context(), NewBatch{Filename: "customers.csv"})
			btNoLeak(t, err)
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d calls, want 1", n)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("CreateBatch: %v", err)
				}
				btSameBatch(t, b, btCreated())
				return
			}
			if !errors.Is(err, tt.wantErr) || b != nil {
				t.Fatalf("CreateBatch = %v, %v; want nil, %v", b, err, tt.wantErr)
			}
		})
	}
}

func TestCreateBatchValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		nb   NewBatch
		want []string
	}{
		{"cache days private -1", NewBatch{Arguments: &BatchArguments{CacheDaysPrivate: btPtr(-1)}}, []string{"cache_days_private", `"-1"`, "0 to 30"}},
		{"cache days global 31", NewBatch{Arguments: &BatchArguments{CacheDaysGlobal: btPtr(31)}}, []string{"cache_days_global", `"31"`, "0 to 30"}},
		{"input format gb", NewBatch{Arguments: &BatchArguments{InputFormat: "gb"}}, []string{"input_format", `"gb"`, "alpha-3"}},
		{"input format GBRX", NewBatch{Arguments: &BatchArguments{InputFormat: "GBRX"}}, []string{"input_format", `"GBRX"`}},
		{"input format lower gbr", NewBatch{Arguments: &BatchArguments{InputFormat: "gbr"}}, []string{"input_format", `"gbr"`}},
		{"output format E165", NewBatch{Arguments: &BatchArguments{OutputFormat: "E165"}}, []string{"output_format", `"E165"`, "PLUS_E164"}},
		{"extra repeats a set field", NewBatch{Arguments: &BatchArguments{SaveToCache: btPtr(true), Extra: map[string]any{"save_to_cache": "YES"}}}, []string{"save_to_cache", "SaveToCache", "one place"}},
		{"extra empty key", NewBatch{Arguments: &BatchArguments{Extra: map[string]any{" ": 1}}}, []string{"Extra key", "empty"}},
		{"extra not JSON", NewBatch{Arguments: &BatchArguments{Extra: map[string]any{"ch": make(chan int)}}}, []string{"Extra[ch]", "chan int", "JSON"}},
		{"filename with newline", NewBatch{Filename: "a\nb.csv"}, []string{"filename", `"a\nb.csv"`, "control character at byte 1"}},
		{"filename with DEL", NewBatch{Filename: "a\x7f"}, []string{"filename", "control character"}},
		{"filename 256 bytes", NewBatch{Filename: strings.Repeat("f", 256)}, []string{"filename", "256 bytes", "longer than 255"}},
		{"type with space", NewBatch{Type: "hlr v2"}, []string{"type", `"hlr v2"`, "HLR_V2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			b, err := c.CreateBatch(t.Context(), tt.nb)
			if b != nil {
				t.Errorf("batch %+v, want nil", b)
			}
			btWantInput(t, err, mt, append([]string{"create batch"}, tt.want...)...)
		})
	}
	t.Run("255 bytes accepted", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		mt.RegisterResponder(http.MethodPost, btRoot, btJSON(201, btFile(t, "batch_create.json")))
		if _, err := c.CreateBatch(t.Context(), NewBatch{Filename: strings.Repeat("f", 255), Type: "HLR_V2"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCreateBatchRetries(t *testing.T) {
	t.Parallel()
	created := func() httpmock.Responder { return btJSON(201, `{"id":"42"}`) }
	tests := []struct {
		name      string
		responder func() httpmock.Responder
		calls     int
		wantErr   []error // all must match; nil means success
		notErr    error   // must not match
		elapsed   time.Duration
	}{
		{"500 not retried", func() httpmock.Responder { return httpmock.NewStringResponder(500, "oops") }, 1, []error{ErrServer, ErrOutcomeUnknown}, nil, 0},
		{"502 not retried", func() httpmock.Responder { return httpmock.NewStringResponder(502, "") }, 1, []error{ErrServer, ErrOutcomeUnknown}, nil, 0},
		{"504 not retried", func() httpmock.Responder { return httpmock.NewStringResponder(504, "") }, 1, []error{ErrServer, ErrOutcomeUnknown}, nil, 0},
		{"reset after sending not retried", func() httpmock.Responder { return httpmock.NewErrorResponder(errBtReset) }, 1, []error{ErrOutcomeUnknown}, nil, 0},
		{"400 not retried, outcome known", func() httpmock.Responder { return btJSON(400, `{"error":"BAD_REQUEST"}`) }, 1, []error{ErrInvalidParameter}, ErrOutcomeUnknown, 0},
		{"429 retried", func() httpmock.Responder { return btSeq(btRetryAfter(429, "3"), created()) }, 2, nil, nil, 3 * time.Second},
		{"503 retried", func() httpmock.Responder { return btSeq(btRetryAfter(503, "1"), created()) }, 2, nil, nil, time.Second},
		{"connection refused retried", func() httpmock.Responder { return btSeq(httpmock.NewErrorResponder(btRefused()), created()) }, 2, nil, nil, -1},
		{"503 until retries run out", func() httpmock.Responder { return httpmock.NewStringResponder(503, "") }, 3, []error{ErrServer}, ErrOutcomeUnknown, -1},
		{"refused until retries run out", func() httpmock.Responder { return httpmock.NewErrorResponder(btRefused()) }, 3, []error{syscall.ECONNREFUSED}, ErrOutcomeUnknown, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(2, time.Second, 4*time.Second))
				var rec btRecorder
				mt.RegisterResponder(http.MethodPost, btRoot, rec.wrap(tt.responder()))
				start := time.Now()
				b, err := c.CreateBatch(t.Context(), NewBatch{Filename: "customers.csv", Arguments: &BatchArguments{CacheDaysGlobal: btPtr(3)}})
				elapsed := time.Since(start)
				btNoLeak(t, err)
				if n := mt.GetTotalCallCount(); n != tt.calls {
					t.Errorf("%d calls, want %d", n, tt.calls)
				}
				if tt.elapsed >= 0 && elapsed != tt.elapsed {
					t.Errorf("took %v of fake time, want %v", elapsed, tt.elapsed)
				}
				for _, c := range rec.all() {
					if want := `{"filename":"customers.csv","type":"HLR_V2","batchArguments":{"cache_days_global":3}}`; c.Body != want {
						t.Errorf("attempt body %q, want %q", c.Body, want)
					}
				}
				if tt.wantErr == nil {
					if err != nil || b == nil || b.ID != "42" {
						t.Fatalf("CreateBatch = %+v, %v; want batch 42", b, err)
					}
					return
				}
				for _, w := range tt.wantErr {
					if !errors.Is(err, w) {
						t.Errorf("err = %v; want it to match %v", err, w)
					}
				}
				if tt.notErr != nil && errors.Is(err, tt.notErr) {
					t.Errorf("err = %v; must not match %v", err, tt.notErr)
				}
				if errors.Is(err, ErrOutcomeUnknown) && !strings.Contains(err.Error(), `"customers.csv"`) {
					t.Errorf("an unknown outcome should tell which filename to look for: %v", err)
				}
			})
		})
	}
}

// ------------------------------------------------------------ BatchArguments

func TestBatchArgumentsJSON(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name string
		in   string
		want BatchArguments
		out  string // the re-encoding; "" means the same as in
	}{
		{"legacy keys of the contract example", `{"savetoshared":"on","inputformat":"auto","cache_days":0}`,
			BatchArguments{Extra: map[string]any{"savetoshared": raw(`"on"`), "inputformat": raw(`"auto"`), "cache_days": raw(`0`)}},
			`{"cache_days":0,"inputformat":"auto","savetoshared":"on"}`},
		{"every known key", `{"cache_days_global":7,"cache_days_private":30,"get_landline_status":"NO","get_ported_date":"YES","input_format":"GBR","output_format":"E164","save_to_cache":"NO","usa_status":"YES"}`,
			BatchArguments{CacheDaysPrivate: btPtr(30), CacheDaysGlobal: btPtr(7), SaveToCache: btPtr(false), InputFormat: "GBR", OutputFormat: "E164",
				GetPortedDate: btPtr(true), GetLandlineStatus: btPtr(false), USAStatus: btPtr(true)}, ""},
		{"cache days as numeric strings stay strings", `{"cache_days_private":"7","cache_days_global":"0"}`,
			BatchArguments{CacheDaysPrivate: btPtr(7), CacheDaysGlobal: btPtr(0)}, `{"cache_days_global":"0","cache_days_private":"7"}`},
		{"cache days as a whole float keep the literal", `{"cache_days_private":7.0}`, BatchArguments{CacheDaysPrivate: btPtr(7)}, `{"cache_days_private":7.0}`},
		{"booleans in other spellings keep them", `{"save_to_cache":true,"get_ported_date":"no","get_landline_status":" yes ","usa_status":false}`,
			BatchArguments{SaveToCache: btPtr(true), GetPortedDate: btPtr(false), GetLandlineStatus: btPtr(true), USAStatus: btPtr(false)},
			`{"get_landline_status":" yes ","get_ported_date":"no","save_to_cache":true,"usa_status":false}`},
		{"save_to_cache PRIVATE kept in Extra", `{"save_to_cache":"PRIVATE"}`, BatchArguments{Extra: map[string]any{"save_to_cache": raw(`"PRIVATE"`)}}, ""},
		{"unreadable known values kept in Extra", `{"cache_days_private":"seven","cache_days_global":null,"input_format":3}`,
			BatchArguments{Extra: map[string]any{"cache_days_private": raw(`"seven"`), "cache_days_global": raw(`null`), "input_format": raw(`3`)}},
			`{"cache_days_global":null,"cache_days_private":"seven","input_format":3}`},
		{"null booleans kept in Extra", `{"save_to_cache":null,"usa_status":null}`,
			BatchArguments{Extra: map[string]any{"save_to_cache": raw(`null`), "usa_status": raw(`null`)}}, ""},
		{"empty formats kept in Extra", `{"input_format":"","output_format":""}`,
			BatchArguments{Extra: map[string]any{"input_format": raw(`""`), "output_format": raw(`""`)}}, ""},
		{"nested extra", `{"opts":{"a":[1,"x",null]},"usa_status":"YES"}`,
			BatchArguments{USAStatus: btPtr(true), Extra: map[string]any{"opts": raw(`{"a":[1,"x",null]}`)}}, ""},
		{"issue 9: big numbers, empty format, numeric string", `{"legacy_id":9007199254740993,"big":12345678901234567890,"input_format":"","cache_days_private":"7"}`,
			BatchArguments{CacheDaysPrivate: btPtr(7), Extra: map[string]any{"legacy_id": raw(`9007199254740993`), "big": raw(`12345678901234567890`), "input_format": raw(`""`)}},
			`{"big":12345678901234567890,"cache_days_private":"7","input_format":"","legacy_id":9007199254740993}`},
		{"empty", `{}`, BatchArguments{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a BatchArguments
			if err := json.Unmarshal([]byte(tt.in), &a); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if got := btExported(a); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded\n %#v\nwant\n %#v", got, tt.want)
			}
			out, err := json.Marshal(a)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if string(out) != want {
				t.Errorf("re-encoded\n %s\nwant\n %s", out, want)
			}
			if err := btSameJSON([]byte(tt.in), out); err != nil {
				t.Errorf("round trip changed the JSON: %v", err)
			}
			var back BatchArguments
			if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(btExported(back), btExported(a)) {
				t.Errorf("second round trip = %#v, %v; want %#v", back, err, a)
			}
		})
	}
	for _, bad := range []string{`[]`, `"x"`, `3`, `{`} {
		var a BatchArguments
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("Unmarshal(%s) = nil error", bad)
		}
	}
}

// TestBatchArgumentsChangedFieldsUseTheSDKForm: a typed field the caller
// changes after decoding is sent in the SDK's form; the ones left alone keep
// the service's.
func TestBatchArgumentsChangedFieldsUseTheSDKForm(t *testing.T) {
	t.Parallel()
	var a BatchArguments
	in := `{"cache_days_global":"3","cache_days_private":"7","input_format":"GBR","save_to_cache":true,"usa_status":"yes"}`
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	a.CacheDaysPrivate = btPtr(8)
	a.SaveToCache = btPtr(false)
	a.USAStatus = nil
	a.InputFormat = "USA"
	a.OutputFormat = "E164"
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cache_days_global":"3","cache_days_private":8,"input_format":"USA","output_format":"E164","save_to_cache":"NO"}`
	if string(out) != want {
		t.Errorf("encoded\n %s\nwant\n %s", out, want)
	}
	// Setting a field back to the value it was read as restores the form.
	a.CacheDaysPrivate = btPtr(7)
	if out, _ := json.Marshal(a); !strings.Contains(string(out), `"cache_days_private":"7"`) {
		t.Errorf("encoded %s, want the service's \"7\" back", out)
	}
}

// btExported is a's exported fields, without what UnmarshalJSON remembers of
// the wire.
func btExported(a BatchArguments) BatchArguments {
	return BatchArguments{CacheDaysPrivate: a.CacheDaysPrivate, CacheDaysGlobal: a.CacheDaysGlobal, SaveToCache: a.SaveToCache,
		InputFormat: a.InputFormat, OutputFormat: a.OutputFormat, GetPortedDate: a.GetPortedDate,
		GetLandlineStatus: a.GetLandlineStatus, USAStatus: a.USAStatus, Extra: a.Extra}
}

// btSameJSON reports how two JSON texts differ in meaning: keys, value types
// and exact number literals (read with UseNumber, duplicate keys last-wins
// as encoding/json reads them).
func btSameJSON(a, b []byte) error {
	decode := func(data []byte) (any, error) {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		err := d.Decode(&v)
		return v, err
	}
	va, err := decode(a)
	if err != nil {
		return fmt.Errorf("first: %w", err)
	}
	vb, err := decode(b)
	if err != nil {
		return fmt.Errorf("second: %w", err)
	}
	if !reflect.DeepEqual(va, vb) {
		return fmt.Errorf("%s\n and\n %s differ:\n %#v\n %#v", a, b, va, vb)
	}
	return nil
}

func TestBatchArgumentsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    *BatchArguments
		want []string // nil means valid
	}{
		{"nil", nil, nil},
		{"zero", &BatchArguments{}, nil},
		{"bounds 0 and 30", &BatchArguments{CacheDaysPrivate: btPtr(0), CacheDaysGlobal: btPtr(30)}, nil},
		{"every field", &BatchArguments{CacheDaysPrivate: btPtr(1), CacheDaysGlobal: btPtr(2), SaveToCache: btPtr(true), InputFormat: "USA",
			OutputFormat: "GBR", GetPortedDate: btPtr(false), GetLandlineStatus: btPtr(true), USAStatus: btPtr(false), Extra: map[string]any{"x": []int{1}}}, nil},
		{"output E164", &BatchArguments{OutputFormat: "E164"}, nil},
		{"output PLUS_E164", &BatchArguments{OutputFormat: "PLUS_E164"}, nil},
		{"private -1", &BatchArguments{CacheDaysPrivate: btPtr(-1)}, []string{"cache_days_private", `"-1"`}},
		{"private 31", &BatchArguments{CacheDaysPrivate: btPtr(31)}, []string{"cache_days_private", `"31"`}},
		{"global -5", &BatchArguments{CacheDaysGlobal: btPtr(-5)}, []string{"cache_days_global", `"-5"`}},
		{"global 1000", &BatchArguments{CacheDaysGlobal: btPtr(1000)}, []string{"cache_days_global", `"1000"`}},
		{"input gb", &BatchArguments{InputFormat: "gb"}, []string{"input_format", `"gb"`}},
		{"input GB", &BatchArguments{InputFormat: "GB"}, []string{"input_format", `"GB"`}},
		{"input GBRX", &BatchArguments{InputFormat: "GBRX"}, []string{"input_format", `"GBRX"`}},
		{"input E164", &BatchArguments{InputFormat: "E164"}, []string{"input_format", `"E164"`}},
		{"input G1R", &BatchArguments{InputFormat: "G1R"}, []string{"input_format"}},
		{"output E165", &BatchArguments{OutputFormat: "E165"}, []string{"output_format", `"E165"`}},
		{"output plus_e164", &BatchArguments{OutputFormat: "plus_e164"}, []string{"output_format"}},
		{"extra known key also set", &BatchArguments{CacheDaysGlobal: btPtr(2), Extra: map[string]any{"cache_days_global": 3}}, []string{"cache_days_global", "CacheDaysGlobal"}},
		{"extra empty key", &BatchArguments{Extra: map[string]any{"": 3}}, []string{"Extra key", "empty"}},
		{"extra func", &BatchArguments{Extra: map[string]any{"f": func() {}}}, []string{"Extra[f]", "JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.a.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("Validate = %v, want ErrInvalidInput", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// ---------------------------------------------------------------- Batch JSON

func TestBatchUnmarshal(t *testing.T) {
	t.Parallel()
	sched := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want *Batch // nil means an error
	}{
		{"contract example", btFile(t, "batch_contract_example.json"), &Batch{ID: "232", Filename: "batch1.txt", NumColumns: 1, OwnerName: "1",
			Type: BatchTypeHLRLookup, Arguments: BatchArguments{Extra: map[string]any{"savetoshared": json.RawMessage(`"on"`), "inputformat": json.RawMessage(`"auto"`), "cache_days": json.RawMessage(`0`)}},
			CreationDate: time.Date(2022, 6, 9, 11, 6, 16, 0, time.UTC), NumItems: 12, NumComplete: 12, Status: StatusComplete}},
		{"HLR_V2 batch", btFile(t, "batch_get.json"), &Batch{ID: "42", Filename: "customers.csv", NumColumns: 3, OwnerName: "1077", Type: BatchTypeHLRV2,
			Arguments: BatchArguments{CacheDaysPrivate: btPtr(7), CacheDaysGlobal: btPtr(30), SaveToCache: btPtr(true), InputFormat: "GBR", OutputFormat: "PLUS_E164",
				GetPortedDate: btPtr(false), GetLandlineStatus: btPtr(true), USAStatus: btPtr(false), Extra: map[string]any{"priority": json.RawMessage(`"low"`)}},
			ScheduledStart: &sched, CreationDate: time.Date(2026, 3, 14, 15, 9, 26, 535e6, time.UTC), NumItems: 1000, NumComplete: 250, Status: StatusProcessing}},
		{"loose: numbers, strings, nulls, unknown enums", btFile(t, "batch_loose.json"), &Batch{ID: "232", NumColumns: 2, OwnerName: "17", Type: "HLR_V3_BETA",
			CreationDate: time.Date(2022, 6, 9, 9, 6, 16, 123e6, time.UTC), NumItems: 12, NumComplete: 6, Status: "QUEUED"}},
		{"id as a number", `{"id":232}`, &Batch{ID: "232"}},
		{"id as a big number", `{"id":12345678901234567890}`, &Batch{ID: "12345678901234567890"}},
		{"id null", `{"id":null}`, &Batch{}},
		{"counts as strings", `{"id":"1","numItems":"10","numComplete":"5","numColumns":"1"}`, &Batch{ID: "1", NumItems: 10, NumComplete: 5, NumColumns: 1}},
		{"counts empty strings and null", `{"numItems":"","numComplete":null}`, &Batch{}},
		{"scheduledStart null", `{"scheduledStart":null}`, &Batch{}},
		{"scheduledStart empty", `{"scheduledStart":""}`, &Batch{}},
		{"scheduledStart RFC 3339", `{"scheduledStart":"2030-01-02T03:04:05Z"}`, &Batch{ScheduledStart: &sched}},
		{"scheduledStart with offset", `{"scheduledStart":"2030-01-02T04:04:05+01:00"}`, &Batch{ScheduledStart: &sched}},
		{"scheduledStart without zone", `{"scheduledStart":"2030-01-02 03:04:05"}`, &Batch{ScheduledStart: &sched}},
		{"creationDate with milliseconds", `{"creationDate":"2022-06-09T11:06:16.789Z"}`, &Batch{CreationDate: time.Date(2022, 6, 9, 11, 6, 16, 789e6, time.UTC)}},
		{"unknown status and type kept", `{"type":"HLR_V9","status":"WARMING_UP"}`, &Batch{Type: "HLR_V9", Status: "WARMING_UP"}},
		{"lowercase status kept", `{"status":"complete"}`, &Batch{Status: "complete"}},
		{"null arguments", `{"batchArguments":null}`, &Batch{}},
		{"id object", `{"id":{"x":1}}`, nil},
		{"count not a number", `{"numItems":"many"}`, nil},
		{"count fraction", `{"numItems":1.5}`, nil},
		{"bad date", `{"creationDate":"yesterday"}`, nil},
		{"arguments array", `{"batchArguments":[1]}`, nil},
		{"not an object", `[1,2]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b Batch
			err := json.Unmarshal([]byte(tt.in), &b)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("Unmarshal = %+v, want an error", b)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			btSameBatch(t, &b, tt.want)
		})
	}
}

func TestBatchMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"batch_contract_example.json", "batch_get.json", "batch_create.json", "batch_loose.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := btFile(t, name)
			var b Batch
			if err := json.Unmarshal([]byte(in), &b); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			var back Batch
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("decoding %s: %v", out, err)
			}
			btSameBatch(t, &back, &b)
			out2, _ := json.Marshal(back)
			if string(out2) != string(out) {
				t.Errorf("not a fixed point:\n %s\n %s", out, out2)
			}
		})
	}
	t.Run("contract example re-encodes to the same JSON", func(t *testing.T) {
		t.Parallel()
		in := btFile(t, "batch_contract_example.json")
		var b Batch
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		var x, y any
		_ = json.Unmarshal([]byte(in), &x)
		_ = json.Unmarshal(out, &y)
		if !reflect.DeepEqual(x, y) {
			t.Errorf("re-encoded\n %s\nwant the same as\n %s", out, in)
		}
	})
}

func TestBatchProgressAndStatus(t *testing.T) {
	t.Parallel()
	progress := []struct {
		b    Batch
		want float64
	}{
		{Batch{}, 0},
		{Batch{Status: StatusComplete}, 1},
		{Batch{Status: StatusProcessing, NumItems: 0}, 0},
		{Batch{NumItems: 10, NumComplete: 0}, 0},
		{Batch{NumItems: 10, NumComplete: 5}, 0.5},
		{Batch{NumItems: 3, NumComplete: 1}, 1.0 / 3},
		{Batch{NumItems: 10, NumComplete: 10, Status: StatusComplete}, 1},
		{Batch{NumItems: 10, NumComplete: 12}, 1},
		{Batch{NumItems: 10, NumComplete: -1}, 0},
		{Batch{NumItems: -1, NumComplete: 5}, 0},
	}
	for _, p := range progress {
		if got := p.b.Progress(); got != p.want {
			t.Errorf("Progress(%d/%d %s) = %v, want %v", p.b.NumComplete, p.b.NumItems, p.b.Status, got, p.want)
		}
	}
	statuses := []struct {
		s                      BatchStatus
		done, complete, failed bool
	}{
		{StatusComplete, true, true, false},
		{"COMPLETED", true, true, false},
		{"complete", true, true, false},
		{"Completed", true, true, false},
		{StatusFailed, true, false, true},
		{"failed", true, false, true},
		{StatusError, true, false, true},
		{StatusCancelled, true, false, true},
		{"CANCELED", true, false, true},
		{"cancelled", true, false, true},
		{StatusProcessing, false, false, false},
		{StatusPaused, false, false, false},
		{"", false, false, false},
		{"QUEUED", false, false, false},
		{" COMPLETE", false, false, false},
	}
	for _, s := range statuses {
		if s.s.Done() != s.done || s.s.Complete() != s.complete || s.s.Failed() != s.failed {
			t.Errorf("%q: Done %v Complete %v Failed %v; want %v %v %v", s.s, s.s.Done(), s.s.Complete(), s.s.Failed(), s.done, s.complete, s.failed)
		}
	}
}

// ------------------------------------------------------------------ GetBatch

func TestGetBatch(t *testing.T) {
	t.Parallel()
	c, mt := btClient(t)
	var rec btRecorder
	mt.RegisterResponder(http.MethodGet, btOne, rec.wrap(btJSON(200, btFile(t, "batch_get.json"))))
	b, err := c.GetBatch(t.Context(), "42")
	if err != nil {
		t.Fatal(err)
	}
	var want Batch
	if err := json.Unmarshal([]byte(btFile(t, "batch_get.json")), &want); err != nil {
		t.Fatal(err)
	}
	btSameBatch(t, b, &want)
	if b.NumItems != 1000 || b.Status != StatusProcessing || b.Progress() != 0.25 {
		t.Errorf("batch %+v", b)
	}
	calls := rec.all()
	if len(calls) != 1 || calls[0].Method != http.MethodGet || calls[0].Path != "/v1/batches/42" || calls[0].Body != "" {
		t.Fatalf("calls %+v", calls)
	}
	if !reflect.DeepEqual(calls[0].Query, btCreds()) {
		t.Errorf("query %v", calls[0].Query)
	}

	// IDs made of every allowed character go through unchanged.
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/a-Z_0.9", btJSON(200, `{"id":"a-Z_0.9"}`))
	if b, err := c.GetBatch(t.Context(), "a-Z_0.9"); err != nil || b.ID != "a-Z_0.9" {
		t.Errorf("GetBatch(a-Z_0.9) = %+v, %v", b, err)
	}
}

func TestGetBatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		file   string
		want   error
		code   string
		hint   string
	}{
		{"404", 404, "batch_error_not_found.json", ErrBatchNotFound, "NOT_FOUND", "wrong batch ID"},
		{"404 without body", 404, "", ErrBatchNotFound, "", "wrong batch ID"},
		{"401", 401, "batch_error_unauthorized.json", ErrUnauthorized, "UNAUTHORIZED", "API key and secret"},
		{"403", 403, "", ErrForbidden, "", "does not belong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			body := ""
			if tt.file != "" {
				body = btFile(t, tt.file)
			}
			mt.RegisterResponder(http.MethodGet, btOne, btJSON(tt.status, body))
			b, err := c.GetBatch(t.Context(), "42")
			btNoLeak(t, err)
			if b != nil || !errors.Is(err, tt.want) {
				t.Fatalf("GetBatch = %v, %v; want %v", b, err, tt.want)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%T is not an *APIError", err)
			}
			if ae.StatusCode != tt.status || ae.Code != tt.code || ae.Method != http.MethodGet || ae.Path != "/v1/batches/42" || ae.Attempts != 1 || ae.Op != "get batch" {
				t.Errorf("APIError %+v", ae)
			}
			if !strings.Contains(ae.Hint, tt.hint) || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("hint %q / error %q, want %q", ae.Hint, err, tt.hint)
			}
			if mt.GetTotalCallCount() != 1 {
				t.Errorf("%d calls, want 1 (not retried)", mt.GetTotalCallCount())
			}
		})
	}
}

func TestGetBatchRetries(t *testing.T) {
	t.Parallel()
	ok := func() httpmock.Responder { return btJSON(200, `{"id":"42","status":"COMPLETE"}`) }
	tests := []struct {
		name      string
		retries   int
		responder func() httpmock.Responder
		calls     int
		want      error // nil: success
		minT      time.Duration
		maxT      time.Duration
	}{
		{"500", 3, func() httpmock.Responder { return httpmock.NewStringResponder(500, "") }, 4, ErrServer, 3500 * time.Millisecond, 7 * time.Second},
		{"502", 3, func() httpmock.Responder { return httpmock.NewStringResponder(502, "") }, 4, ErrServer, 3500 * time.Millisecond, 7 * time.Second},
		{"503", 3, func() httpmock.Responder { return httpmock.NewStringResponder(503, "") }, 4, ErrServer, 3500 * time.Millisecond, 7 * time.Second},
		{"504", 3, func() httpmock.Responder { return httpmock.NewStringResponder(504, "") }, 4, ErrServer, 3500 * time.Millisecond, 7 * time.Second},
		{"transport error", 3, func() httpmock.Responder { return httpmock.NewErrorResponder(errBtReset) }, 4, errBtReset, 3500 * time.Millisecond, 7 * time.Second},
		{"429", 2, func() httpmock.Responder { return httpmock.NewStringResponder(429, `{"error":"TOO_MANY_REQUESTS"}`) }, 3, ErrRateLimited, 1500 * time.Millisecond, 3 * time.Second},
		{"501 not retried", 3, func() httpmock.Responder { return httpmock.NewStringResponder(501, "") }, 1, ErrServer, 0, 0},
		{"no retries", 0, func() httpmock.Responder { return httpmock.NewStringResponder(503, "") }, 1, ErrServer, 0, 0},
		{"503 503 200", 3, func() httpmock.Responder {
			return btSeq(httpmock.NewStringResponder(503, ""), httpmock.NewStringResponder(503, ""), ok())
		}, 3, nil, 1500 * time.Millisecond, 3 * time.Second},
		{"reset then 200", 3, func() httpmock.Responder { return btSeq(httpmock.NewErrorResponder(errBtReset), ok()) }, 2, nil, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(tt.retries, time.Second, 4*time.Second))
				mt.RegisterResponder(http.MethodGet, btOne, tt.responder())
				start := time.Now()
				b, err := c.GetBatch(t.Context(), "42")
				elapsed := time.Since(start)
				btNoLeak(t, err)
				if n := mt.GetTotalCallCount(); n != tt.calls {
					t.Errorf("%d calls, want %d", n, tt.calls)
				}
				if elapsed < tt.minT || elapsed > tt.maxT {
					t.Errorf("took %v of fake time, want %v..%v", elapsed, tt.minT, tt.maxT)
				}
				if tt.want == nil {
					if err != nil || b.Status != StatusComplete {
						t.Fatalf("GetBatch = %+v, %v", b, err)
					}
					return
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				var ae *APIError
				var re *RequestError
				switch {
				case errors.As(err, &ae):
					if ae.Attempts != tt.calls {
						t.Errorf("APIError.Attempts = %d, want %d", ae.Attempts, tt.calls)
					}
				case errors.As(err, &re):
					if re.Attempts != tt.calls || re.Path != "/v1/batches/42" {
						t.Errorf("RequestError %+v, want %d attempts", re, tt.calls)
					}
				default:
					t.Fatalf("%T: neither *APIError nor *RequestError", err)
				}
				if tt.calls > 1 && !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", tt.calls)) {
					t.Errorf("error %q does not count the attempts", err)
				}
			})
		})
	}
}

func TestGetBatchRetryAfter(t *testing.T) {
	t.Parallel()
	ok := func() httpmock.Responder { return btJSON(200, `{"id":"42"}`) }
	tests := []struct {
		name      string
		maxWait   time.Duration
		timeout   time.Duration // 0: none
		responder func() httpmock.Responder
		calls     int
		elapsed   time.Duration
		want      error
	}{
		{"3600 capped at MaxWait", 2 * time.Second, 0, func() httpmock.Responder { return btSeq(btRetryAfter(429, "3600"), ok()) }, 2, 2 * time.Second, nil},
		{"3600 twice, capped each time", 2 * time.Second, 0, func() httpmock.Responder {
			return btSeq(btRetryAfter(429, "3600"), btRetryAfter(503, "3600"), ok())
		}, 3, 4 * time.Second, nil},
		{"3 seconds honoured", 10 * time.Second, 0, func() httpmock.Responder { return btSeq(btRetryAfter(503, "3"), ok()) }, 2, 3 * time.Second, nil},
		{"HTTP date honoured", 10 * time.Second, 0, func() httpmock.Responder {
			return btSeq(btRetryAfter(429, "Sat, 01 Jan 2000 00:00:07 GMT"), ok()) // the bubble starts at 2000-01-01 00:00:00 UTC
		}, 2, 7 * time.Second, nil},
		{"capped wait fits the deadline", 2 * time.Second, 10 * time.Second, func() httpmock.Responder { return btSeq(btRetryAfter(429, "3600"), ok()) }, 2, 2 * time.Second, nil},
		{"beyond the deadline fails fast", time.Hour, 10 * time.Second, func() httpmock.Responder { return btSeq(btRetryAfter(429, "3600"), ok()) }, 1, 0, ErrRateLimited},
		{"503 beyond the deadline fails fast", time.Hour, 10 * time.Second, func() httpmock.Responder { return btSeq(btRetryAfter(503, "60"), ok()) }, 1, 0, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(3, time.Second, tt.maxWait))
				mt.RegisterResponder(http.MethodGet, btOne, tt.responder())
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				_, err := c.GetBatch(ctx, "42")
				elapsed := time.Since(start)
				btNoLeak(t, err)
				if elapsed != tt.elapsed {
					t.Errorf("took %v of fake time, want %v", elapsed, tt.elapsed)
				}
				if n := mt.GetTotalCallCount(); n != tt.calls {
					t.Errorf("%d calls, want %d", n, tt.calls)
				}
				if tt.want == nil {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				var ae *APIError
				if !errors.As(err, &ae) || ae.RetryAfter <= 0 {
					t.Errorf("want an *APIError with RetryAfter, got %#v", err)
				}
			})
		})
	}
}

func TestGetBatchCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := btClient(t, btPolicy(3, 10*time.Second, 20*time.Second))
		mt.RegisterResponder(http.MethodGet, btOne, httpmock.NewStringResponder(503, ""))
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		start := time.Now()
		b, err := c.GetBatch(ctx, "42")
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("returned after %v of fake time, want 1s", elapsed)
		}
		btNoLeak(t, err)
		if b != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("GetBatch = %v, %v; want context.Canceled", b, err)
		}
		if n := mt.GetTotalCallCount(); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
	})
}

func TestGetBatchCancelledBeforehand(t *testing.T) {
	t.Parallel()
	c, mt := btClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.GetBatch(ctx, "42")
	btNoLeak(t, err)
	if !errors.Is(err, context.Canceled) || mt.GetTotalCallCount() != 0 {
		t.Fatalf("err = %v after %d calls; want context.Canceled and none", err, mt.GetTotalCallCount())
	}
}

// --------------------------------------------------------------- ListBatches

func TestListBatchesQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts *ListOptions
		q    map[string]string // besides the credentials
	}{
		{"nil", nil, nil},
		{"zero", &ListOptions{}, nil},
		{"offset and limit", &ListOptions{Offset: 20, Limit: 10}, map[string]string{"offset": "20", "limit": "10"}},
		{"limit only", &ListOptions{Limit: 10}, map[string]string{"limit": "10"}},
		{"offset only", &ListOptions{Offset: 5}, map[string]string{"offset": "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			q := map[string]string{"apikey": btKey, "secret": btSecret}
			for k, v := range tt.q {
				q[k] = v
			}
			mt.RegisterResponderWithQuery(http.MethodGet, btRoot, q, btJSON(200, btFile(t, "batch_list_page1.json")))
			l, err := c.ListBatches(t.Context(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != 5 || l.Offset != 0 || l.Limit != 2 || len(l.Batches) != 2 || l.Batches[0].ID != "1" || l.Batches[1].ID != "2" {
				t.Errorf("list %+v", l)
			}
			if mt.GetTotalCallCount() != 1 {
				t.Errorf("%d calls", mt.GetTotalCallCount())
			}
		})
	}
	for _, bad := range []struct {
		opts *ListOptions
		want []string
	}{
		{&ListOptions{Offset: -1}, []string{"offset", `"-1"`, "negative"}},
		{&ListOptions{Limit: -1}, []string{"limit", `"-1"`, "negative"}},
		{&ListOptions{Offset: 3, Limit: -20}, []string{"limit", `"-20"`}},
	} {
		c, mt := btClient(t)
		l, err := c.ListBatches(t.Context(), bad.opts)
		if l != nil {
			t.Errorf("list %+v", l)
		}
		btWantInput(t, err, mt, append([]string{"list batches"}, bad.want...)...)
		// AllBatches yields the same refusal once.
		n := 0
		for b, err := range c.AllBatches(t.Context(), bad.opts) {
			n++
			if b != nil {
				t.Errorf("AllBatches yielded %+v", b)
			}
			btWantInput(t, err, mt, bad.want...)
		}
		if n != 1 {
			t.Errorf("AllBatches yielded %d times, want 1", n)
		}
	}
}

func TestListBatchesEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		body                 string
		total, offset, limit int
		ids                  []BatchID
	}{
		{"numbers as strings, null batch", btFile(t, "batch_list_loose.json"), 3, 0, 10, []BatchID{"7", "8"}},
		{"empty page", `{"total":0,"offset":0,"limit":10,"batches":[]}`, 0, 0, 10, nil},
		{"unknown keys", `{"total":1,"batches":[{"id":"9"}],"next":"/batches/?offset=1"}`, 1, 0, 0, []BatchID{"9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			mt.RegisterResponder(http.MethodGet, btRoot, btJSON(200, tt.body))
			l, err := c.ListBatches(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []BatchID
			for _, b := range l.Batches {
				ids = append(ids, b.ID)
			}
			if l.Total != tt.total || l.Offset != tt.offset || l.Limit != tt.limit || !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("list %d/%d/%d %v, want %d/%d/%d %v", l.Total, l.Offset, l.Limit, ids, tt.total, tt.offset, tt.limit, tt.ids)
			}
		})
	}
	// A page must carry its batches array (issue 9, item 5).
	for _, bad := range []string{`[]`, `{"total":"many"}`, `{"batches":{}}`, `<html></html>`,
		`{"total":0,"offset":0,"limit":10,"batches":null}`, `{"total":"0"}`, `{}`, `{"total":1,"batches":[{"status":"COMPLETE"}]}`} {
		c, mt := btClient(t)
		mt.RegisterResponder(http.MethodGet, btRoot, btJSON(200, bad))
		if _, err := c.ListBatches(t.Context(), nil); !errors.Is(err, ErrUnexpectedResponse) {
			t.Errorf("body %s: err = %v, want ErrUnexpectedResponse", bad, err)
		} else {
			btNoLeak(t, err)
		}
	}
}

// btPages registers the three pages of testdata/batch_list_page*.json at
// limit 2.
func btPages(t *testing.T, mt *httpmock.MockTransport, page2 httpmock.Responder) {
	reg := func(offset string, r httpmock.Responder) {
		q := map[string]string{"apikey": btKey, "secret": btSecret, "limit": "2"}
		if offset != "" {
			q["offset"] = offset
		}
		mt.RegisterResponderWithQuery(http.MethodGet, btRoot, q, r)
	}
	reg("", btJSON(200, btFile(t, "batch_list_page1.json")))
	if page2 == nil {
		page2 = btJSON(200, btFile(t, "batch_list_page2.json"))
	}
	reg("2", page2)
	reg("4", btJSON(200, btFile(t, "batch_list_page3.json")))
}

func TestAllBatches(t *testing.T) {
	t.Parallel()
	t.Run("three pages", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		btPages(t, mt, nil)
		opts := &ListOptions{Limit: 2}
		var ids []BatchID
		for b, err := range c.AllBatches(t.Context(), opts) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, b.ID)
		}
		if want := []BatchID{"1", "2", "3", "4", "5"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids %v, want %v", ids, want)
		}
		if n := mt.GetTotalCallCount(); n != 3 {
			t.Errorf("%d calls, want 3", n)
		}
		if *opts != (ListOptions{Limit: 2}) {
			t.Errorf("opts mutated to %+v", *opts)
		}
	})
	t.Run("start at an offset", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		btPages(t, mt, nil)
		opts := &ListOptions{Offset: 2, Limit: 2}
		var ids []BatchID
		for b, err := range c.AllBatches(t.Context(), opts) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, b.ID)
		}
		if want := []BatchID{"3", "4", "5"}; !reflect.DeepEqual(ids, want) || mt.GetTotalCallCount() != 2 {
			t.Errorf("ids %v after %d calls, want %v after 2", ids, mt.GetTotalCallCount(), want)
		}
		if *opts != (ListOptions{Offset: 2, Limit: 2}) {
			t.Errorf("opts mutated to %+v", *opts)
		}
	})
	t.Run("early break", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		btPages(t, mt, nil)
		var ids []BatchID
		for b, err := range c.AllBatches(t.Context(), &ListOptions{Limit: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, b.ID)
			if len(ids) == 3 {
				break
			}
		}
		if want := []BatchID{"1", "2", "3"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids %v, want %v", ids, want)
		}
		if n := mt.GetTotalCallCount(); n != 2 {
			t.Errorf("%d calls, want 2", n)
		}
	})
	t.Run("error on page 2 yielded once", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		btPages(t, mt, btJSON(403, `{"error":"FORBIDDEN","message":"not yours"}`))
		var ids []BatchID
		var errs []error
		for b, err := range c.AllBatches(t.Context(), &ListOptions{Limit: 2}) {
			if err != nil {
				if b != nil {
					t.Errorf("batch %+v with the error", b)
				}
				errs = append(errs, err)
				continue // the iterator must stop by itself
			}
			ids = append(ids, b.ID)
		}
		if want := []BatchID{"1", "2"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids %v, want %v", ids, want)
		}
		if len(errs) != 1 || !errors.Is(errs[0], ErrForbidden) {
			t.Fatalf("errors %v, want one ErrForbidden", errs)
		}
		btNoLeak(t, errs[0])
		if n := mt.GetTotalCallCount(); n != 2 {
			t.Errorf("%d calls, want 2", n)
		}
	})
	t.Run("nil options", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		mt.RegisterResponderWithQuery(http.MethodGet, btRoot, map[string]string{"apikey": btKey, "secret": btSecret},
			btJSON(200, `{"total":2,"offset":0,"limit":10,"batches":[{"id":"1"},{"id":"2"}]}`))
		n := 0
		for _, err := range c.AllBatches(t.Context(), nil) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 || mt.GetTotalCallCount() != 1 {
			t.Errorf("%d batches after %d calls, want 2 after 1", n, mt.GetTotalCallCount())
		}
	})
	t.Run("empty account", func(t *testing.T) {
		t.Parallel()
		c, mt := btClient(t)
		mt.RegisterResponder(http.MethodGet, btRoot, btJSON(200, `{"total":0,"batches":[]}`))
		for b, err := range c.AllBatches(t.Context(), nil) {
			t.Fatalf("yielded %v, %v", b, err)
		}
		if mt.GetTotalCallCount() != 1 {
			t.Errorf("%d calls", mt.GetTotalCallCount())
		}
	})
}

// TestAllBatchesServerIgnoresOffset: a server that answers every offset
// with the same full page and no total must not keep the loop going.
func TestAllBatchesServerIgnoresOffset(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, 2} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			mt.RegisterResponder(http.MethodGet, btRoot, btJSON(200, `{"total":0,"batches":[{"id":"1"},{"id":"2"}]}`))
			seen := map[BatchID]int{}
			n := 0
			for b, err := range c.AllBatches(t.Context(), &ListOptions{Limit: limit}) {
				if err != nil {
					t.Fatal(err)
				}
				seen[b.ID]++
				if n++; n >= 100 {
					break // the guard of this test; the iterator should have stopped long before
				}
			}
			if n >= 100 {
				t.Fatalf("AllBatches kept going: %d batches after %d calls", n, mt.GetTotalCallCount())
			}
			if calls := mt.GetTotalCallCount(); calls > 2 {
				t.Errorf("%d calls, want at most 2", calls)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("batch %s yielded %d times", id, k)
				}
			}
		})
	}
}

// ------------------------------------------------- Start, Pause, Schedule

func TestUpdateBatch(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		call func(context.Context, *Client) error
		body string
	}{
		{"start", func(ctx context.Context, c *Client) error { return c.StartBatch(ctx, "42") }, `{"status":"PROCESSING"}`},
		{"pause", func(ctx context.Context, c *Client) error { return c.PauseBatch(ctx, "42") }, `{"status":"PAUSED"}`},
		{"schedule UTC", func(ctx context.Context, c *Client) error {
			return c.ScheduleBatch(ctx, "42", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		}, `{"scheduledStart":"2030-01-02T03:04:05Z"}`},
		{"schedule CET with sub-seconds", func(ctx context.Context, c *Client) error {
			return c.ScheduleBatch(ctx, "42", time.Date(2030, 1, 2, 4, 4, 5, 999_999_999, cet))
		}, `{"scheduledStart":"2030-01-02T03:04:05Z"}`},
		{"schedule 30s ago (clock skew)", func(ctx context.Context, c *Client) error {
			return c.ScheduleBatch(ctx, "42", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(-30*time.Second))
		}, `{"scheduledStart":"1999-12-31T23:59:30Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { // the bubble's clock starts at 2000-01-01 00:00 UTC
				c, mt := btClient(t)
				var rec btRecorder
				mt.RegisterResponder(http.MethodPut, btOneCmd, rec.wrap(btJSON(200, `{"id":"42"}`)))
				if err := tt.call(t.Context(), c); err != nil {
					t.Fatal(err)
				}
				calls := rec.all()
				if len(calls) != 1 {
					t.Fatalf("%d calls", len(calls))
				}
				got := calls[0]
				if got.Method != http.MethodPut || got.Path != "/v1/batches/42/" || got.ContentType != "application/json" || got.Body != tt.body {
					t.Errorf("sent %s %s (%s) %s; want PUT /v1/batches/42/ (application/json) %s", got.Method, got.Path, got.ContentType, got.Body, tt.body)
				}
				if !reflect.DeepEqual(got.Query, btCreds()) {
					t.Errorf("query %v", got.Query)
				}
			})
		})
	}
}

func TestUpdateBatchEmptyAnswer(t *testing.T) {
	t.Parallel()
	c, mt := btClient(t)
	mt.RegisterResponder(http.MethodPut, btOneCmd, httpmock.NewStringResponder(204, ""))
	if err := c.StartBatch(t.Context(), "42"); err != nil {
		t.Fatalf("a 204 without body: %v", err)
	}
}

func TestScheduleBatchRefusesBadTimes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		start time.Time
		want  []string
	}{
		{"zero", time.Time{}, []string{"start time", "zero"}},
		{"an hour ago", time.Now().Add(-time.Hour), []string{"start time", "in the past", "StartBatch"}},
		{"1999", time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), []string{`"1999-01-01T00:00:00Z"`, "in the past"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			btWantInput(t, c.ScheduleBatch(t.Context(), "42", tt.start), mt, append([]string{"schedule batch"}, tt.want...)...)
		})
	}
}

// TestScheduleBatchGraceBoundary: a start up to a minute before now is sent
// as given; one a nanosecond earlier is refused, and the message says the
// rule. The bubble's clock stands still, so the boundary is exact.
func TestScheduleBatchGraceBoundary(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		before time.Duration
		body   string // "" means refused
	}{
		{"now", 0, `{"scheduledStart":"2000-01-01T00:00:00Z"}`},
		{"59s ago", 59 * time.Second, `{"scheduledStart":"1999-12-31T23:59:01Z"}`},
		{"exactly a minute ago", time.Minute, `{"scheduledStart":"1999-12-31T23:59:00Z"}`},
		{"a minute and a nanosecond ago", time.Minute + time.Nanosecond, ""},
		{"61s ago", 61 * time.Second, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t)
				var rec btRecorder
				mt.RegisterResponder(http.MethodPut, btOneCmd, rec.wrap(btJSON(200, `{"id":"42"}`)))
				err := c.ScheduleBatch(t.Context(), "42", time.Now().Add(-tt.before))
				if tt.body == "" {
					btWantInput(t, err, mt, "schedule batch", "start time", "more than a minute before now", "StartBatch")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if calls := rec.all(); len(calls) != 1 || calls[0].Body != tt.body {
					t.Errorf("sent %+v, want one PUT with %s", calls, tt.body)
				}
			})
		})
	}
}

func TestUpdateBatchRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		call func(context.Context, *Client) error
	}{
		{"start", func(ctx context.Context, c *Client) error { return c.StartBatch(ctx, "42") }},
		{"pause", func(ctx context.Context, c *Client) error { return c.PauseBatch(ctx, "42") }},
		{"schedule", func(ctx context.Context, c *Client) error {
			return c.ScheduleBatch(ctx, "42", time.Now().Add(time.Hour))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(2, time.Second, 4*time.Second))
				var rec btRecorder
				mt.RegisterResponder(http.MethodPut, btOneCmd, rec.wrap(btSeq(httpmock.NewStringResponder(503, ""), httpmock.NewErrorResponder(errBtReset), btJSON(200, `{}`))))
				if err := tt.call(t.Context(), c); err != nil {
					t.Fatal(err)
				}
				calls := rec.all()
				if len(calls) != 3 {
					t.Fatalf("%d calls, want 3", len(calls))
				}
				for _, c := range calls[1:] {
					if c.Body != calls[0].Body || c.Body == "" {
						t.Errorf("retry body %q, first %q", c.Body, calls[0].Body)
					}
				}
			})
		})
	}
	t.Run("gives up", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			c, mt := btClient(t, btPolicy(2, time.Second, 4*time.Second))
			mt.RegisterResponder(http.MethodPut, btOneCmd, httpmock.NewStringResponder(503, ""))
			err := c.PauseBatch(t.Context(), "42")
			btNoLeak(t, err)
			var ae *APIError
			if !errors.Is(err, ErrServer) || !errors.As(err, &ae) || ae.Attempts != 3 || ae.Op != "pause batch" || ae.Path != "/v1/batches/42/" {
				t.Fatalf("err = %#v", err)
			}
		})
	})
}

// --------------------------------------------------------------- DeleteBatch

func TestDeleteBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		responder func() httpmock.Responder
		calls     int
		want      error
	}{
		{"204", func() httpmock.Responder { return httpmock.NewStringResponder(204, "") }, 1, nil},
		{"200 with JSON", func() httpmock.Responder { return btJSON(200, `{"deleted":true}`) }, 1, nil},
		{"404 on a retry after a transport failure", func() httpmock.Responder {
			return btSeq(httpmock.NewErrorResponder(errBtReset), btJSON(404, btFile(t, "batch_error_not_found.json")))
		}, 2, nil},
		{"404 at once", func() httpmock.Responder { return btJSON(404, btFile(t, "batch_error_not_found.json")) }, 1, ErrBatchNotFound},
		{"403", func() httpmock.Responder { return btJSON(403, "") }, 1, ErrForbidden},
		{"503 until retries run out", func() httpmock.Responder { return httpmock.NewStringResponder(503, "") }, 3, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(2, time.Second, 4*time.Second))
				var rec btRecorder
				mt.RegisterResponder(http.MethodDelete, btOne, rec.wrap(tt.responder()))
				err := c.DeleteBatch(t.Context(), "42")
				btNoLeak(t, err)
				calls := rec.all()
				if len(calls) != tt.calls {
					t.Errorf("%d calls, want %d", len(calls), tt.calls)
				}
				for _, c := range calls {
					if c.Method != http.MethodDelete || c.Path != "/v1/batches/42" || c.Body != "" {
						t.Errorf("sent %s %s %q", c.Method, c.Path, c.Body)
					}
				}
				if tt.want == nil {
					if err != nil {
						t.Fatalf("DeleteBatch: %v", err)
					}
					return
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			})
		})
	}
}

// -------------------------------------------------------------- WaitForBatch

// btProgress answers a GET with a batch at done of total and status.
func btProgress(status BatchStatus, done, total int) httpmock.Responder {
	return btJSON(200, fmt.Sprintf(`{"id":"42","status":%q,"numComplete":%d,"numItems":%d}`, status, done, total))
}

func TestWaitForBatchProgress(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := btClient(t)
		var rec btRecorder
		mt.RegisterResponder(http.MethodGet, btOne, rec.wrap(btSeq(
			btProgress(StatusProcessing, 0, 10), btProgress(StatusProcessing, 5, 10), btProgress(StatusComplete, 10, 10))))
		var seen []string
		start := time.Now()
		b, err := c.WaitForBatch(t.Context(), "42", &WaitOptions{PollInterval: time.Second, MaxPollInterval: 4 * time.Second,
			OnProgress: func(b *Batch) {
				seen = append(seen, fmt.Sprintf("%s %d/%d %.1f", b.Status, b.NumComplete, b.NumItems, b.Progress()))
			}})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != StatusComplete || b.NumComplete != 10 {
			t.Errorf("batch %+v", b)
		}
		if want := []string{"PROCESSING 0/10 0.0", "PROCESSING 5/10 0.5", "COMPLETE 10/10 1.0"}; !reflect.DeepEqual(seen, want) {
			t.Errorf("OnProgress saw %q, want %q", seen, want)
		}
		if n := len(rec.all()); n != 3 {
			t.Errorf("%d GETs, want 3", n)
		}
		if elapsed := time.Since(start); elapsed != 2500*time.Millisecond {
			t.Errorf("took %v of fake time, want 2.5s (1s + 1.5s)", elapsed)
		}
	})
}

func TestWaitForBatchIntervalsGrow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := btClient(t)
		var rec btRecorder
		p := btProgress(StatusProcessing, 1, 10)
		mt.RegisterResponder(http.MethodGet, btOne, rec.wrap(btSeq(p, p, p, p, p, p, btProgress("COMPLETED", 10, 10))))
		if _, err := c.WaitForBatch(t.Context(), "42", &WaitOptions{PollInterval: time.Second, MaxPollInterval: 4 * time.Second}); err != nil {
			t.Fatal(err)
		}
		calls := rec.all()
		var gaps []time.Duration
		for i := 1; i < len(calls); i++ {
			gaps = append(gaps, calls[i].At.Sub(calls[i-1].At))
		}
		want := []time.Duration{time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond, 3375 * time.Millisecond, 4 * time.Second, 4 * time.Second}
		if !reflect.DeepEqual(gaps, want) {
			t.Errorf("gaps %v, want %v", gaps, want)
		}
	})
}

func TestWaitForBatchDefaultsOverTenMinutes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := btClient(t)
		start := time.Now()
		gets := 0
		mt.RegisterResponder(http.MethodGet, btOne, func(req *http.Request) (*http.Response, error) {
			gets++
			status := StatusProcessing
			if time.Since(start) >= 10*time.Minute {
				status = StatusComplete
			}
			return btProgress(status, 0, 100)(req)
		})
		b, err := c.WaitForBatch(t.Context(), "42", nil)
		if err != nil || b.Status != StatusComplete {
			t.Fatalf("WaitForBatch = %+v, %v", b, err)
		}
		// 0, 5, 12.5, 23.75, 40.6, 65.9, 103.9, 160.9 s, then every 60 s: 220.9 … 640.9 s.
		if gets != 16 {
			t.Errorf("%d GETs over 10 minutes with default options, want 16", gets)
		}
		if elapsed := time.Since(start); elapsed < 10*time.Minute || elapsed > 11*time.Minute {
			t.Errorf("finished after %v", elapsed)
		}
		t.Logf("%d GETs, finished after %v of fake time", gets, time.Since(start))
	})
}

func TestWaitForBatchEnds(t *testing.T) {
	t.Parallel()
	processing := btProgress(StatusProcessing, 3, 10)
	tests := []struct {
		name      string
		retries   int
		timeout   time.Duration
		responder func() httpmock.Responder
		calls     int
		want      []error // nil: success
		last      BatchStatus
		elapsed   time.Duration // -1: unchecked
	}{
		{"FAILED", 0, 0, func() httpmock.Responder { return btSeq(processing, btProgress(StatusFailed, 4, 10)) }, 2, []error{ErrBatchFailed}, StatusFailed, time.Second},
		{"cancelled lowercase", 0, 0, func() httpmock.Responder { return btProgress("cancelled", 0, 10) }, 1, []error{ErrBatchFailed}, "cancelled", 0},
		{"deadline", 0, 10 * time.Second, func() httpmock.Responder { return processing }, 5, []error{context.DeadlineExceeded}, StatusProcessing, 10 * time.Second},
		{"503 outliving its retries is ridden out", 1, 0, func() httpmock.Responder {
			return btSeq(processing, httpmock.NewStringResponder(503, ""), httpmock.NewStringResponder(503, ""),
				httpmock.NewErrorResponder(errBtReset), httpmock.NewErrorResponder(errBtReset), btProgress(StatusComplete, 10, 10))
		}, 6, nil, StatusComplete, -1},
		{"five failed polls in a row end it", 0, 0, func() httpmock.Responder {
			return btSeq(processing, httpmock.NewStringResponder(503, ""))
		}, 6, []error{ErrServer}, StatusProcessing, -1},
		{"404 mid-wait", 3, 0, func() httpmock.Responder {
			return btSeq(processing, btJSON(404, btFile(t, "batch_error_not_found.json")))
		}, 2, []error{ErrBatchNotFound}, StatusProcessing, time.Second},
		{"401 mid-wait", 3, 0, func() httpmock.Responder { return btSeq(processing, btJSON(401, "")) }, 2, []error{ErrUnauthorized}, StatusProcessing, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(tt.retries, time.Second, 4*time.Second))
				mt.RegisterResponder(http.MethodGet, btOne, tt.responder())
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				b, err := c.WaitForBatch(ctx, "42", &WaitOptions{PollInterval: time.Second, MaxPollInterval: 4 * time.Second})
				elapsed := time.Since(start)
				btNoLeak(t, err)
				if n := mt.GetTotalCallCount(); n != tt.calls {
					t.Errorf("%d calls, want %d", n, tt.calls)
				}
				if tt.elapsed >= 0 && elapsed != tt.elapsed {
					t.Errorf("returned after %v of fake time, want %v", elapsed, tt.elapsed)
				}
				if b == nil || b.Status != tt.last {
					t.Fatalf("last batch %+v, want status %s", b, tt.last)
				}
				if tt.want == nil {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				for _, w := range tt.want {
					if !errors.Is(err, w) {
						t.Errorf("err = %v, want %v", err, w)
					}
				}
			})
		})
	}
}

func TestWaitForBatchCancel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := btClient(t)
		mt.RegisterResponder(http.MethodGet, btOne, btProgress(StatusPaused, 0, 10))
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(90 * time.Second)
			cancel()
		}()
		start := time.Now()
		b, err := c.WaitForBatch(ctx, "42", &WaitOptions{PollInterval: time.Minute})
		if elapsed := time.Since(start); elapsed != 90*time.Second {
			t.Errorf("returned after %v, want 90s", elapsed)
		}
		if !errors.Is(err, context.Canceled) || b == nil || b.Status != StatusPaused {
			t.Fatalf("WaitForBatch = %+v, %v", b, err)
		}
		btNoLeak(t, err)
	})
}

func TestWaitForBatchOptionsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		o    WaitOptions
		want []string
	}{
		{"negative PollInterval", WaitOptions{PollInterval: -time.Second}, []string{"PollInterval", `"-1s"`, "negative"}},
		{"negative MaxPollInterval", WaitOptions{MaxPollInterval: -1}, []string{"MaxPollInterval", "negative"}},
		{"PollInterval above MaxPollInterval", WaitOptions{PollInterval: 2 * time.Minute, MaxPollInterval: time.Minute}, []string{"PollInterval", `"2m0s"`, "MaxPollInterval 1m0s"}},
		{"PollInterval above the default maximum", WaitOptions{PollInterval: time.Minute, MaxPollInterval: 0}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := btClient(t)
			if tt.want == nil {
				mt.RegisterResponder(http.MethodGet, btOne, btProgress(StatusComplete, 1, 1))
				if _, err := c.WaitForBatch(t.Context(), "42", &tt.o); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := c.WaitForBatch(t.Context(), "42", &tt.o)
			if b != nil {
				t.Errorf("batch %+v", b)
			}
			btWantInput(t, err, mt, append([]string{"wait for batch"}, tt.want...)...)
		})
	}
}

// -------------------------------------------------------------- secret hygiene

func TestBatchErrorsHideTheSecret(t *testing.T) {
	t.Parallel()
	echoURL := func(req *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy refused %s (secret=%s, escaped %s)", req.URL, btSecret, url.QueryEscape(btSecret))
	}
	echoBody := func(req *http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(400, fmt.Sprintf(`{"error":"BAD_REQUEST","message":"bad request %s"}`, req.URL)), nil
	}
	echoHTML := func(req *http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(200, "<html>"+req.URL.String()+"</html>"), nil
	}
	for _, tt := range []struct {
		name string
		r    httpmock.Responder
	}{{"transport error with the URL", echoURL}, {"error body with the URL", echoBody}, {"2xx HTML with the URL", echoHTML}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := btClient(t, btPolicy(1, time.Second, time.Second))
				mt.RegisterResponder(http.MethodGet, btOne, tt.r)
				mt.RegisterResponder(http.MethodPost, btRoot, tt.r)
				mt.RegisterResponder(http.MethodPut, btOneCmd, tt.r)
				mt.RegisterResponder(http.MethodDelete, btOne, tt.r)
				mt.RegisterResponder(http.MethodGet, btRoot, tt.r)
				_, err1 := c.GetBatch(t.Context(), "42")
				_, err2 := c.CreateBatch(t.Context(), NewBatch{})
				err3 := c.StartBatch(t.Context(), "42")
				err4 := c.DeleteBatch(t.Context(), "42")
				_, err5 := c.ListBatches(t.Context(), nil)
				_, err6 := c.WaitForBatch(t.Context(), "42", &WaitOptions{PollInterval: time.Second})
				for i, err := range []error{err1, err2, err3, err4, err5, err6} {
					if tt.name == "2xx HTML with the URL" && (i == 2 || i == 3) { // PUT and DELETE ignore a 2xx body
						if err != nil {
							t.Errorf("call %d: %v", i+1, err)
						}
						continue
					}
					if err == nil {
						t.Errorf("call %d: no error", i+1)
						continue
					}
					btNoLeak(t, err)
					var ae *APIError
					if errors.As(err, &ae) && (strings.Contains(string(ae.Body), btSecret) || strings.Contains(ae.Message, btSecret)) {
						t.Errorf("call %d: APIError keeps the secret: %q", i+1, ae.Body)
					}
				}
			})
		})
	}
}

// TestArgumentsReadBackPassThrough: a known key the typed field cannot hold
// (save_to_cache "PRIVATE") stays in Extra and is sent back unchanged when the
// arguments of one batch are reused to create another.
func TestArgumentsReadBackPassThrough(t *testing.T) {
	t.Parallel()
	var a BatchArguments
	if err := json.Unmarshal([]byte(`{"save_to_cache":"PRIVATE","cache_days_global":3}`), &a); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Extra["save_to_cache"].(json.RawMessage); a.SaveToCache != nil || string(v) != `"PRIVATE"` {
		t.Fatalf("decoded %+v", a)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("arguments read from the service refused on reuse: %v", err)
	}
	out, err := json.Marshal(a)
	if err != nil || string(out) != `{"cache_days_global":3,"save_to_cache":"PRIVATE"}` {
		t.Errorf("re-encoded %s, %v", out, err)
	}
}

// TestCreateAnswerWithoutIDIsOutcomeUnknown: a 2xx the SDK cannot read means
// the batch probably exists; the error says to look before creating again.
func TestCreateAnswerWithoutIDIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"filename":"a.csv"}`, `<html>ok</html>`} {
		c, mt := btClient(t)
		mt.RegisterResponder(http.MethodPost, btRoot, btJSON(201, body))
		_, err := c.CreateBatch(t.Context(), NewBatch{Filename: "a.csv"})
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrUnexpectedResponse) || !strings.Contains(err.Error(), `look for filename "a.csv"`) {
			t.Errorf("body %s: err = %v", body, err)
		}
		if n := mt.GetTotalCallCount(); n != 1 {
			t.Errorf("body %s: %d calls", body, n)
		}
	}
}

// TestKnownKeysInExtraAreStillChecked: a known key in Extra passes through
// only with a value its rule allows; YES/NO keys accept the service's other
// values.
func TestKnownKeysInExtraAreStillChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		extra map[string]any
		ok    bool
	}{
		{map[string]any{"cache_days_global": 99.0}, false},
		{map[string]any{"cache_days_private": -1}, false},
		{map[string]any{"cache_days_private": 2.5}, false},
		{map[string]any{"cache_days_private": "abc"}, false},
		{map[string]any{"cache_days_global": "7"}, true},
		{map[string]any{"cache_days_global": 30.0}, true},
		{map[string]any{"input_format": "gb"}, false},
		{map[string]any{"input_format": 3}, false},
		{map[string]any{"output_format": "PLUS_E164"}, true},
		{map[string]any{"save_to_cache": "PRIVATE"}, true},
		{map[string]any{"usa_status": true}, true},
		// As UnmarshalJSON keeps them: raw JSON.
		{map[string]any{"input_format": json.RawMessage(`""`)}, true},
		{map[string]any{"cache_days_private": json.RawMessage(`"7"`)}, true},
		{map[string]any{"cache_days_private": json.RawMessage(`31`)}, false},
		{map[string]any{"output_format": json.RawMessage(`"e164"`)}, false},
		{map[string]any{"cache_days_global": json.RawMessage(`{`)}, false},
	}
	for _, tt := range tests {
		err := (&BatchArguments{Extra: tt.extra}).Validate()
		if (err == nil) != tt.ok {
			t.Errorf("Extra %v: Validate = %v, want ok=%v", tt.extra, err, tt.ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "Extra[")) {
			t.Errorf("Extra %v: error %q does not name the key", tt.extra, err)
		}
	}
}

// TestBatchListRoundTrip: a page encodes in the service's shape and decodes
// back to the same values.
func TestBatchListRoundTrip(t *testing.T) {
	t.Parallel()
	in := BatchList{Total: 12, Offset: 10, Limit: 2, Batches: []*Batch{{ID: "11", Status: StatusComplete, NumItems: 3, NumComplete: 3}, {ID: "12", Status: "NEW"}}}
	out, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `{"total":12,"offset":10,"limit":2,"batches":[{"id":"11",`) {
		t.Errorf("encoded %s", out)
	}
	var back BatchList
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Total != 12 || back.Offset != 10 || back.Limit != 2 || len(back.Batches) != 2 || back.Batches[1].Status != "NEW" || back.Batches[0].NumComplete != 3 {
		t.Errorf("round trip = %+v", back)
	}
	if empty, _ := json.Marshal(BatchList{}); string(empty) != `{"total":0,"offset":0,"limit":0,"batches":[]}` {
		t.Errorf("empty page = %s", empty)
	}
}

// A count beyond int's range is refused, never wrapped: on a 32-bit build
// 4294967303 used to read as 7, which Validate then passed for
// cache_days_private. The value is built from this build's int size.
func TestLooseIntRefusesValuesBeyondInt(t *testing.T) {
	t.Parallel()
	over := new(big.Int).Lsh(big.NewInt(1), strconv.IntSize-1) // MaxInt + 1
	under := new(big.Int).Neg(new(big.Int).Add(over, big.NewInt(1)))
	for _, v := range []string{
		new(big.Int).Add(over, big.NewInt(7)).String(),
		`"` + over.String() + `"`,
		under.String(),
		"1e30", "-1e30", "1.5",
	} {
		var n looseInt
		if err := json.Unmarshal([]byte(v), &n); err == nil {
			t.Errorf("%s read as %d, want an error", v, n)
		}
	}
	for v, want := range map[string]looseInt{"7": 7, `"42"`: 42, "3.0": 3, "-5": -5} {
		var n looseInt
		if err := json.Unmarshal([]byte(v), &n); err != nil || n != want {
			t.Errorf("%s read as %d, %v; want %d", v, n, err, want)
		}
	}
}
