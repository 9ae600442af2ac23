package hlrlookup

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the credential layer and the redaction of the secret:
// authTransport adds the API key and secret beneath the retry layer, only to
// requests for the API's own scheme and host; checkRedirect refuses a
// redirect that carries the secret; scrubError and scrubString take the
// secret out of anything the SDK shows (errors, log lines), in every spelling
// the redaction rule below lists.

// The credentials' query parameter names (documented: apikey=…&secret=…);
// authTransport adds them, and dropCredentialParams removes echoed ones.
const (
	paramAPIKey = "apikey"
	paramSecret = "secret"
)

// errRedirectCarriesSecret refuses a redirect whose URL carries the secret.
var errRedirectCarriesSecret = errors.New("hlrlookup: refused to follow a redirect whose URL carries the API secret")

// errRedirectOfBodyCredentials refuses any redirect of a request whose body
// carries the credentials (an instant lookup): following a 307 or 308 would
// send the body, secret included, to wherever the Location points.
var errRedirectOfBodyCredentials = errors.New("hlrlookup: refused to follow a redirect of a request whose body carries the API secret")

// maxRedirects is net/http's own limit, kept when the caller's client has no
// CheckRedirect.
const maxRedirects = 10

// checkRedirect returns the client's redirect policy: the credentials a
// server echoed into a Location's query (apikey, secret) are dropped; a
// redirect that still carries the secret anywhere in its URL (path, query,
// fragment, user information, host), in any spelling the redaction rule
// knows, is refused before it is sent; then the caller's policy applies
// (net/http's limit of 10 redirects without one).
func checkRedirect(secret string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if st := stateOf(req.Context()); st != nil && st.bodyCredentials {
			return errRedirectOfBodyCredentials
		}
		dropCredentialParams(req.URL)
		if urlCarries(req.URL, secret) {
			return errRedirectCarriesSecret
		}
		if next != nil {
			err := next(req, via)
			if err == nil || err == http.ErrUseLastResponse { // net/http compares it with ==
				return err
			}
			return &redirectRefusedError{err: err}
		}
		if len(via) >= maxRedirects {
			return &redirectRefusedError{err: fmt.Errorf("stopped after %d redirects", maxRedirects)}
		}
		return nil
	}
}

// redirectRefusedError is a redirect the redirect policy (the caller's, or
// net/http's limit) refused. Asking again would meet the same redirect, so
// it is never retried, whatever its wording.
type redirectRefusedError struct{ err error }

func (e *redirectRefusedError) Error() string { return e.err.Error() }
func (e *redirectRefusedError) Unwrap() error { return e.err }

// dropCredentialParams removes the apikey and secret parameters from u's
// query (the SDK adds its own where they belong).
func dropCredentialParams(u *url.URL) {
	if u.RawQuery == "" {
		return
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return // left as it is; urlCarries still looks at it
	}
	changed := false
	for k := range q {
		if strings.EqualFold(k, paramAPIKey) || strings.EqualFold(k, paramSecret) {
			q.Del(k)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
}

// urlCarries reports whether any part of u, raw or decoded, holds the
// secret by the redaction rule.
func urlCarries(u *url.URL, secret string) bool {
	q, err := url.QueryUnescape(u.RawQuery)
	if err != nil {
		q = u.RawQuery
	}
	// A "#" or "?" of an HTML reference (&#47;) splits the URL's parts: look
	// at them joined too.
	parts := []string{u.String(), u.Opaque, u.Host, u.Path, u.RawPath, u.RawQuery, q, u.Fragment, u.RawFragment,
		u.EscapedPath() + "?" + u.RawQuery + "#" + u.EscapedFragment(), u.Path + "?" + q + "#" + u.Fragment, u.Path + "#" + u.Fragment}
	if u.User != nil {
		p, _ := u.User.Password()
		parts = append(parts, u.User.String(), u.User.Username(), p)
	}
	for _, p := range parts {
		if mentions(p, secret) {
			return true
		}
	}
	return false
}

// authTransport adds the credentials to a clone of each request bound for the
// API's own scheme and host, beneath the retry layer, and hands back the
// original, credential-free request on the response. Requests to any other
// host (a redirect, say) never get credentials: echoed ones are dropped, and
// a request whose URL still carries the secret is not sent. A request whose
// call state says its body carries the credentials (an instant lookup) gets
// none in its query either, whatever its host: the lookup host may be the
// batches host.
type authTransport struct {
	base           http.RoundTripper
	scheme, host   string
	apiKey, secret string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if st := stateOf(req.Context()); st != nil && st.bodyCredentials ||
		req.URL.Scheme != t.scheme || !strings.EqualFold(req.URL.Host, t.host) {
		clean, err := t.withoutCredentials(req)
		if err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
		resp, err := t.base.RoundTrip(clean)
		return resp, scrubError(err, t.secret)
	}
	authed := req.Clone(req.Context())
	q := authed.URL.Query()
	q.Set(paramAPIKey, t.apiKey)
	q.Set(paramSecret, t.secret)
	authed.URL.RawQuery = q.Encode()
	resp, err := t.base.RoundTrip(authed)
	if resp != nil {
		resp.Request = req
	}
	if err != nil {
		err = scrubError(err, t.secret)
	}
	return resp, err
}

// withoutCredentials returns req, or a clone without the credentials a
// server echoed into a redirect's query, for a request bound for another
// host; it refuses one whose URL still carries the secret.
func (t *authTransport) withoutCredentials(req *http.Request) (*http.Request, error) {
	if !urlCarries(req.URL, t.secret) && !strings.Contains(strings.ToLower(req.URL.RawQuery), paramAPIKey) {
		return req, nil
	}
	clean := req.Clone(req.Context())
	dropCredentialParams(clean.URL)
	if urlCarries(clean.URL, t.secret) {
		return nil, errRedirectCarriesSecret
	}
	return clean, nil
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
	var ue *url.Error
	if errors.As(err, &ue) {
		op = ue.Op
	}
	return &url.Error{Op: op, URL: "(the redirect's URL, withheld)", Err: errRedirectCarriesSecret}
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
