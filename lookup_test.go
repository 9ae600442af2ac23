package hlrlookup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
)

const testLookupURL = "https://lookup.test/apiv2"

// newLookupClient is newMockClient pointed at testLookupURL, logging at
// debug level into the returned buffer.
func newLookupClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport, *LogSink) {
	t.Helper()
	logs := &LogSink{}
	all := append([]Option{WithLookupURL(testLookupURL),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	c, mt := newMockClient(t, all...)
	return c, mt, logs
}

// lookupRequest is a lookup body as the service reads it.
type lookupRequest struct {
	APIKey    string                       `json:"api_key"`
	APISecret string                       `json:"api_secret"`
	Requests  []map[string]json.RawMessage `json:"requests"`
}

func readLookupRequest(t *testing.T, r *http.Request) lookupRequest {
	t.Helper()
	var lr lookupRequest
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Error(err)
	}
	if err := json.Unmarshal(b, &lr); err != nil {
		t.Errorf("request body %s: %v", b, err)
	}
	return lr
}

func (lr lookupRequest) numbers() []string {
	out := make([]string, len(lr.Requests))
	for i, it := range lr.Requests {
		_ = json.Unmarshal(it["telephone_number"], &out[i])
	}
	return out
}

// lookupAnswer answers each number of lr with a LIVE result stamped ts.
func lookupAnswer(lr lookupRequest, ts time.Time) string {
	var recs []string
	for _, n := range lr.numbers() {
		q, _ := json.Marshal(n)
		recs = append(recs, fmt.Sprintf(`{"error":"NONE","request_parameters":{"telephone_number":%s},"live_status":"LIVE","credits_spent":1,"timestamp":%q}`,
			q, ts.UTC().Format(time.RFC3339)))
	}
	return `{"results":[` + strings.Join(recs, ",") + `]}`
}

// echoResponder answers every number, stamped now.
func echoResponder(t *testing.T) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(200, lookupAnswer(readLookupRequest(t, r), time.Now())), nil
	}
}

// assertLookupNoSecret fails when the secret shows in err (every format
// and every error of its chain), in the logs or in the results.
func assertLookupNoSecret(t *testing.T, err error, logs *LogSink, results []*Result) {
	t.Helper()
	if err != nil {
		assertNoSecret(t, "error", err)
		for _, e := range errorChain(err) {
			assertNoSecret(t, "error in the chain", e)
		}
	}
	if logs != nil && containsSecret(logs.String(), testSecret) {
		t.Errorf("logs show the secret: %s", logs)
	}
	for _, r := range results {
		if r != nil {
			assertNoSecret(t, "result", *r)
		}
	}
}

func numbersN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "+4477009" + strconv.Itoa(10000+i)
	}
	return out
}

func TestLookupWire(t *testing.T) {
	t.Parallel()
	days, yes, no := 7, true, false
	for _, tc := range []struct {
		kind LookupKind
		call func(*Client, context.Context, []string, *LookupOptions) ([]*Result, error)
		path string
	}{
		{LookupHLR, (*Client).LookupHLR, "/apiv2/hlr"},
		{LookupMNP, (*Client).LookupMNP, "/apiv2/mnp"},
		{LookupValidate, (*Client).ValidateNumbers, "/apiv2/validate"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			// The lookup host is the batches host: the query must still stay clean.
			c, mt, logs := newLookupClient(t, WithBaseURL("https://lookup.test/"))
			var got lookupRequest
			var hdr http.Header
			var rawQuery, method string
			mt.RegisterResponder("POST", "https://lookup.test"+tc.path, func(r *http.Request) (*http.Response, error) {
				got, hdr, rawQuery, method = readLookupRequest(t, r), r.Header.Clone(), r.URL.RawQuery, r.Method
				return httpmock.NewStringResponse(200, lookupAnswer(got, time.Now())), nil
			})
			numbers := []string{"+44(7790) 60 60 23", " 0049 151 ", "not a number", ""}
			opts := &LookupOptions{ReferenceID: "ref-1", AccountID: "cust-9",
				Arguments: &BatchArguments{CacheDaysPrivate: &days, SaveToCache: &no, GetPortedDate: &yes, OutputFormat: "E164"}}
			res, err := tc.call(c, context.Background(), numbers, opts)
			if err != nil {
				t.Fatal(err)
			}
			if method != "POST" || rawQuery != "" {
				t.Errorf("sent %s with query %q, want POST and no query", method, rawQuery)
			}
			if got.APIKey != testKey || got.APISecret != testSecret {
				t.Errorf("body credentials %q %q", got.APIKey, got.APISecret)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if hdr.Get("ReferenceID") != "ref-1" || hdr.Get("AccountID") != "cust-9" {
				t.Errorf("headers %v", hdr)
			}
			if fmt.Sprint(got.numbers()) != fmt.Sprint(numbers) {
				t.Errorf("numbers sent %q, want exactly %q", got.numbers(), numbers)
			}
			want := map[string]string{"telephone_number": "", "cache_days_private": "7", "save_to_cache": `"NO"`, "get_ported_date": `"YES"`, "output_format": `"E164"`}
			for _, it := range got.Requests {
				if len(it) != len(want) {
					t.Errorf("item keys %v, want only what is set", it)
				}
				for k, v := range want {
					if k != "telephone_number" && string(it[k]) != v {
						t.Errorf("%s = %s, want %s", k, it[k], v)
					}
				}
			}
			if len(res) != len(numbers) {
				t.Fatalf("%d results", len(res))
			}
			for i, r := range res {
				if r.TelephoneNumber != numbers[i] {
					t.Errorf("result %d is for %q", i, r.TelephoneNumber)
				}
			}
			assertLookupNoSecret(t, nil, logs, res)
		})
	}
}

