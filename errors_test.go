package hlrlookup

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/jarcoal/httpmock"
	"github.com/seed682fd871/hlrlookup/internal/termsafe"
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

// TestAPIErrorBodyCutKeepsNoPartOfTheSecret: a secret echoed across the
// 64 KiB bound of the kept body is redacted whole, not cut to a prefix that
// no redaction would recognise.
func TestAPIErrorBodyCutKeepsNoPartOfTheSecret(t *testing.T) {
	t.Parallel()
	for _, before := range []int{10, len(redSecret) - 1, 1, 0} {
		c, mt := newSecretClient(t, WithRetryPolicy(RetryPolicy{}))
		body := strings.Repeat("x", maxErrorBodyBytes-before) + url.PathEscape(redSecret) + " trailing"
		mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(401, body))
		_, err := c.GetBatch(t.Context(), "1")
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatal(err)
		}
		if len(ae.Body) > maxErrorBodyBytes {
			t.Errorf("Body = %d bytes, want at most %d", len(ae.Body), maxErrorBodyBytes)
		}
		if before >= len("REDACTED") && !strings.Contains(string(ae.Body), "REDACTED") {
			t.Errorf("the body lost the redacted secret: ends %q", ae.Body[len(ae.Body)-40:])
		}
		if tail := string(ae.Body[len(ae.Body)-before:]); before > 0 && strings.HasPrefix(url.PathEscape(redSecret), tail) {
			t.Errorf("the body ends with %q, the start of the secret", tail)
		}
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

// ContainsSecret lets the external test package use containsSecret.
var ContainsSecret = containsSecret

// ErrorChain lets the external test package use errorChain.
var ErrorChain = errorChain

