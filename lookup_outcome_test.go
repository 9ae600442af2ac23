package hlrlookup

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// TestLookupNeverPaysTwice walks every branch of the unknown-outcome rule
// (retry.go: lookupOutcomeUnknown, lookupRepeatArguments,
// lookupAnswerIsOurs): which requests go out, with which cache_days_private,
// and which numbers come back as results or in doubt.
func TestLookupNeverPaysTwice(t *testing.T) {
	t.Parallel()
	three, zero, yes, no := 3, 0, true, false
	fresh := func(lr lookupRequest) string { return lookupAnswer(lr, time.Now()) }
	old := func(lr lookupRequest) string { return lookupAnswer(lr, time.Now().Add(-time.Hour)) }
	answer := func(f func(lookupRequest) string) func(lookupRequest) (int, string, error) {
		return func(lr lookupRequest) (int, string, error) { return 200, f(lr), nil }
	}
	status := func(code int) func(lookupRequest) (int, string, error) {
		return func(lookupRequest) (int, string, error) { return code, "", nil }
	}
	lost := func(lookupRequest) (int, string, error) { return 0, "", errBtReset }
	for _, tc := range []struct {
		name       string
		args       *BatchArguments
		maxRetries int
		steps      []func(lookupRequest) (int, string, error) // per request; the last repeats
		wantCache  []string                                   // cache_days_private sent, per request ("" = not sent)
		wantSizes  []int                                      // numbers per request
		doubt      []string                                   // numbers named in doubt
		also       error                                      // the failure the error also matches
	}{
		{"500, repeat from the private cache is ours", nil, 2, steps(status(500), answer(fresh)), []string{"", "1"}, []int{2, 2}, nil, nil},
		{"502, repeat answers from before the call", nil, 2, steps(status(502), answer(old)), []string{"", "1"}, []int{2, 2}, []string{"a", "b"}, nil},
		{"504 then connection lost, then ours", nil, 3, steps(status(504), lost, answer(fresh)), []string{"", "1", "1"}, []int{2, 2, 2}, nil, nil},
		{"connection lost after sending, caller's cache 0", &BatchArguments{CacheDaysPrivate: &zero}, 2, steps(lost, answer(fresh)), []string{"0", "1"}, []int{2, 2}, nil, nil},
		{"caller allows the cache: same request, old answer fine", &BatchArguments{CacheDaysPrivate: &three}, 2, steps(status(500), answer(old)), []string{"3", "3"}, []int{2, 2}, nil, nil},
		{"save_to_cache NO: no repeat is safe", &BatchArguments{SaveToCache: &no}, 2, steps(status(500)), []string{""}, []int{2}, []string{"a", "b"}, ErrServer},
		{"save_to_cache YES: repeated", &BatchArguments{SaveToCache: &yes}, 2, steps(status(500), answer(fresh)), []string{"", "1"}, []int{2, 2}, nil, nil},
		{"no retries allowed", nil, 0, steps(status(500)), []string{""}, []int{2}, []string{"a", "b"}, ErrServer},
		{"500 every time", nil, 2, steps(status(500)), []string{"", "1", "1"}, []int{2, 2, 2}, []string{"a", "b"}, ErrServer},
		{"401 on the repeat", nil, 2, steps(status(500), status(401)), []string{"", "1"}, []int{2, 2}, []string{"a", "b"}, ErrUnauthorized},
		{"an answer lacks a number: only it is repeated", nil, 2, steps(answer(func(lr lookupRequest) string {
			lr.Requests = lr.Requests[:1]
			return fresh(lr)
		}), answer(fresh)), []string{"", "1"}, []int{2, 1}, nil, nil},
		{"a 2xx that cannot be read", nil, 2, steps(answer(func(lookupRequest) string { return "<html>" }), answer(old)), []string{"", "1"}, []int{2, 2}, []string{"a", "b"}, ErrUnexpectedResponse},
		{"400 first: nothing ran, no repeat", nil, 2, steps(status(400)), []string{""}, []int{2}, nil, ErrInvalidParameter},
		{"per-number errors and BAD_FORMAT on a repeat are answers", nil, 2, steps(status(500), answer(func(lookupRequest) string {
			return `{"results":[{"error":"INSUFFICIENT_CREDIT","request_parameters":{"telephone_number":"a"}},{"telephone_number_type":"BAD_FORMAT","request_parameters":{"telephone_number":"b"}}]}`
		})), []string{"", "1"}, []int{2, 2}, nil, nil},
		{"a repeat without timestamp is in doubt", nil, 2, steps(status(500), answer(func(lookupRequest) string {
			return `{"results":[{"error":"NONE","request_parameters":{"telephone_number":"a"}},{"error":"NONE","request_parameters":{"telephone_number":"b"},"timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `"}]}`
		})), []string{"", "1"}, []int{2, 2}, []string{"a"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: tc.maxRetries, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))
			var mu sync.Mutex
			var cache []string
			var sizes []int
			mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
				lr := readLookupRequest(t, r)
				mu.Lock()
				n := len(cache)
				cd := string(lr.Requests[0]["cache_days_private"])
				for _, it := range lr.Requests {
					if string(it["cache_days_private"]) != cd {
						t.Errorf("numbers of one request sent with different options")
					}
				}
				cache, sizes = append(cache, cd), append(sizes, len(lr.Requests))
				mu.Unlock()
				code, body, err := tc.steps[min(n, len(tc.steps)-1)](lr)
				if err != nil {
					return nil, err
				}
				return httpmock.NewStringResponse(code, body), nil
			})
			res, err := c.LookupHLR(context.Background(), []string{"a", "b"}, &LookupOptions{Arguments: tc.args})
			assertLookupNoSecret(t, err, logs, res)
			if strings.Join(cache, ",") != strings.Join(tc.wantCache, ",") || len(sizes) != len(tc.wantSizes) {
				t.Errorf("cache_days_private per request %q, want %q", cache, tc.wantCache)
			}
			for i := range min(len(sizes), len(tc.wantSizes)) {
				if sizes[i] != tc.wantSizes[i] {
					t.Errorf("request sizes %v, want %v", sizes, tc.wantSizes)
				}
			}
			var oe *LookupOutcomeError
			switch {
			case tc.doubt == nil && tc.also == nil:
				if err != nil || len(res) != 2 || res[0] == nil || res[1] == nil {
					t.Fatalf("err %v, results %v", err, res)
				}
			case tc.doubt == nil: // a plain failure: nothing ran
				if !errors.Is(err, tc.also) || errors.Is(err, ErrOutcomeUnknown) || len(res) != 2 || res[0] != nil || res[1] != nil {
					t.Fatalf("err %v, results %v; want %v only, and two nil results", err, res, tc.also)
				}
			default:
				if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &oe) {
					t.Fatalf("err %v, want a *LookupOutcomeError", err)
				}
				if strings.Join(oe.Numbers, ",") != strings.Join(tc.doubt, ",") {
					t.Errorf("numbers in doubt %q, want %q", oe.Numbers, tc.doubt)
				}
				for _, n := range tc.doubt {
					if !strings.Contains(err.Error(), `"`+n+`"`) {
						t.Errorf("error %q does not name %q", err, n)
					}
				}
				if tc.also != nil && !errors.Is(err, tc.also) {
					t.Errorf("err %v does not match %v", err, tc.also)
				}
				if len(res) != 2 {
					t.Fatalf("%d results, want 2 (nil for numbers in doubt)", len(res))
				}
				for i, n := range []string{"a", "b"} {
					inDoubt := strings.Contains(strings.Join(tc.doubt, ","), n)
					if (res[i] == nil) != inDoubt {
						t.Errorf("result for %q: %v, in doubt %v", n, res[i], inDoubt)
					}
				}
			}
		})
	}
}

