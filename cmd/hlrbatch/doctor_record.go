package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file is the doctor's recorder: an http.RoundTripper beneath the SDK's
// credential layer (passed with hlrlookup.WithHTTPClient), so that it sees
// every request as sent and every answer as received, raw. It keeps each
// exchange with the API key and secret scrubbed out at once (nothing it
// holds, prints or writes ever had them), sets the Accept header a probe
// asks for, and writes the exchanges to a directory that
// TestRecordedExchanges replays.

// maxRecordedBody bounds each body the recorder keeps: beyond it the
// exchange is marked truncated.
const maxRecordedBody = 64 << 10

// readAheadSlack is how far past maxRecordedBody a body is read before it
// is scrubbed and cut: a credential that straddles the cut is scrubbed whole
// first, so that no part of it is kept.
const readAheadSlack = 4 << 10

// recordFormat names the layout of a --record directory, in its index.
const recordFormat = "hlrbatch-doctor-record/1"

// probeKey is the context key of a request's probe.
type probeKey struct{}

// probe is what the doctor attaches to the requests of one step: its name,
// and the Accept header to send instead of the SDK's, if any.
type probe struct {
	step   string
	accept string
}

// withProbe returns ctx whose requests belong to step and, unless accept is
// empty, send Accept: accept.
func withProbe(ctx context.Context, step, accept string) context.Context {
	return context.WithValue(ctx, probeKey{}, probe{step: step, accept: accept})
}

// exchange is one request and its answer as recorded, credentials scrubbed:
// one file of a --record directory.
type exchange struct {
	Seq    int    `json:"seq"`
	Step   string `json:"step"`
	Method string `json:"method"`
	// URL is the path and query; the credentials' values read REDACTED.
	URL            string      `json:"url"`
	RequestHeader  http.Header `json:"request_headers"`
	RequestBody    recordBody  `json:"request_body"`
	Status         int         `json:"status,omitempty"` // 0: no answer (see Error)
	ResponseHeader http.Header `json:"response_headers,omitempty"`
	ResponseBody   recordBody  `json:"response_body"`
	// Error is why no answer (or not all of it) came: a refused connection,
	// a deadline, a cut body.
	Error string `json:"error,omitempty"`
}

// recordBody is a body as recorded: text when it is UTF-8, base64 (by
// encoding/json's []byte) otherwise, at most maxRecordedBody bytes.
type recordBody struct {
	data      []byte
	truncated bool
	withheld  string // why the body is not kept: it held a credential, or could not be checked
	// more: the read-ahead stopped at its bound; a credential may straddle
	// the end of data, which is then cut readAheadSlack bytes before it.
	more bool
}

// recordBodyJSON is the form of a recordBody in a file.
type recordBodyJSON struct {
	Text      *string `json:"text,omitempty"`
	Base64    []byte  `json:"base64,omitempty"`
	Truncated bool    `json:"truncated,omitempty"`
	Withheld  string  `json:"withheld,omitempty"`
}

func (b recordBody) MarshalJSON() ([]byte, error) {
	j := recordBodyJSON{Truncated: b.truncated, Withheld: b.withheld}
	if b.withheld != "" {
		return json.Marshal(j)
	}
	if utf8.Valid(b.data) {
		s := string(b.data)
		j.Text = &s
	} else {
		j.Base64 = b.data
	}
	return json.Marshal(j)
}

func (b *recordBody) UnmarshalJSON(data []byte) error {
	var j recordBodyJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	b.truncated, b.withheld = j.Truncated, j.Withheld
	b.data = j.Base64
	if j.Text != nil {
		b.data = []byte(*j.Text)
	}
	return nil
}

// recorder is the doctor's http.RoundTripper: it sends through base and
// keeps every exchange, scrubbed.
type recorder struct {
	base        http.RoundTripper
	scrub       *scrubber
	credentials map[string]string // for vet: "the API key", "the secret"

	mu        sync.Mutex
	exchanges []*exchange
}