func TestLookupDecodesEnvelopes(t *testing.T) {
	t.Parallel()
	documented := &Result{
		TelephoneNumber: "+44(7790) 60 60 23", DetectedTelephoneNumber: "447790606023", LiveStatus: LiveStatusLive,
		TelephoneNumberType: NumberTypeMobile, IsPorted: "YES", CreditsSpent: 1, Error: "NONE", UUID: "f066f711-4043-4d54-847d-c273e6491881",
		Timestamp:       time.Date(2022, 9, 8, 10, 56, 3, 0, time.UTC),
		OriginalNetwork: Network{Status: "AVAILABLE", Name: "EE Limited (Orange)", MCCMNC: "23433", CountryName: "United Kingdom", CountryISO3: "GBR", Area: "United Kingdom", CountryPrefix: "44"},
		CurrentNetwork:  Network{Status: "AVAILABLE", Name: "Virgin Mobile", MCCMNC: "23438", CountryName: "United Kingdom", CountryISO3: "GBR", CountryPrefix: "44"},
		RequestParameters: RequestParameters{TelephoneNumber: "+44(7790) 60 60 23", SaveToCache: "YES", GetPortedDate: "NO",
			GetLandlineStatus: "NO", USAStatus: "NO"},
	}
	signal := *documented
	signal.DisposableNumber = "NO"
	for _, tc := range []struct {
		file    string
		kind    LookupKind
		numbers []string
		check   func(t *testing.T, res []*Result)
	}{
		{"hlr_documented_body.json", LookupHLR, []string{"+44(7790) 60 60 23"}, func(t *testing.T, res []*Result) {
			if fmt.Sprintf("%+v", *res[0]) != fmt.Sprintf("%+v", *documented) {
				t.Errorf("got  %+v\nwant %+v", *res[0], *documented)
			}
		}},
		{"hlr_documented_results.json", LookupHLR, []string{"+44(7790) 60 60 23"}, func(t *testing.T, res []*Result) {
			if fmt.Sprintf("%+v", *res[0]) != fmt.Sprintf("%+v", *documented) {
				t.Errorf("got  %+v\nwant %+v", *res[0], *documented)
			}
		}},
		{"hlr_signal_results.json", LookupHLR, []string{"+44(7790) 60 60 23"}, func(t *testing.T, res []*Result) {
			if fmt.Sprintf("%+v", *res[0]) != fmt.Sprintf("%+v", signal) {
				t.Errorf("got  %+v\nwant %+v", *res[0], signal)
			}
		}},
		{"hlr_errors_per_number.json", LookupHLR, []string{"+447700900001", "+447700900002", "12"}, func(t *testing.T, res []*Result) {
			if res[0].Error != "INSUFFICIENT_CREDIT" || res[1].Error != "INTERNAL_ERROR" || res[2].TelephoneNumberType != NumberTypeBadFormat {
				t.Errorf("got %+v %+v %+v", *res[0], *res[1], *res[2])
			}
			if res[0].OK() || res[1].OK() || !res[2].OK() {
				t.Error("OK() wrong")
			}
		}},
		{"mnp_results.json", LookupMNP, []string{"+447700900123"}, func(t *testing.T, res []*Result) {
			r := res[0]
			if r.CreditsSpent != 0.5 || r.IsPorted != "YES" || r.CurrentNetwork.MCCMNC != "23415" || r.LiveStatus != "" {
				t.Errorf("got %+v", *r)
			}
		}},
		{"validate_results.json", LookupValidate, []string{"020 7946 0000"}, func(t *testing.T, res []*Result) {
			r := res[0]
			if r.TelephoneNumberType != NumberTypeLandline || r.FormattedTelephoneNumber != "+442079460000" || r.OriginalNetwork.Name != "BT" || r.CurrentNetwork != (Network{}) {
				t.Errorf("got %+v", *r)
			}
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			c, mt, _ := newLookupClient(t)
			mt.RegisterResponder("POST", testLookupURL+"/"+string(tc.kind), httpmock.NewStringResponder(200, readTestdata(t, "lookups/"+tc.file)))
			var res []*Result
			for r, err := range c.Lookups(context.Background(), tc.kind, sliceSeq(tc.numbers), nil) {
				if err != nil {
					t.Fatal(err)
				}
				res = append(res, r)
			}
			if len(res) != len(tc.numbers) {
				t.Fatalf("%d results, want %d", len(res), len(tc.numbers))
			}
			tc.check(t, res)
		})
	}
}