func steps(s ...func(lookupRequest) (int, string, error)) []func(lookupRequest) (int, string, error) {
	return s
}

// TestLookupSecretNeverShown: the secret travels only in the body; no
// request carries it in its URL, and a redirect, which could carry the body
// elsewhere, is refused before anything is sent to it, without showing it.
func TestLookupSecretNeverShown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		resp httpmock.Responder
	}{
		{"307 to another host", httpmock.NewStringResponder(307, "").HeaderSet(http.Header{"Location": {"https://elsewhere.test/steal"}})},
		{"308 to the same host", httpmock.NewStringResponder(308, "").HeaderSet(http.Header{"Location": {testLookupURL + "/hlr2?secret=" + testSecret}})},
		{"error echoing the body", func(r *http.Request) (*http.Response, error) {
			lr := readLookupRequest(t, r)
			b, _ := json.Marshal(lr)
			return httpmock.NewStringResponse(400, `{"error":"BAD_REQUEST","message":"bad body `+strings.ReplaceAll(string(b), `"`, `\"`)+`"}`), nil
		}},
		{"500 echoing the secret", httpmock.NewStringResponder(500, "api_secret="+testSecret)},
		{"transport error quoting the secret", httpmock.NewErrorResponder(errors.New("proxy: bad secret " + testSecret))},
		{"200 html echoing the secret", httpmock.NewStringResponder(200, "<html>"+testSecret+"</html>")},
		{"200 error echoing the secret", httpmock.NewStringResponder(200, `{"error":"UNAUTHORIZED","message":"wrong `+testSecret+`"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t)
			mt.RegisterResponder("POST", testLookupURL+"/hlr", tc.resp)
			mt.RegisterResponder("POST", testLookupURL+"/balance", tc.resp)
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				t.Errorf("request to %s %s", r.Method, r.URL.Redacted())
				return httpmock.NewStringResponse(404, ""), nil
			})
			res, err := c.LookupHLR(context.Background(), []string{"a"}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			assertLookupNoSecret(t, err, logs, res)
			for _, r := range res {
				if r != nil {
					t.Errorf("result %+v", *r)
				}
			}
			bal, berr := c.Balance(context.Background())
			if berr == nil {
				t.Errorf("balance %v without error", bal)
			}
			assertLookupNoSecret(t, berr, logs, nil)
		})
	}
}

// TestLookupRepeatJudgedOnServerClock: whether a repeat's answer is older
// than the call is judged on the service's clock (its Date header), not the
// caller's: with the caller's clock an hour slow, an answer cached half an
// hour before the call was handed back as the fresh lookup; with it an hour
// fast, the call's own lookup was put in doubt.
func TestLookupRepeatJudgedOnServerClock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		skew  time.Duration // the service's clock minus the caller's
		age   time.Duration // how long before the service's now the answer is stamped
		doubt bool
	}{
		{"service an hour ahead, answer cached before the call", time.Hour, 30 * time.Minute, true},
		{"service an hour behind, answer of this call", -time.Hour, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))
			var mu sync.Mutex
			calls := 0
			mt.RegisterResponder("POST", testLookupURL+"/hlr", func(r *http.Request) (*http.Response, error) {
				lr := readLookupRequest(t, r)
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				if n == 1 {
					return httpmock.NewStringResponse(500, ""), nil
				}
				serverNow := time.Now().Add(tc.skew)
				resp := httpmock.NewStringResponse(200, lookupAnswer(lr, serverNow.Add(-tc.age)))
				resp.Header.Set("Date", serverNow.UTC().Format(http.TimeFormat))
				return resp, nil
			})
			res, err := c.LookupHLR(context.Background(), []string{"a"}, nil)
			assertLookupNoSecret(t, err, logs, res)
			if got := errors.Is(err, ErrOutcomeUnknown); got != tc.doubt || len(res) != 1 || (res[0] == nil) != tc.doubt {
				t.Fatalf("err %v, results %v; want in doubt: %v", err, res, tc.doubt)
			}
		})
	}
}

// TestLookupResultsNeverEchoSecret: a 2xx answer that echoes the secret the
// request carried, in any field of a record (known, unknown, nested, JSON-
// or percent-escaped), never hands it back in a *Result.
func TestLookupResultsNeverEchoSecret(t *testing.T) {
	t.Parallel()
	rec := func(fields string) string {
		return `{"results":[{"error":"NONE","request_parameters":{"telephone_number":"a"},"timestamp":"2026-01-01T00:00:00Z",` + fields + `}]}`
	}
	jsonEscaped := strings.ReplaceAll(testSecret, "-", `\u002d`)
	for _, tc := range []struct{ name, body string }{
		{"known field", rec(`"original_network_name":"` + testSecret + `"`)},
		{"unknown field", rec(`"echo":"body api_secret=` + testSecret + `"`)},
		{"request_parameters", `{"results":[{"error":"NONE","request_parameters":{"telephone_number":"a","api_secret":"` + testSecret + `"}}]}`},
		{"uuid", rec(`"uuid":"` + testSecret + `"`)},
		{"a key", rec(`"` + testSecret + `":"x"`)},
		{"JSON-escaped", rec(`"echo":"` + jsonEscaped + `"`)},
		{"percent-encoded", rec(`"echo":"` + strings.ReplaceAll(testSecret, "-", "%2D") + `"`)},
		{"body envelope", `{"body":{"results":[{"error":"NONE","request_parameters":{"telephone_number":"a"},"sms_email":"` + testSecret + `"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt, logs := newLookupClient(t)
			mt.RegisterResponder("POST", testLookupURL+"/hlr", httpmock.NewStringResponder(200, tc.body))
			res, err := c.LookupHLR(context.Background(), []string{"a"}, nil)
			if err != nil || len(res) != 1 || res[0] == nil {
				t.Fatalf("err %v, results %v", err, res)
			}
			assertLookupNoSecret(t, err, logs, res)
		})
	}
}

// TestRedactResultCoversEveryField: redactResult reaches every string of a
// Result, so that a field added later cannot carry an echoed secret out.
func TestRedactResultCoversEveryField(t *testing.T) {
	t.Parallel()
	var r Result
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString("x " + testSecret)
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
			}
		case reflect.Map:
			v.Set(reflect.ValueOf(map[string]string{testSecret: testSecret, "k": "%73" + testSecret[1:]}))
		}
	}
	fill(reflect.ValueOf(&r).Elem())
	redactResult(&r, testSecret)
	assertNoSecret(t, "redacted result", r)
}