// errorChain returns err and every error beneath it, through Unwrap() error
// and Unwrap() []error.
func errorChain(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

var (
	testPctEscape  = regexp.MustCompile(`%([0-9a-fA-F]{2})`)
	testJSONEscape = strings.NewReplacer(`\/`, `/`, `\"`, `"`, `\\`, `\`, `\n`, "\n", `\t`, "\t", `\r`, "\r", `\b`, "\b", `\f`, "\f")
)

// containsSecret reports whether s shows secret in any encoding a server or
// a library might use: as it is, percent-encoded (either case, "+" for a
// space, escaped twice), HTML-escaped (named, decimal or hex references) or
// JSON-escaped (\/ and \uXXXX, surrogate pairs), or a mix of these. It
// decodes s in every order of these layers and looks for the secret, so it
// shares no code with the redaction it checks.
func containsSecret(s, secret string) bool {
	if secret == "" {
		return false
	}
	seen := map[string]bool{}
	var try func(string, int) bool
	try = func(v string, depth int) bool {
		if seen[v] {
			return false
		}
		seen[v] = true
		if strings.Contains(v, secret) {
			return true
		}
		if depth == 0 {
			return false
		}
		for _, dec := range []func(string) string{testPctDecode, testQueryDecode, html.UnescapeString, testJSONDecode} {
			if d := dec(v); d != v && try(d, depth-1) {
				return true
			}
		}
		return false
	}
	return try(s, 3)
}

// testPctDecode undoes every valid %XX, leaving anything else.
func testPctDecode(s string) string {
	return testPctEscape.ReplaceAllStringFunc(s, func(m string) string {
		b, _ := strconv.ParseUint(m[1:], 16, 8)
		return string([]byte{byte(b)})
	})
}

func testQueryDecode(s string) string { return testPctDecode(strings.ReplaceAll(s, "+", " ")) }

// testJSONDecode undoes JSON string escapes, joining surrogate pairs.
func testJSONDecode(s string) string {
	unit := func(i int) (rune, bool) { // the \uXXXX at s[i:], if any
		if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		return rune(v), err == nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if r, ok := unit(i); ok {
			if r2, ok2 := unit(i + 6); ok2 && utf16.IsSurrogate(r) {
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					b.WriteRune(pair)
					i += 11
					continue
				}
			}
			b.WriteRune(r)
			i += 5
			continue
		}
		if s[i] == '\\' && i+1 < len(s) {
			if d := testJSONEscape.Replace(s[i : i+2]); d != s[i:i+2] {
				b.WriteString(d)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// redSecret is the secret of issue 9: its '/' and '+' differ in every encoding.
const redSecret = "Zebra/Quartz+9f3e-secret"

// TestScrubStringEveryEncoding: the secret is redacted in every spelling a
// server may echo it in, and only the secret's own span is replaced.
func TestScrubStringEveryEncoding(t *testing.T) {
	t.Parallel()
	jsonEsc, _ := json.Marshal(redSecret) // "Zebra/Quartz\u002b9f3e-secret" with SetEscapeHTML
	forms := map[string]string{
		"raw":                  redSecret,
		"query-escaped":        url.QueryEscape(redSecret),
		"path-escaped":         url.PathEscape(redSecret),
		"lower-case hex":       "Zebra%2fQuartz%2b9f3e-secret",
		"mixed case hex":       "Zebra%2FQuartz%2b9f3e-secret",
		"every byte escaped":   "%5A%65%62%72%61%2F%51%75%61%72%74%7A%2B%39%66%33%65%2D%73%65%63%72%65%74",
		"escaped twice":        "Zebra%252FQuartz%252B9f3e-secret",
		"html hex":             "Zebra&#x2F;Quartz&#43;9f3e-secret",
		"html upper X, zeros":  "Zebra&#X002f;Quartz&#x2b;9f3e-secret",
		"html decimal":         "Zebra&#47;Quartz&#043;9f3e-secret",
		"html named":           "Zebra&sol;Quartz&plus;9f3e&#45;secret",
		"html.EscapeString":    html.EscapeString(redSecret),
		"json \\/":             `Zebra\/Quartz+9f3e-secret`,
		"json \\u002b":         `Zebra/Quartz\u002b9f3e-secret`,
		"json \\u002B \\u002F": `Zebra\u002FQuartz\u002B9f3e\u002dsecret`,
		"json.Marshal":         strings.Trim(string(jsonEsc), `"`),
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !containsSecret(form, redSecret) {
				t.Fatalf("containsSecret misses %q", form)
			}
			in := `{"message":"bad secret ` + form + `, try again"}`
			got := scrubString(in, redSecret)
			if want := `{"message":"bad secret REDACTED, try again"}`; got != want {
				t.Errorf("scrubString(%q) = %q, want %q", in, got, want)
			}
			if containsSecret(got, redSecret) {
				t.Errorf("containsSecret still finds it in %q", got)
			}
		})
	}
	// Beyond ASCII: \u escapes, surrogate pairs, HTML references.
	const wide = "pässwörd-€-😀"
	for _, form := range []string{wide, url.QueryEscape(wide), `p\u00e4ssw\u00F6rd-\u20ac-\ud83d\ude00`, "p&#228;ssw&#xF6;rd-&#8364;-&#x1F600;"} {
		if got := scrubString("<"+form+">", wide); got != "<REDACTED>" {
			t.Errorf("scrubString(%q) = %q", form, got)
		}
	}
}

// TestScrubStringRule pins the rule for short secrets and what is never
// changed.
func TestScrubStringRule(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, secret, want string }{
		{"a%2Fbcdef a/bcdef", "a/bcdef", "REDACTED REDACTED"},                          // plain and escaped
		{"xxa/bcdefyy", "a/bcdef", "xxREDACTEDyy"},                                     // a long secret anywhere
		{"connection refused", "s", "connection refused"},                              // a short secret is not replaced in words
		{"GET /b?apikey=k&secret=s&x=1", "s", "GET /b?apikey=k&secret=REDACTED&x=1"},   // but as a token
		{`{"url":"/b?SECRET%3Dabc"}`, "abc", `{"url":"/b?SECRET%3DREDACTED"}`},         // escaped parameter
		{"no secret here: secrets are kept", "zz", "no secret here: secrets are kept"}, // the word alone is fine
		{"missing parameter secret=", "abc", "missing parameter secret="},              // no value: kept as the server wrote it
		{"wrong secret=other&x", "abc", "wrong secret=other&x"},                        // another value is not the secret
		{"bad key abc.", "abc", "bad key REDACTED."},
		{"abcdef xabc abcx 1abc", "abc", "abcdef xabc abcx 1abc"},
		{"key=%2Fabc%2F", "abc", "key=%2FREDACTED%2F"}, // escaped neighbours are delimiters
		{"key=%41abc", "abc", "key=%41abc"},            // %41 is "A": not a token
		// A URL escaped twice (a login redirect's ?next=): %253D is "=", %2541 is "A".
		{"next=%252Fb%253Fsecret%253Dabc%2526x", "abc", "next=%252Fb%253Fsecret%253DREDACTED%2526x"},
		{"next=%253Dabc", "s3", "next=%253Dabc"},
		{"secret%253Ds3", "s3", "secret%253DREDACTED"},
		{"key=%2541abc abc%2541", "abc", "key=%2541abc abc%2541"},
		{`\u0041abc`, "abc", `\u0041abc`},
		{"&#47;abc&sol;", "abc", "&#47;REDACTED&sol;"},
		{"a%2Bb", "a+b", "REDACTED"}, // a short secret in an encoding
		{"x+ab", "+ab", "xREDACTED"}, // a secret starting with punctuation needs no boundary there
		{"1 2 3", "2", "1 REDACTED 3"},
		{"s", "s", "REDACTED"},
		{"", "abc", ""},
		{"text", "", "text"},
	}
	for _, tt := range tests {
		if got := scrubString(tt.in, tt.secret); got != tt.want {
			t.Errorf("scrubString(%q, %q) = %q, want %q", tt.in, tt.secret, got, tt.want)
		}
	}
}