// TestLookupMatchesByNumber: results out of request order are put back in
// it by request_parameters.telephone_number.
func TestLookupMatchesByNumber(t *testing.T) {
	t.Parallel()
	c, mt, _ := newLookupClient(t)
	mt.RegisterResponder("POST", testLookupURL+"/hlr", httpmock.NewStringResponder(200,
		`{"results":[{"request_parameters":{"telephone_number":"b"},"uuid":"2"},{"request_parameters":{"telephone_number":"a"},"uuid":"1"},{"request_parameters":{"telephone_number":"a"},"uuid":"3"}]}`))
	res, err := c.LookupHLR(context.Background(), []string{"a", "b", "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].UUID != "1" || res[1].UUID != "2" || res[2].UUID != "3" {
		t.Errorf("order %s %s %s", res[0].UUID, res[1].UUID, res[2].UUID)
	}
}

func TestDisposableNumberInBatchResults(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"request_parameters.telephone_number,disposable_number\n+4477,YES\n",
		`[{"request_parameters":{"telephone_number":"+4477"},"disposable_number":"YES"}]`,
	} {
		for r, err := range ReadResults(strings.NewReader(in)) {
			if err != nil {
				t.Fatal(err)
			}
			if r.DisposableNumber != "YES" || r.Extra != nil {
				t.Errorf("%q: DisposableNumber %q, Extra %v", in, r.DisposableNumber, r.Extra)
			}
		}
	}
}