// newRecorder returns a recorder sending through base (a transport of its
// own if nil) that scrubs the given credentials.
func newRecorder(base http.RoundTripper, key, secret string) *recorder {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &recorder{base: base, scrub: newScrubber(key, secret),
		credentials: map[string]string{"the API key": key, "the secret": secret}}
}

// RoundTrip sends req with the Accept header of its probe, if any, and
// records the exchange. The bodies are read ahead up to maxRecordedBody;
// the caller reads them whole as if nothing stood between.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	p, _ := req.Context().Value(probeKey{}).(probe)
	out := req.Clone(req.Context())
	if p.accept != "" {
		out.Header.Set("Accept", p.accept)
	}
	var reqBody recordBody
	if req.Body != nil && req.Body != http.NoBody {
		head, rest, err := readAhead(req.Body)
		if err != nil {
			_ = req.Body.Close()
			return nil, err
		}
		reqBody = recordBody{data: head, truncated: len(head) > maxRecordedBody, more: len(head) == maxRecordedBody+readAheadSlack}
		out.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), req.Body}
	}
	e := &exchange{
		Step:          p.step,
		Method:        req.Method,
		URL:           r.scrub.url(req.URL),
		RequestHeader: r.scrub.header(out.Header),
		RequestBody:   r.scrub.body(reqBody),
	}
	resp, err := r.base.RoundTrip(out)
	if err != nil {
		e.Error = r.scrub.text(err.Error())
		r.add(e)
		return nil, err
	}
	e.Status = resp.StatusCode
	e.ResponseHeader = r.scrub.header(resp.Header)
	head, rest, readErr := readAhead(resp.Body)
	e.ResponseBody = r.scrub.body(recordBody{data: hideFilenames(head), truncated: len(head) > maxRecordedBody,
		more: len(head) == maxRecordedBody+readAheadSlack})
	if readErr != nil {
		e.Error = r.scrub.text(readErr.Error())
		rest = failingReader{readErr}
	}
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), resp.Body}
	r.add(e)
	return resp, nil
}

// filenameField matches a batch's filename in a JSON answer.
var filenameField = regexp.MustCompile(`("filename"\s*:\s*")((?:[^"\\]|\\.)*)"`)

// hideFilenames replaces in an answer the filename of every batch but the
// doctor's: a page of the list shows the user's own batches, whose names
// are theirs, not the maintainers'. Nothing else of the answer changes.
func hideFilenames(b []byte) []byte {
	if !bytes.Contains(b, []byte(`"filename"`)) {
		return b
	}
	return filenameField.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := filenameField.FindSubmatch(m)
		if bytes.HasPrefix(sub[2], []byte(doctorBatchPrefix)) {
			return m
		}
		return append(append([]byte{}, sub[1]...), `REDACTED: not the doctor's batch"`...)
	})
}

// CloseIdleConnections closes the idle connections of the transport
// beneath, as the SDK asks after a failed attempt.
func (r *recorder) CloseIdleConnections() {
	if c, ok := r.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// readAhead reads up to maxRecordedBody+readAheadSlack bytes of rc; rest
// reads on.
func readAhead(rc io.Reader) (head []byte, rest io.Reader, err error) {
	head, err = io.ReadAll(io.LimitReader(rc, maxRecordedBody+readAheadSlack))
	return head, rc, err
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// add appends e, numbering it.
func (r *recorder) add(e *exchange) {
	e.RequestBody.cut()
	e.ResponseBody.cut()
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Seq = len(r.exchanges) + 1
	r.exchanges = append(r.exchanges, e)
}

// cut bounds a scrubbed body to maxRecordedBody bytes. When the body went on
// past the read-ahead, the part of a credential the read-ahead ended in was
// not scrubbed, and the scrubbing of whole ones before it may have pulled it
// below the bound: the last readAheadSlack bytes, where it lies, go too.
func (b *recordBody) cut() {
	n := min(len(b.data), maxRecordedBody)
	if b.more {
		n = min(n, max(len(b.data)-readAheadSlack, 0))
	}
	b.data = b.data[:n]
}

// all returns the exchanges recorded so far, in order.
func (r *recorder) all() []*exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*exchange(nil), r.exchanges...)
}