// TestRedactionTablesDecode proves the named references and JSON escapes the
// matcher knows decode to the characters they stand for.
func TestRedactionTablesDecode(t *testing.T) {
	t.Parallel()
	for r, names := range htmlNamedRefs {
		for _, n := range names {
			if got := html.UnescapeString("&" + n + ";"); got != string(r) {
				t.Errorf("&%s; decodes to %q, not %q", n, got, r)
			}
		}
	}
	for r, esc := range jsonShortEscapes {
		var got string
		if err := json.Unmarshal([]byte(`"`+esc+`"`), &got); err != nil || got != string(r) {
			t.Errorf("JSON %s decodes to %q (%v), not %q", esc, got, err, r)
		}
	}
}

// FuzzScrubString: whatever surrounds it, a secret of 6 bytes or more
// written by any standard encoder is gone after scrubString.
func FuzzScrubString(f *testing.F) {
	f.Add(redSecret, "bad secret ", "!")
	f.Add("pässwörd-€-😀", "%", ";")
	f.Add("a b&c<d>\"e'", "&#", "x")
	f.Fuzz(func(t *testing.T, secret, pre, post string) {
		if len(secret) < minLiteralSecret || !utf8.ValidString(secret) || strings.Contains(secret, "REDACTED") {
			t.Skip()
		}
		j, _ := json.Marshal(secret)
		lowerHex := testPctEscape.ReplaceAllStringFunc(url.QueryEscape(secret), strings.ToLower)
		forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), lowerHex, html.EscapeString(secret), string(j[1 : len(j)-1])}
		for _, form := range forms {
			got := scrubString(pre+form+post, secret)
			if strings.Contains(got, form) {
				t.Fatalf("scrubString(%q) = %q keeps %q", pre+form+post, got, form)
			}
		}
	})
}

// newSecretClient is newMockClient with the secret of issue 9.
func newSecretClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	return newMockClientWithSecret(t, redSecret, opts...)
}

// TestAPIErrorRedactsEscapedEcho: a 401 whose body echoes the secret in any
// encoding shows it nowhere: not in Error(), Message, Code or Body.
func TestAPIErrorRedactsEscapedEcho(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"path-escaped JSON":  "errors_echo_path_escaped.json",
		"lower-case hex":     "errors_echo_lower_hex.json",
		"HTML":               "errors_echo_html.html",
		"JSON \\/":           "errors_echo_json_slash.json",
		"JSON \\u002b":       "errors_echo_json_u002b.json",
		"JSON code":          "errors_echo_in_code.json",
		"plain query string": "", // inline below
	}
	for name, file := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := "denied: /batches/1?apikey=key-1234&secret=Zebra%2FQuartz%2B9f3e-secret"
			if file != "" {
				b, err := os.ReadFile(filepath.Join("testdata", file))
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			c, mt := newSecretClient(t)
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", httpmock.NewStringResponder(401, body))
			_, err := c.GetBatch(t.Context(), "1")
			var ae *APIError
			if !errors.As(err, &ae) || !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v", err)
			}
			for what, s := range map[string]string{"Error()": err.Error(), "Message": ae.Message, "Code": ae.Code, "Body": string(ae.Body)} {
				if containsSecret(s, redSecret) {
					t.Errorf("%s shows the secret: %s", what, s)
				}
			}
			if !strings.Contains(string(ae.Body), "REDACTED") {
				t.Errorf("Body = %s, want the secret's place marked", ae.Body)
			}
		})
	}
}