func TestLookupErrors(t *testing.T) {
	t.Parallel()
	body := func(name string) string { return readTestdata(t, "lookups/"+name) }
	for _, tc := range []struct {
		name     string
		resp     []httpmock.Responder
		want     error
		not      error
		status   int
		attempts int
		calls    int
		msg      string
	}{
		{"400", []httpmock.Responder{httpmock.NewStringResponder(400, body("error_bad_request.json"))}, ErrInvalidParameter, ErrOutcomeUnknown, 400, 1, 1, "Invalid output_format"},
		{"401", []httpmock.Responder{httpmock.NewStringResponder(401, body("error_unauthorized.json"))}, ErrUnauthorized, ErrOutcomeUnknown, 401, 1, 1, "Invalid api_key"},
		{"404 empty", []httpmock.Responder{httpmock.NewStringResponder(404, "")}, nil, ErrBatchNotFound, 404, 1, 1, "not an APIv2 endpoint"},
		{"429 retried then given up", []httpmock.Responder{httpmock.NewStringResponder(429, body("error_too_many_requests.json")).HeaderSet(http.Header{"Retry-After": {"0"}})}, ErrRateLimited, ErrOutcomeUnknown, 429, 3, 3, "try again later"},
		{"429 then 200", []httpmock.Responder{httpmock.NewStringResponder(429, body("error_too_many_requests.json")), nil}, nil, nil, 0, 0, 2, ""},
		{"refused then 200", []httpmock.Responder{httpmock.NewErrorResponder(btRefused()), nil}, nil, nil, 0, 0, 2, ""},
		{"503 retried", []httpmock.Responder{httpmock.NewStringResponder(503, ""), httpmock.NewStringResponder(503, ""), httpmock.NewStringResponder(503, "")}, ErrServer, ErrOutcomeUnknown, 503, 3, 3, ""},
		{"200 with an error object", []httpmock.Responder{httpmock.NewStringResponder(200, body("error_unauthorized.json"))}, ErrUnauthorized, ErrOutcomeUnknown, 200, 1, 1, "Invalid api_key"},
		{"501", []httpmock.Responder{httpmock.NewStringResponder(501, "")}, ErrServer, ErrOutcomeUnknown, 501, 1, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t)
			var calls atomic.Int32
			mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
				n := int(calls.Add(1)) - 1
				resp := tc.resp[min(n, len(tc.resp)-1)]
				if resp == nil {
					return echoResponder(t)(r)
				}
				return resp(r)
			})
			res, err := c.LookupHLR(context.Background(), []string{"+447700900123"}, nil)
			if got := int(calls.Load()); got != tc.calls {
				t.Errorf("%d requests, want %d", got, tc.calls)
			}
			assertLookupNoSecret(t, err, logs, res)
			if tc.status == 0 {
				if err != nil || len(res) != 1 {
					t.Fatalf("err %v, %d results", err, len(res))
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Attempts != tc.attempts {
				t.Fatalf("err %v, want an *APIError %d after %d attempts", err, tc.status, tc.attempts)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err %v does not match %v", err, tc.want)
			}
			if tc.not != nil && errors.Is(err, tc.not) {
				t.Errorf("err %v matches %v", err, tc.not)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q does not say %q", err, tc.msg)
			}
			if len(res) != 1 || res[0] != nil {
				t.Errorf("results %v, want one nil for the number sent", res)
			}
		})
	}
}