// recordIndex is index.json: the exchanges of a --record directory, in
// order, and the file that holds each.
type recordIndex struct {
	Format     string       `json:"format"`
	SDKVersion string       `json:"sdk_version"`
	Exchanges  []indexEntry `json:"exchanges"`
}

// indexEntry is one exchange in index.json.
type indexEntry struct {
	Seq    int    `json:"seq"`
	Step   string `json:"step"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	File   string `json:"file"`
}

// checkRecordDir refuses, before anything is sent, a --record directory
// that cannot take a fresh record: a file, or a directory that is not empty.
func checkRecordDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if fi, err := os.Stat(filepath.Dir(dir)); err != nil || !fi.IsDir() {
			return usagef("--record %s: its parent directory does not exist", dir)
		}
		return nil
	case err != nil:
		return usagef("--record %s: %v", dir, err)
	case !fi.IsDir():
		return usagef("--record %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return usagef("--record %s: %v", dir, err)
	}
	if len(entries) > 0 {
		return usagef("--record %s is not empty: give a new or empty directory, so that the record holds this run only", dir)
	}
	return nil
}

// writeRecord writes the exchanges to dir, one file each, then index.json.
// It returns the names of the files written.
func writeRecord(dir string, exchanges []*exchange, sdkVersion string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	idx := recordIndex{Format: recordFormat, SDKVersion: sdkVersion, Exchanges: []indexEntry{}}
	var names []string
	write := func(name string, v any) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // "?apikey=REDACTED&secret=REDACTED", not \u0026
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		names = append(names, name)
		return os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o600)
	}
	for _, e := range exchanges {
		name := fmt.Sprintf("%03d-%s.json", e.Seq, e.Step)
		if err := write(name, e); err != nil {
			return names, err
		}
		idx.Exchanges = append(idx.Exchanges, indexEntry{Seq: e.Seq, Step: e.Step, Method: e.Method, URL: e.URL, Status: e.Status, File: name})
	}
	return names, write("index.json", idx)
}

// checkRecordFiles reads every file back from dir and returns those that
// hold a credential in any spelling findCredential knows, with what it
// found.
func checkRecordFiles(dir string, names []string, credentials map[string]string) (map[string]string, error) {
	found := map[string]string{}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if what := findCredential(data, credentials); what != "" {
			found[name] = what
			continue
		}
		var e exchange
		if name == "index.json" || json.Unmarshal(data, &e) != nil {
			continue
		}
		for _, b := range []struct {
			body     recordBody
			encoding string
		}{{e.RequestBody, e.RequestHeader.Get("Content-Encoding")}, {e.ResponseBody, e.ResponseHeader.Get("Content-Encoding")}} {
			if why := bodyCredential(b.body.data, b.encoding, credentials); why != "" && found[name] == "" {
				found[name] = "a body that " + why
			}
		}
	}
	return found, nil
}

// holds says which credential s holds, in any spelling findCredential
// knows, or "".
func (r *recorder) holds(s string) string { return findCredential([]byte(s), r.credentials) }

// vetted returns a copy of a scrubbed exchange without whatever the check
// of the record's files (findCredential) still finds a credential in: a
// spelling the scrubber does not list, or a compressed body, which no
// scrubbing can reach. The files hold vetted exchanges; the checks read
// the exchanges as scrubbed, and what they say is vetted in turn.
func (r *recorder) vetted(orig *exchange) *exchange {
	e := *orig
	e.RequestHeader, e.ResponseHeader = orig.RequestHeader.Clone(), orig.ResponseHeader.Clone()
	holds := r.holds
	if what := holds(e.URL); what != "" {
		path, _, _ := strings.Cut(e.URL, "?")
		e.URL = path + "?" + redacted
		if holds(path) != "" {
			e.URL = redacted
		}
	}
	e.RequestHeader = vetHeader(e.RequestHeader, holds)
	e.ResponseHeader = vetHeader(e.ResponseHeader, holds)
	if holds(e.Error) != "" {
		e.Error = redacted + ": the error held a credential"
	}
	e.RequestBody = vetBody(e.RequestBody, e.RequestHeader.Get("Content-Encoding"), r.credentials)
	e.ResponseBody = vetBody(e.ResponseBody, e.ResponseHeader.Get("Content-Encoding"), r.credentials)
	return &e
}

// vetHeader replaces the values that hold a credential, and drops the
// headers whose name does.
func vetHeader(h http.Header, holds func(string) string) http.Header {
	for k, vs := range h {
		if holds(k) != "" {
			delete(h, k)
			continue
		}
		for i, v := range vs {
			if holds(v) != "" {
				vs[i] = redacted
			}
		}
	}
	return h
}

// vetBody returns b, or b withheld if it holds a credential: as it is, or
// decompressed (gzip, zlib or deflate, by its Content-Encoding or by its
// first bytes). A body of an encoding the doctor cannot decode is withheld
// too: nothing could check it.
func vetBody(b recordBody, encoding string, credentials map[string]string) recordBody {
	if b.withheld != "" || len(b.data) == 0 {
		return b
	}
	if why := bodyCredential(b.data, encoding, credentials); why != "" {
		return recordBody{truncated: b.truncated, withheld: "not recorded: the body " + why}
	}
	return b
}

// bodyCredential says why a body may not be kept: it holds a credential
// (as findCredential says), as it is or decompressed, or it is in an
// encoding the doctor cannot decode to look; "" if it may.
func bodyCredential(data []byte, encoding string, credentials map[string]string) string {
	if len(data) == 0 {
		return ""
	}
	if what := findCredential(data, credentials); what != "" {
		return "held " + what
	}
	plain, err := decompressed(data, encoding)
	switch {
	case err != nil:
		return "is in " + err.Error() + ", which the doctor cannot decode to check it"
	case plain == nil:
		return ""
	}
	if what := findCredential(plain, credentials); what != "" {
		return "held " + what + ", compressed"
	}
	return ""
}

// maxDecompressed bounds what decompressed reads of a body.
const maxDecompressed = 4 << 20

// decompressed returns data decompressed, nil if it is not compressed, or
// an error if its Content-Encoding names a coding the doctor cannot read
// (br, zstd, compress, …). Layers are undone one by one (gzip of gzip), up
// to four; a body cut at the record's bound gives what it holds.
func decompressed(data []byte, encoding string) ([]byte, error) {
	codings := strings.FieldsFunc(strings.ToLower(encoding), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	for _, c := range codings {
		switch c {
		case "identity", "gzip", "x-gzip", "deflate":
		default:
			return nil, fmt.Errorf("Content-Encoding %s", cell(c))
		}
	}
	var out []byte
	for range 4 {
		var zr io.Reader
		switch {
		case len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b:
			gz, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return out, nil
			}
			zr = gz
		case len(data) >= 2 && data[0]&0x0f == 8 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0:
			zr = flate.NewReader(bytes.NewReader(data[2:])) // zlib: its two bytes of header, then deflate
		case slices.Contains(codings, "deflate"):
			zr = flate.NewReader(bytes.NewReader(data)) // raw deflate, as some servers send it
			codings = nil
		default:
			return out, nil
		}
		plain, _ := io.ReadAll(io.LimitReader(zr, maxDecompressed)) // a cut stream gives what it holds
		if len(plain) == 0 {
			return out, nil
		}
		out, data = plain, plain
	}
	return out, nil
}
