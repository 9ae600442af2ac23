package hlrlookup

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

var allSentinels = []error{
	ErrInvalidParameter, ErrInvalidRequest, ErrInvalidBatchArguments, ErrUnauthorized,
	ErrMalformedRequest, ErrBatchNotFound, ErrForbidden, ErrBatchHasData, ErrRateLimited, ErrServer,
}

// TestAPIErrorClassification drives each canned error body through the whole
// pipeline and checks the sentinel, code, message and hint.
func TestAPIErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		status   int
		want     error
		code     string
		message  string
		hintPart string
	}{
		{"errors_bad_request.json", 400, ErrInvalidParameter, "BAD_REQUEST", "Invalid offset", "wrong with a parameter"},
		{"errors_invalid_request.json", 405, ErrInvalidRequest, "INVALID_REQUEST", "Method not allowed", "wrong request type"},
		{"errors_invalid_args.json", 400, ErrInvalidBatchArguments, "INVALID_BATCH_ARGUMENTS", "cache_days_private must be 0-30", "batchArguments are wrong"},
		{"errors_unauthorized.json", 401, ErrUnauthorized, "UNAUTHORIZED", "Invalid apikey or secret", "API key and secret"},
		{"errors_invalid_json.json", 400, ErrMalformedRequest, "INVALID_JSON", "Malformed JSON", `check all " " and { }`},
		{"errors_not_found.json", 404, ErrBatchNotFound, "NOT_FOUND", "Batch not found", "wrong batch ID"},
		{"errors_forbidden.json", 403, ErrForbidden, "FORBIDDEN", "Batch belongs to another account", "does not belong"},
		{"errors_data_loaded.json", 409, ErrBatchHasData, "DATA_ALREADY_LOADED", "Batch already has data", "already has data"},
		{"errors_rate_limited.json", 429, ErrRateLimited, "TOO_MANY_REQUESTS", "Please try again later", "not been charged"},
		{"errors_empty.txt", 500, ErrServer, "", "", "service failed"},
		{"errors_plain.txt", 503, ErrServer, "", "Service temporarily unavailable", "service failed"},
		{"errors_html.html", 502, ErrServer, "", "502 Bad Gateway", "service failed"},
		{"errors_legacy_err.json", 400, ErrInvalidParameter, "", "Invalid batch id supplied", "wrong with a parameter"},
		{"errors_nested.json", 400, ErrInvalidBatchArguments, "INVALID_BATCH_ARGUMENTS", "usa_status must be YES or NO", "batchArguments"},
		// The code wins over the status: a 400 whose code says NOT_FOUND is ErrBatchNotFound.
		{"errors_not_found.json", 400, ErrBatchNotFound, "NOT_FOUND", "Batch not found", "wrong batch ID"},
		// An unknown code falls back to the status.
		{"errors_unknown_code.json", 404, ErrBatchNotFound, "SOMETHING_NEW", "A new kind of error", "wrong batch ID"},
		{"errors_unknown_code.json", 415, ErrInvalidRequest, "SOMETHING_NEW", "A new kind of error", "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{}))
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/77", httpmock.NewBytesResponder(tt.status, body))
			_, err = c.GetBatch(t.Context(), "77")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v", err, err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("%v is not %v", err, tt.want)
			}
			for _, s := range allSentinels {
				if s != tt.want && errors.Is(err, s) {
					t.Errorf("%v also matches %v", err, s)
				}
			}
			if ae.StatusCode != tt.status || ae.Code != tt.code || ae.Message != tt.message {
				t.Errorf("got status %d code %q message %q; want %d %q %q", ae.StatusCode, ae.Code, ae.Message, tt.status, tt.code, tt.message)
			}
			if ae.Method != http.MethodGet || ae.Path != "/v1/batches/77" || ae.Op != "get batch" || ae.Attempts != 1 {
				t.Errorf("request fields: %+v", ae)
			}
			if !strings.Contains(ae.Hint, tt.hintPart) || !strings.Contains(err.Error(), tt.hintPart) {
				t.Errorf("hint %q / error %q lacks %q", ae.Hint, err.Error(), tt.hintPart)
			}
			if tt.message != "" && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Error() %q lacks the server's message", err.Error())
			}
			if !strings.HasPrefix(err.Error(), "hlrlookup: get batch: GET /v1/batches/77: ") {
				t.Errorf("Error() = %q", err.Error())
			}
			if len(ae.Body) != len(body) {
				t.Errorf("Body is %d bytes, want %d", len(ae.Body), len(body))
			}
		})
	}
}

func TestAPIErrorBodyIsBounded(t *testing.T) {
	t.Parallel()
	c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{}))
	huge := `{"error":"BAD_REQUEST","message":"` + strings.Repeat("é", 1<<20) + `"}`
	mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(400, huge))
	_, err := c.GetBatch(t.Context(), "1")
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatal(err)
	}
	if len(ae.Body) != maxErrorBodyBytes {
		t.Errorf("Body = %d bytes, want %d", len(ae.Body), maxErrorBodyBytes)
	}
	if !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("a cut JSON body should still classify by status: %v", err)
	}
	if len(err.Error()) > 600 {
		t.Errorf("Error() is %d bytes", len(err.Error()))
	}
}