func TestBalance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		status     int
		want       float64
		wantErr    error
	}{
		{"documented", readTestdata(t, "lookups/balance.json"), 200, 1234.5, nil},
		{"lower case, string", `{"status":"OK","credits":"12"}`, 200, 12, nil},
		{"error object", `{"error":"UNAUTHORIZED","message":"Invalid api_key or api_secret"}`, 200, 0, ErrUnauthorized},
		{"401", `{"error":"UNAUTHORIZED","message":"Invalid api_key or api_secret"}`, 401, 0, ErrUnauthorized},
		{"no credits", `{"Status":"OK"}`, 200, 0, ErrUnexpectedResponse},
		{"not OK", `{"Status":"FAIL","Credits":3}`, 200, 0, ErrUnexpectedResponse},
		{"html", `<html>` + testSecret + `</html>`, 200, 0, ErrUnexpectedResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t)
			mt.RegisterResponder("POST", testLookupURL+"/balance", func(r *http.Request) (*http.Response, error) {
				lr := readLookupRequest(t, r)
				if lr.APIKey != testKey || lr.APISecret != testSecret || r.URL.RawQuery != "" || lr.Requests != nil {
					t.Errorf("balance request %+v query %q", lr, r.URL.RawQuery)
				}
				return httpmock.NewStringResponse(tc.status, tc.body), nil
			})
			got, err := c.Balance(context.Background())
			assertLookupNoSecret(t, err, logs, nil)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestLookupRefusedWithoutIO: nothing is sent for no numbers or bad options
// (the mock fails the test on any request).
func TestLookupRefusedWithoutIO(t *testing.T) {
	t.Parallel()
	bad, ok := 31, 1
	for _, tc := range []struct {
		name    string
		kind    LookupKind
		numbers []string
		opts    *LookupOptions
	}{
		{"no numbers", LookupHLR, nil, nil},
		{"empty slice", LookupMNP, []string{}, &LookupOptions{ReferenceID: "x"}},
		{"bad cache days", LookupHLR, []string{"1"}, &LookupOptions{Arguments: &BatchArguments{CacheDaysPrivate: &bad}}},
		{"bad output format", LookupValidate, []string{"1"}, &LookupOptions{Arguments: &BatchArguments{OutputFormat: "e164"}}},
		{"number in Extra", LookupHLR, []string{"1"}, &LookupOptions{Arguments: &BatchArguments{CacheDaysGlobal: &ok, Extra: map[string]any{"telephone_number": "2"}}}},
		{"negative concurrency", LookupHLR, []string{"1"}, &LookupOptions{Concurrency: -1}},
		{"ReferenceID line break", LookupHLR, []string{"1"}, &LookupOptions{ReferenceID: "a\r\nX-Evil: 1"}},
		{"AccountID NUL", LookupHLR, []string{"1"}, &LookupOptions{AccountID: "a\x00"}},
		{"ReferenceID control character", LookupHLR, []string{"1"}, &LookupOptions{ReferenceID: "a\x01b"}},
		{"AccountID DEL", LookupHLR, []string{"1"}, &LookupOptions{AccountID: "a\x7f"}},
		{"concurrency above the bound", LookupHLR, []string{"1"}, &LookupOptions{Concurrency: MaxLookupConcurrency + 1}},
		{"concurrency huge", LookupHLR, []string{"1"}, &LookupOptions{Concurrency: 1 << 40}},
		{"unknown kind", LookupKind("hlr/../batches"), []string{"1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, _ := newLookupClient(t)
			var n int
			for r, err := range c.Lookups(context.Background(), tc.kind, sliceSeq(tc.numbers), tc.opts) {
				n++
				if len(tc.numbers) > 0 && (r != nil || !errors.Is(err, ErrInvalidInput)) {
					t.Errorf("got %v, %v; want an ErrInvalidInput", r, err)
				}
			}
			if len(tc.numbers) == 0 && n != 0 {
				t.Errorf("%d values for no numbers", n)
			}
			if mt.GetTotalCallCount() != 0 {
				t.Errorf("%d requests sent", mt.GetTotalCallCount())
			}
		})
	}
	c, _, _ := newLookupClient(t)
	if res, err := c.LookupHLR(context.Background(), nil, nil); err != nil || len(res) != 0 {
		t.Errorf("no numbers: %v, %v", res, err)
	}
}

// TestLookupSplitsOutOfOrder: 250 numbers go out as 80, 80, 80, 10, all four
// in flight at once; the service answers them last to first, and the results
// still come back in input order.
func TestLookupSplitsOutOfOrder(t *testing.T) {
	t.Parallel()
	c, mt, _ := newLookupClient(t)
	numbers := numbersN(250)
	arrived := make(chan struct{}, 4)
	release := make([]chan struct{}, 4) // release[i] closes when chunk i may answer
	for i := range release {
		release[i] = make(chan struct{})
	}
	var sizes sync.Map
	mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
		lr := readLookupRequest(t, r)
		first, _ := strconv.Atoi(strings.TrimPrefix(lr.numbers()[0], "+4477009"))
		chunk := (first - 10000) / MaxLookupNumbers
		sizes.Store(chunk, len(lr.Requests))
		arrived <- struct{}{}
		<-release[chunk]
		resp := httpmock.NewStringResponse(200, lookupAnswer(lr, time.Now()))
		if chunk > 0 {
			close(release[chunk-1]) // once answered, the chunk before may answer
		}
		return resp, nil
	})
	go func() {
		for range 4 {
			<-arrived // all four in flight at once
		}
		close(release[3])
	}()
	res, err := c.LookupHLR(context.Background(), numbers, &LookupOptions{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{80, 80, 80, 10} {
		if got, _ := sizes.Load(i); got != want {
			t.Errorf("chunk %d had %v numbers, want %d", i, got, want)
		}
	}
	if len(res) != len(numbers) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.TelephoneNumber != numbers[i] {
			t.Fatalf("result %d is for %q, want %q", i, r.TelephoneNumber, numbers[i])
		}
	}
}

// TestLookupConcurrencyBound: never more than Concurrency requests in
// flight, and the default is 4.
func TestLookupConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ conc, want int }{{1, 1}, {2, 2}, {0, defaultLookupConcurrency}} {
		t.Run(strconv.Itoa(tc.conc), func(t *testing.T) {
			t.Parallel()
			c, mt, _ := newLookupClient(t)
			var inFlight, peak atomic.Int32
			gate := make(chan struct{})
			var once sync.Once
			mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if int(n) == tc.want {
					once.Do(func() { close(gate) }) // the window is full: let everyone answer
				}
				<-gate
				return echoResponder(t)(r)
			})
			res, err := c.LookupHLR(context.Background(), numbersN(MaxLookupNumbers*9+1), &LookupOptions{Concurrency: tc.conc})
			if err != nil || len(res) != MaxLookupNumbers*9+1 {
				t.Fatalf("%d results, %v", len(res), err)
			}
			if int(peak.Load()) != tc.want || mt.GetTotalCallCount() != 10 {
				t.Errorf("peak %d in flight, want %d; %d requests", peak.Load(), tc.want, mt.GetTotalCallCount())
			}
		})
	}
}