// TestScrubErrorKeepsTheChain: an error whose text carries the secret is
// scrubbed at every level of its chain while errors.Is and errors.As still
// reach its causes (issue 9, item 15).
func TestScrubErrorKeepsTheChain(t *testing.T) {
	t.Parallel()
	dns := &net.DNSError{Err: "no such host", Name: "proxy.example"}
	op := &net.OpError{Op: "dial", Net: "tcp", Err: dns}
	leaky := fmt.Errorf("proxy: GET https://api.test/v1/batches?apikey=k&secret=%s: %w", url.QueryEscape(redSecret), op)
	wrapped := fmt.Errorf("outer %s: %w", url.PathEscape(redSecret), leaky)
	joined := errors.Join(errors.New("first "+redSecret), op)
	for name, in := range map[string]error{"wrapped": leaky, "twice": wrapped, "joined": joined,
		"url.Error": &url.Error{Op: "Get", URL: "https://api.test/x/" + redSecret + "?secret=" + redSecret, Err: leaky}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := scrubError(in, redSecret)
			var gotDNS *net.DNSError
			var gotOp *net.OpError
			if !errors.As(err, &gotDNS) || gotDNS.Name != "proxy.example" {
				t.Errorf("errors.As *net.DNSError fails through %T", err)
			}
			if !errors.As(err, &gotOp) || gotOp.Op != "dial" {
				t.Errorf("errors.As *net.OpError fails through %T", err)
			}
			if !errors.Is(err, dns) || !errors.Is(err, in) {
				t.Errorf("errors.Is fails through %T", err)
			}
			if !neverSent(err) {
				t.Error("neverSent is false for a DNS failure behind a scrubbed error")
			}
			chain := errorChain(err)
			for _, e := range chain {
				for _, s := range []string{e.Error(), fmt.Sprintf("%v %+v %#v", e, e, e)} {
					if containsSecret(s, redSecret) {
						t.Errorf("%T in the chain shows the secret: %s", e, s)
					}
				}
			}
			if n := len(chain); n < 3 {
				t.Errorf("the chain has %d errors, want the causes kept", n)
			}
		})
	}
	// A timeout whose text carries the URL, inside a *url.Error: still a timeout.
	timeout := &url.Error{Op: "Get", URL: "https://api.test/v1/batches/1", Err: testTimeoutError("proxy timed out on /x?secret=" + redSecret)}
	re := &RequestError{Err: scrubError(timeout, redSecret)}
	if !timeout.Timeout() || !re.Timeout() || containsSecret(re.Error(), redSecret) {
		t.Errorf("scrubbed timeout: Timeout() = %v, text %q", re.Timeout(), re.Error())
	}
	if scrubError(nil, redSecret) != nil {
		t.Error("nil not kept")
	}
	if plain := errors.New("refused"); scrubError(plain, redSecret) != plain {
		t.Error("an error without the secret is not returned as it is")
	}
}

// testTimeoutError is a caller transport's timeout.
type testTimeoutError string

func (e testTimeoutError) Error() string   { return string(e) }
func (e testTimeoutError) Timeout() bool   { return true }
func (e testTimeoutError) Temporary() bool { return true }

// TestCallerTransportErrorKeepsNeverSent: a caller's transport whose error
// text carries the URL (with the secret) and that never sent the request: a
// create is reported as not sent (so it is retried, not ErrOutcomeUnknown),
// errors.As reaches the *net.DNSError, and the text shows no secret.
func TestCallerTransportErrorKeepsNeverSent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testCallerTransportErrorKeepsNeverSent)
}