func TestAPIErrorFormatting(t *testing.T) {
	t.Parallel()
	e := &APIError{StatusCode: 503, Method: "POST", Path: "/batches/", Op: "create batch", Attempts: 4, Hint: "h"}
	if got, want := e.Error(), "hlrlookup: create batch: POST /batches/: 503 Service Unavailable (after 4 attempts) (hint: h)"; got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	if !e.Temporary() || (&APIError{StatusCode: 404}).Temporary() {
		t.Error("Temporary wrong")
	}
	if (&APIError{StatusCode: 418}).Is(ErrServer) {
		t.Error("418 matched a sentinel")
	}
}

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, ctype, code, msg string
	}{
		{"standard", `{"error":"NOT_FOUND","message":"gone"}`, "", "NOT_FOUND", "gone"},
		{"message only", `{"message":"bad"}`, "", "", "bad"},
		{"legacy ERR", `{"ERR":"Invalid API key"}`, "", "", "Invalid API key"},
		{"nested", `{"error":{"code":"X","message":"y"}}`, "", "X", "y"},
		{"sentence in error", `{"error":"Something went wrong here"}`, "", "", "Something went wrong here"},
		{"numeric code", `{"code":404,"msg":"nope"}`, "", "404", "nope"},
		{"broken json", `{"error":`, "", "", `{"error":`},
		{"html title", "<html><head><title> 504  Gateway\nTimeout </title></head><body>x</body></html>", "text/html", "", "504 Gateway Timeout"},
		{"html no title", "<p>Down <b>now</b></p>", "text/html", "", "Down now"},
		{"text", "  plain words \n", "text/plain", "", "plain words"},
		{"empty", "   ", "", "", ""},
	}
	for _, tt := range tests {
		code, msg := parseErrorBody([]byte(tt.body), tt.ctype)
		if code != tt.code || msg != tt.msg {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", tt.name, code, msg, tt.code, tt.msg)
		}
	}
	_, long := parseErrorBody([]byte(strings.Repeat("ü", 1000)), "text/plain")
	if len(long) > maxMessageLen+len("…") || !strings.HasSuffix(long, "…") || !utf8Valid(long) {
		t.Errorf("long message not shortened cleanly: %d bytes", len(long))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestInputError(t *testing.T) {
	t.Parallel()
	e := inputError("get batch", "batch ID", strings.Repeat("9", 10_000), "is too long")
	if !errors.Is(e, ErrInvalidInput) || len(e.Error()) > 200 || !strings.Contains(e.Error(), "10000 bytes") {
		t.Errorf("inputError = %q", e.Error())
	}
	if got := inputError("op", "f", nil, "must be set").Error(); got != "hlrlookup: op: f: must be set" {
		t.Errorf("no value: %q", got)
	}
}

func TestScrubError(t *testing.T) {
	t.Parallel()
	inner := errors.New("dial failed for secret " + testSecret)
	err := scrubError(inner, testSecret)
	if strings.Contains(err.Error(), testSecret) || !errors.Is(err, inner) {
		t.Errorf("scrubbed = %q", err.Error())
	}
	if scrubError(nil, testSecret) != nil {
		t.Error("nil not kept")
	}
	tests := []struct{ in, secret, want string }{
		{"a%2Fbcdef a/bcdef", "a/bcdef", "REDACTED REDACTED"},                          // plain and escaped
		{"connection refused", "s", "connection refused"},                              // a short secret is not replaced in words
		{"GET /b?apikey=k&secret=s&x=1", "s", "GET /b?apikey=k&secret=REDACTED&x=1"},   // but always as a query value
		{`{"url":"/b?SECRET%3Dabc"}`, "abc", `{"url":"/b?SECRET%3DREDACTED"}`},         // escaped parameter
		{"no secret here: secrets are kept", "zz", "no secret here: secrets are kept"}, // the word alone is fine
	}
	for _, tt := range tests {
		if got := scrubString(tt.in, tt.secret); got != tt.want {
			t.Errorf("scrubString(%q, %q) = %q, want %q", tt.in, tt.secret, got, tt.want)
		}
	}
}

// FuzzParseErrorBody checks that no error body, however hostile, panics the
// classifier or yields an unbounded message.
func FuzzParseErrorBody(f *testing.F) {
	entries, _ := filepath.Glob(filepath.Join("testdata", "errors_*"))
	for _, e := range entries {
		if b, err := os.ReadFile(e); err == nil {
			f.Add(b, "application/json", 400)
		}
	}
	f.Add([]byte(`{"error":{"code":null}}`), "text/html", 500)
	f.Add([]byte("<title>"), "", 0)
	f.Fuzz(func(t *testing.T, body []byte, ctype string, status int) {
		code, msg := parseErrorBody(body, ctype)
		if len(msg) > maxMessageLen+len("…") {
			t.Fatalf("message of %d bytes", len(msg))
		}
		e := &APIError{StatusCode: status, Code: code, Message: msg}
		_ = e.Error()
		n := 0
		for _, s := range allSentinels {
			if errors.Is(e, s) {
				n++
			}
		}
		if n > 1 {
			t.Fatalf("%d sentinels match status %d code %q", n, status, code)
		}
	})
}