// TestLookupsStreamBoundedAndStops: the stream pulls numbers only as the
// window needs them, and breaking out sends nothing more and cancels the
// requests in flight.
func TestLookupsStreamBoundedAndStops(t *testing.T) {
	t.Parallel()
	c, mt, _ := newLookupClient(t)
	var pulled atomic.Int64
	endless := func(yield func(string) bool) {
		for i := 0; ; i++ {
			pulled.Add(1)
			if !yield("+44" + strconv.Itoa(i)) {
				return
			}
		}
	}
	var arrived atomic.Int32
	cancelled := make(chan struct{}, 3)
	full := make(chan struct{})
	mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
		lr := readLookupRequest(t, r)
		if arrived.Add(1) == 3 {
			close(full) // the whole window is in flight
		}
		<-full
		if lr.numbers()[0] == "+440" {
			return httpmock.NewStringResponse(200, lookupAnswer(lr, time.Now())), nil
		}
		<-r.Context().Done() // the others hang until cancelled
		cancelled <- struct{}{}
		return nil, r.Context().Err()
	})
	n := 0
	for r, err := range c.Lookups(context.Background(), LookupHLR, endless, &LookupOptions{Concurrency: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 || r == nil {
			break
		}
	}
	if calls := mt.GetTotalCallCount(); calls != 3 {
		t.Errorf("%d requests, want the window of 3", calls)
	}
	<-cancelled // the two requests in flight were cancelled (else this hangs)
	<-cancelled
	if p := pulled.Load(); p > 3*MaxLookupNumbers+1 {
		t.Errorf("pulled %d numbers, more than the window", p)
	}
}

var _ iter.Seq[string] = sliceSeq(nil)

// TestLookupRetryAfterHonoured: a 429 on a lookup is retried after the
// server's Retry-After (on the synctest clock), capped at MaxWait.
func TestLookupRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt, _ := newLookupClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Minute}))
		var sent []time.Time
		mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
			sent = append(sent, time.Now())
			if len(sent) == 1 {
				resp := httpmock.NewStringResponse(429, readTestdata(t, "lookups/error_too_many_requests.json"))
				resp.Header.Set("Retry-After", "7")
				return resp, nil
			}
			return echoResponder(t)(r)
		})
		res, err := c.LookupHLR(t.Context(), []string{"+447700900123"}, nil)
		if err != nil || len(res) != 1 {
			t.Fatalf("%v, %v", res, err)
		}
		if len(sent) != 2 || sent[1].Sub(sent[0]) != 7*time.Second {
			t.Errorf("sent at %v, want a retry 7s after the 429", sent)
		}
	})
}

// TestLookupFailureFinishesInFlight: after a request fails no new request
// is sent, but the one in flight is finished and its results kept (it was
// paid for); the slice holds one entry per number sent.
func TestLookupFailureFinishesInFlight(t *testing.T) {
	t.Parallel()
	c, mt, logs := newLookupClient(t)
	second := make(chan struct{})
	mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
		lr := readLookupRequest(t, r)
		if lr.numbers()[0] == "+447700910000" { // the first request
			<-second // both are in flight
			return httpmock.NewStringResponse(401, readTestdata(t, "lookups/error_unauthorized.json")), nil
		}
		close(second)
		return httpmock.NewStringResponse(200, lookupAnswer(lr, time.Now())), nil
	})
	numbers := numbersN(5 * MaxLookupNumbers)
	res, err := c.LookupHLR(context.Background(), numbers, &LookupOptions{Concurrency: 2})
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err %v", err)
	}
	assertLookupNoSecret(t, err, logs, res)
	if calls := mt.GetTotalCallCount(); calls != 2 {
		t.Errorf("%d requests, want 2 (none after the failure)", calls)
	}
	if len(res) != 2*MaxLookupNumbers {
		t.Fatalf("%d results, want %d", len(res), 2*MaxLookupNumbers)
	}
	for i, r := range res {
		if (r == nil) != (i < MaxLookupNumbers) || r != nil && r.TelephoneNumber != numbers[i] {
			t.Fatalf("result %d: %v", i, r)
		}
	}
}