func testCallerTransportErrorKeepsNeverSent(t *testing.T) {
	calls := 0
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return nil, fmt.Errorf("tracing proxy: %s %s: %w", r.Method, r.URL,
			&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.test", IsNotFound: true}})
	})
	c, err := NewClient(testKey, redSecret, WithHTTPClient(&http.Client{Transport: rt}), WithBaseURL("https://api.test/v1"),
		WithRetryPolicy(RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBatch(t.Context(), NewBatch{Filename: "f.csv"})
	var re *RequestError
	var dns *net.DNSError
	switch {
	case err == nil:
		t.Fatal("no error")
	case errors.Is(err, ErrOutcomeUnknown):
		t.Errorf("a create that never left is ErrOutcomeUnknown: %v", err)
	case !errors.As(err, &re) || re.Sent:
		t.Errorf("want a *RequestError with Sent false, got %#v", err)
	case !errors.As(err, &dns):
		t.Errorf("errors.As *net.DNSError fails: %v", err)
	}
	if calls != 3 {
		t.Errorf("the never-sent create was tried %d times, want 3", calls)
	}
	if containsSecret(err.Error(), redSecret) || containsSecret(fmt.Sprintf("%+v %#v", err, err), redSecret) {
		t.Errorf("the error shows the secret: %v", err)
	}
}

// TestServerTextIsEscapedInErrors: control characters a server sends (a
// terminal title and clear-screen sequence) appear escaped in every error
// text and in APIError.Code and Message (issue 9, item 14).
func TestServerTextIsEscapedInErrors(t *testing.T) {
	t.Parallel()
	const evil = "\x1b]0;pwned\a\x1b[2J\u202e"
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		path   string
	}{
		{"JSON message", 400, "application/json", "", "batches/1"}, // testdata/errors_control_chars.json
		{"plain text", 500, "text/plain", "oops " + evil, "batches/1"},
		{"HTML title", 503, "text/html", "<html><title>down " + evil + "</title></html>", "batches/1"},
		{"legacy ERR", 400, "application/json", `{"ERR":"bad \u009b31m"}`, "batches/1"},
		{"2xx not JSON after a redirect", 200, "text/html", "<html>" + evil + "</html>", "batches/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newMockClient(t, WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
			if tt.body == "" {
				b, err := os.ReadFile(filepath.Join("testdata", "errors_control_chars.json"))
				if err != nil {
					t.Fatal(err)
				}
				tt.body = string(b)
			}
			resp := httpmock.NewStringResponder(tt.status, tt.body).HeaderSet(http.Header{"Content-Type": {tt.ctype}})
			if tt.path == "batches/2" {
				mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/2",
					httpmock.NewStringResponder(302, "").HeaderSet(http.Header{"Location": {"/v1/%1B]0;pwned%07/x"}}))
				mt.RegisterResponder(http.MethodGet, "=~^https://api.test/v1/%1B", resp)
			} else {
				mt.RegisterResponder(http.MethodGet, "https://api.test/v1/"+tt.path, resp)
			}
			_, err := c.GetBatch(t.Context(), BatchID(strings.TrimPrefix(tt.path, "batches/")))
			if err == nil {
				t.Fatal("no error")
			}
			texts := []string{err.Error(), fmt.Sprint(err)}
			var ae *APIError
			if errors.As(err, &ae) {
				texts = append(texts, ae.Code, ae.Message)
			}
			for _, s := range texts {
				for _, r := range s {
					if termsafe.Unsafe(r) {
						t.Errorf("text holds %U unescaped: %q", r, s)
						break
					}
				}
			}
			if tt.status != 200 && !strings.Contains(err.Error(), `\x1b`) && !strings.Contains(err.Error(), `\u009b`) {
				t.Errorf("the escape is not shown: %q", err.Error())
			}
		})
	}
	if got := escapeControl(escapeControl(evil)); got != `\x1b]0;pwned\a\x1b[2J\u202e` {
		t.Errorf("escapeControl twice = %q", got)
	}
}

