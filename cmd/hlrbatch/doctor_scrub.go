package main

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The doctor keeps the API key and secret out of what it records, and
// checks the files it wrote. The SDK's own redaction (its matcher of the
// secret in every spelling) is unexported in package hlrlookup, which
// hlrbatch reaches through its public API only; so the doctor has its own,
// in two independent halves: scrubber replaces the spellings it can list,
// and findCredential reads a file through every decoding it knows and looks
// for the credential itself. What the first misses, the second finds.

// redacted replaces a credential.
const redacted = "REDACTED"

// credentialParams are the query parameters and JSON keys that carry a
// credential: their values are replaced whatever they hold.
var credentialParams = []string{"apikey", "secret", "api_key", "api_secret"}

// secretHeaders are the headers whose values are replaced whatever they hold.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// scrubber replaces credentials in every spelling it lists by "REDACTED".
type scrubber struct {
	spellings []string // longest first
}

// newScrubber returns a scrubber of the given credentials.
func newScrubber(credentials ...string) *scrubber {
	set := map[string]bool{}
	for _, c := range credentials {
		for _, s := range spellings(c) {
			set[s] = true
		}
	}
	list := slices.SortedFunc(maps.Keys(set), func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return &scrubber{spellings: list}
}

// spellings lists the ways c may be written in a URL, a header or a body:
// as it is, percent-encoded (the query's way, the path's, every byte in
// either case of hex), as the content of a JSON string (as encoding/json
// escapes it, with or without HTML escapes; every character as \u), as
// HTML (escaped, every character as a reference), and each of these once
// more in any of them (a server's JSON quoting its HTML page, say); then
// with every backslash doubled (Go's %q of a JSON text); in hex; and in
// base64 (every alphabet, and the part of it that shows whatever comes
// before c).
func spellings(c string) []string {
	if c == "" {
		return nil
	}
	encoders := []func(string) string{
		func(s string) string { return s },
		url.QueryEscape, url.PathEscape,
		func(s string) string { return percentAll(s, false) },
		func(s string) string { return percentAll(s, true) },
		func(s string) string { return jsonInner(s, false) },
		func(s string) string { return jsonInner(s, true) },
		func(s string) string { return unicodeAll(s, false) },
		func(s string) string { return unicodeAll(s, true) },
		html.EscapeString, htmlDecAll,
		func(s string) string { return htmlHexAll(s, false) },
		func(s string) string { return htmlHexAll(s, true) },
	}
	var out []string
	for _, first := range encoders {
		once := first(c)
		for _, second := range encoders {
			twice := second(once)
			out = append(out, twice, strings.ReplaceAll(twice, `\`, `\\`))
		}
	}
	for _, upper := range []bool{false, true} {
		h := hex.EncodeToString([]byte(c))
		if upper {
			h = strings.ToUpper(h)
		}
		out = append(out, h)
	}
	return append(out, base64Spellings(c)...)
}

// percentAll percent-encodes every byte of s.
func percentAll(s string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		h := fmt.Sprintf("%%%02x", s[i])
		if upper {
			h = strings.ToUpper(h)
		}
		b.WriteString(h)
	}
	return b.String()
}

// unicodeAll writes every character of s as a JSON \u escape (surrogate
// pairs beyond the BMP).
func unicodeAll(s string, upper bool) string {
	var b strings.Builder
	for _, r := range s {
		units := []rune{r}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			units = []rune{r1, r2}
		}
		for _, u := range units {
			h := fmt.Sprintf(`\u%04x`, u)
			if upper {
				h = `\u` + strings.ToUpper(h[2:])
			}
			b.WriteString(h)
		}
	}
	return b.String()
}

// htmlDecAll and htmlHexAll write every character of s as an HTML
// character reference.
func htmlDecAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "&#%d;", r)
	}
	return b.String()
}

func htmlHexAll(s string, upper bool) string {
	var b strings.Builder
	for _, r := range s {
		h := strconv.FormatInt(int64(r), 16)
		if upper {
			h = strings.ToUpper(h)
		}
		fmt.Fprintf(&b, "&#x%s;", h)
	}
	return b.String()
}

// jsonInner is s as the content of a JSON string.
func jsonInner(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// minBase64Core is the shortest part of a base64 spelling that counts: a
// shorter one would match ordinary text.
const minBase64Core = 6

// base64Spellings is c in base64, in the standard and URL alphabets, with
// and without padding, and, for c inside a longer encoded value, the part
// of its encoding that does not depend on the bytes around it, at each of
// the three alignments.
func base64Spellings(c string) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString([]byte(c)))
	}
	for _, core := range base64Cores(c) {
		out = append(out, core, strings.NewReplacer("+", "-", "/", "_").Replace(core))
	}
	return out
}

// base64Cores is, for each alignment, the part of the standard base64 of
// c, with other bytes before and after it, that depends on c alone.
func base64Cores(c string) []string {
	var out []string
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), c...))
		skip := (k*8 + 5) / 6       // characters that hold bits of the bytes before
		end := (k + len(c)) * 8 / 6 // characters made of c's bits only, up to here
		if end-skip >= minBase64Core && end <= len(enc) {
			out = append(out, enc[skip:end])
		}
	}
	return out
}

// text returns s with every spelling replaced.
func (s *scrubber) text(t string) string {
	for _, sp := range s.spellings {
		if strings.Contains(t, sp) {
			t = strings.ReplaceAll(t, sp, redacted)
		}
	}
	return t
}

// url returns u's path and query with the credentials' values replaced.
func (s *scrubber) url(u *url.URL) string {
	out := u.EscapedPath()
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			out += "?" + u.RawQuery // scrubbed as text below
		} else {
			for k := range q {
				if isCredentialParam(k) {
					q[k] = []string{redacted}
				}
			}
			out += "?" + q.Encode()
		}
	}
	return s.text(out)
}

// isCredentialParam reports whether a query parameter or JSON key carries a
// credential.
func isCredentialParam(name string) bool {
	return slices.ContainsFunc(credentialParams, func(p string) bool { return strings.EqualFold(p, name) })
}

// header returns a copy of h with the credentials scrubbed and the values
// of secretHeaders replaced.
func (s *scrubber) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if slices.ContainsFunc(secretHeaders, func(n string) bool { return strings.EqualFold(n, k) }) {
			out[s.text(k)] = []string{redacted}
			continue
		}
		clean := make([]string, len(vs))
		for i, v := range vs {
			clean[i] = s.text(v)
		}
		out[s.text(k)] = clean
	}
	return out
}

// body returns a copy of b with the credentials scrubbed.
func (s *scrubber) body(b recordBody) recordBody {
	return recordBody{data: []byte(s.text(string(b.data))), truncated: b.truncated, more: b.more}
}

// maxViews bounds how many decoded views of a file findCredential searches.
const maxViews = 64

// findCredential reports which credential (a key of credentials: "the
// API key", "the secret") data holds, and in which spelling, or "". It
// reads data as it is and through every chain of up to three decodings
// (percent-encoding, HTML character references, JSON and Go escapes), and
// looks in each view for the credential as it is, in hex, and in base64 at
// any alignment.
func findCredential(data []byte, credentials map[string]string) string {
	type view struct{ text, how string }
	views := []view{{string(data), "as it is"}}
	seen := map[string]bool{string(data): true}
	decoders := []struct {
		name string
		f    func(string) string
	}{
		{"percent-decoded", percentDecode},
		{"HTML-unescaped", html.UnescapeString},
		{"JSON-unescaped", jsonUnescape},
	}
	for round := 0; round < 3; round++ {
		for _, v := range views {
			for _, d := range decoders {
				t := d.f(v.text)
				if seen[t] || len(views) >= maxViews {
					continue
				}
				seen[t] = true
				how := d.name
				if v.how != "as it is" {
					how = v.how + ", then " + d.name
				}
				views = append(views, view{t, how})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(credentials)) {
		c := credentials[name]
		if c == "" {
			continue
		}
		cores := base64Cores(c)
		hexed := hex.EncodeToString([]byte(c))
		for _, v := range views {
			switch {
			case strings.Contains(v.text, c):
				return fmt.Sprintf("%s (%s)", name, v.how)
			case strings.Contains(strings.ToLower(v.text), hexed):
				return fmt.Sprintf("%s (in hex, %s)", name, v.how)
			}
			for _, core := range cores {
				if strings.Contains(v.text, core) || strings.Contains(v.text, strings.NewReplacer("+", "-", "/", "_").Replace(core)) {
					return fmt.Sprintf("%s (in base64, %s)", name, v.how)
				}
			}
		}
	}
	return ""
}

// percentDecode decodes every %XX of s (either case), leaving anything else
// as it is; "+" stays "+".
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// jsonUnescape decodes the JSON escapes of s (\uXXXX with surrogate pairs,
// \n, \/, \" …) and Go's \xNN, wherever they are, leaving anything else as
// it is.
func jsonUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; {
		case c == 'u' && i+5 < len(s) && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			v, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
			r := rune(v)
			i += 5
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if v2, err := strconv.ParseUint(s[i+3:i+7], 16, 16); err == nil {
					if d := utf16.DecodeRune(r, rune(v2)); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			b.WriteRune(r)
		case c == 'x' && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
			v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
			b.WriteByte(byte(v))
			i += 3
		case strings.IndexByte(`"\/bfnrt`, c) >= 0:
			b.WriteRune(jsonEscapeChar(c))
			i++
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// jsonEscapeChar is the character of a two-character JSON escape.
func jsonEscapeChar(c byte) rune {
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

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
