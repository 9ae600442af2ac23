package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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
}

// recordBodyJSON is the form of a recordBody in a file.
type recordBodyJSON struct {
	Text      *string `json:"text,omitempty"`
	Base64    []byte  `json:"base64,omitempty"`
	Truncated bool    `json:"truncated,omitempty"`
}

func (b recordBody) MarshalJSON() ([]byte, error) {
	j := recordBodyJSON{Truncated: b.truncated}
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
	b.truncated = j.Truncated
	b.data = j.Base64
	if j.Text != nil {
		b.data = []byte(*j.Text)
	}
	return nil
}

// recorder is the doctor's http.RoundTripper: it sends through base and
// keeps every exchange, scrubbed.
type recorder struct {
	base  http.RoundTripper
	scrub *scrubber

	mu        sync.Mutex
	exchanges []*exchange
}

// newRecorder returns a recorder sending through base (a transport of its
// own if nil) that scrubs the given credentials.
func newRecorder(base http.RoundTripper, credentials ...string) *recorder {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &recorder{base: base, scrub: newScrubber(credentials...)}
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
		reqBody = recordBody{data: head, truncated: len(head) > maxRecordedBody}
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
	e.ResponseBody = r.scrub.body(recordBody{data: hideFilenames(head), truncated: len(head) > maxRecordedBody})
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
	if len(e.RequestBody.data) > maxRecordedBody {
		e.RequestBody.data = e.RequestBody.data[:maxRecordedBody]
	}
	if len(e.ResponseBody.data) > maxRecordedBody {
		e.ResponseBody.data = e.ResponseBody.data[:maxRecordedBody]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Seq = len(r.exchanges) + 1
	r.exchanges = append(r.exchanges, e)
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
		}
	}
	return found, nil
}