// TestDecodeErrorsRedactTheSecret: a 2xx answer whose values the SDK cannot
// read is an error quoting them; an echoed secret shows neither whole nor
// cut, and a huge value is not quoted at all.
func TestDecodeErrorsRedactTheSecret(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"count":          `{"id":"1","status":"PROCESSING","numItems":"` + redSecret + `"}`,
		"date":           `{"id":"1","status":"PROCESSING","creationDate":"` + redSecret + `"}`,
		"object key":     `{"id":"1","status":"PROCESSING","numItems":{"` + redSecret + `":1}}`,
		"escaped":        `{"id":"1","status":"PROCESSING","numItems":"Zebra\/Quartz\u002b9f3e-secret"}`,
		"content type":   `<html>`,
		"huge bad count": `{"id":"1","status":"PROCESSING","numItems":"` + strings.Repeat("x", 1<<20) + `"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := newSecretClient(t)
			resp := httpmock.NewStringResponder(http.StatusOK, body)
			if name == "content type" {
				resp = resp.HeaderSet(http.Header{"Content-Type": {"text/html; x=" + redSecret}})
			}
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1", resp)
			_, err := c.GetBatch(t.Context(), "1")
			if !errors.Is(err, ErrUnexpectedResponse) {
				t.Fatalf("err = %v, want ErrUnexpectedResponse", err)
			}
			s := fmt.Sprintf("%v %+v %#v", err, err, err)
			if containsSecret(s, redSecret) || strings.Contains(s, "Zebra/Quartz") {
				t.Errorf("shows the secret, or a part of it: %s", s)
			}
			if len(s) > 4096 {
				t.Errorf("the error quotes %d bytes of the answer", len(s))
			}
		})
	}
}

// TestDownloadHTMLContentTypeIsRefusedWithoutTheSecret: a results answer
// whose Content-Type names HTML is refused even when its parameters do not
// parse, and the error quotes that header without the secret.
func TestDownloadHTMLContentTypeIsRefusedWithoutTheSecret(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{
		`text/html; x="` + redSecret + `"`, // parses
		"text/html; x=" + redSecret,        // '/' unquoted: does not parse
		"TEXT/HTML; charset",               // a parameter without a value
		"text/html;;",
	} {
		c, mt := newSecretClient(t)
		mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1/results",
			httpmock.NewStringResponder(http.StatusOK, "<html>").HeaderSet(http.Header{"Content-Type": {ct}}))
		rc, err := c.Download(t.Context(), "1", FormatCSV)
		if !errors.Is(err, ErrUnexpectedResponse) {
			if rc != nil {
				_ = rc.Close()
			}
			t.Errorf("Content-Type %q: err = %v, want ErrUnexpectedResponse", ct, err)
			continue
		}
		if s := fmt.Sprintf("%v %+v %#v", err, err, err); containsSecret(s, redSecret) {
			t.Errorf("shows the secret: %s", s)
		}
	}
}

// testURLError is a caller transport's error type that keeps the URL it
// was given, secret and all.
type testURLError struct{ URL string }

func (e *testURLError) Error() string { return "proxy refused " + e.URL }

// TestScrubbedErrorGivesNoOriginal: errors.As never hands out the original
// error whose text carried the secret (a caller's type holding the URL):
// there is no scrubbed copy of an unknown type, and its fields hold the
// secret. Its causes are still reached.
func TestScrubbedErrorGivesNoOriginal(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey, redSecret, WithBaseURL("https://api.test/v1"), WithRetryPolicy(RetryPolicy{MaxRetries: 0}),
		WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return nil, &testURLError{URL: r.URL.String()}
		})}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBatch(t.Context(), "1")
	if err == nil {
		t.Fatal("no error")
	}
	var te *testURLError
	if errors.As(err, &te) && containsSecret(te.URL, redSecret) {
		t.Errorf("errors.As gives the caller's error with the secret: %s", te.URL)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || containsSecret(fmt.Sprintf("%s %v", ue.URL, ue), redSecret) {
		t.Errorf("errors.As *url.Error: %v", ue)
	}
}

// TestResultsDecodeErrorRedactsTheSecret: Results quotes a cell it cannot
// read (a header, a credits value) in its error; a server that echoes the
// secret there does not get it shown.
func TestResultsDecodeErrorRedactsTheSecret(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"credits": "telephone_number,credits_spent\n447700900123," + redSecret + "\n",
		"escaped": "telephone_number,credits_spent\n447700900123,Zebra%2FQuartz%2B9f3e-secret\n",
		"time":    "telephone_number,timestamp\n447700900123,\"" + redSecret + "\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := newSecretClient(t)
			mt.RegisterResponder(http.MethodGet, "https://api.test/v1/batches/1/results",
				httpmock.NewStringResponder(http.StatusOK, body).HeaderSet(http.Header{"Content-Type": {"text/csv"}}))
			var err error
			for _, e := range c.Results(t.Context(), "1") {
				if e != nil {
					err = e
				}
			}
			if err == nil {
				t.Fatal("no error for an unreadable cell")
			}
			for _, e := range errorChain(err) {
				if s := fmt.Sprintf("%v %+v %#v", e, e, e); containsSecret(s, redSecret) {
					t.Errorf("%T shows the secret: %s", e, s)
				}
			}
		})
	}
}
