package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/seed682fd871/hlrlookup"
)

// Shared by the upload and download tests.
const (
	ioSecret    = "s3cr3t-DO-NOT-LEAK"
	ioBase      = "https://batches.hlrlookup.com"
	ioSourceURL = ioBase + "/batches/42/source"
	ioBatchURL  = ioBase + "/batches/42"
)

// ioClient is a client over mt with a fast retry policy.
func ioClient(t *testing.T, mt *httpmock.MockTransport, maxRetries int) *hlrlookup.Client {
	t.Helper()
	c, err := hlrlookup.NewClient("key-123456", ioSecret,
		hlrlookup.WithHTTPClient(&http.Client{Transport: mt}),
		hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: maxRetries, MinWait: time.Second, MaxWait: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ioNewMock is a mock transport that fails the test on any unregistered request.
func ioNewMock(t *testing.T) *httpmock.MockTransport {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
		return nil, errors.New("no responder")
	})
	return mt
}

// noLeak fails if err shows the secret in any form.
func noLeak(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, ioSecret) {
			t.Errorf("error shows the secret: %s", s)
		}
	}
}

func ioFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ioReq is one request as the mock saw it.
type ioReq struct {
	Method, Path  string
	Query         url.Values
	ContentType   string
	ContentLength int64
	Body          []byte
	BodyErr       error
}

// ioRecorder records each request (reading its whole body, as a server
// would) and then answers with the next responder; calls beyond the list
// fail the test.
type ioRecorder struct {
	t    *testing.T
	mu   sync.Mutex
	reqs []ioReq
	rs   []httpmock.Responder
}

func newIORecorder(t *testing.T, rs ...httpmock.Responder) *ioRecorder {
	return &ioRecorder{t: t, rs: rs}
}

func (r *ioRecorder) responder(req *http.Request) (*http.Response, error) {
	var body []byte
	var berr error
	if req.Body != nil {
		body, berr = io.ReadAll(req.Body)
	}
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, ioReq{
		Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(),
		ContentType: req.Header.Get("Content-Type"), ContentLength: req.ContentLength,
		Body: body, BodyErr: berr,
	})
	r.mu.Unlock()
	if berr != nil {
		return nil, berr
	}
	if n >= len(r.rs) {
		r.t.Errorf("call %d to %s %s: no more responses scripted", n+1, req.Method, req.URL.Path)
		return httpmock.NewStringResponse(http.StatusTeapot, ""), nil
	}
	return r.rs[n](req)
}

func (r *ioRecorder) all() []ioReq {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ioReq(nil), r.reqs...)
}

func jsonResponder(t *testing.T, status int, file string) httpmock.Responder {
	b := ioFile(t, file)
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, b)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

func okResponder() httpmock.Responder { return httpmock.NewStringResponder(http.StatusOK, "") }

// dropped simulates a connection that broke after the request was sent.
func dropped() httpmock.Responder {
	return httpmock.NewErrorResponder(errors.New("read tcp 10.0.0.1:4444: connection reset by peer"))
}

func wantCalls(t *testing.T, mt *httpmock.MockTransport, want map[string]int) {
	t.Helper()
	got := mt.GetCallCountInfo()
	for k, v := range got {
		if v != want[k] {
			t.Errorf("calls to %s = %d, want %d", k, v, want[k])
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("calls to %s = %d, want %d", k, got[k], v)
		}
	}
}

func TestParseColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    hlrlookup.Column
		wantErr string // substring of the error; "" means no error
	}{
		{in: "A", want: 0},
		{in: "b", want: 1},
		{in: "Z", want: 25},
		{in: "AA", want: 26},
		{in: "AZ", want: 51},
		{in: "BA", want: 52},
		{in: "XFD", want: 16383},
		{in: "xfd", want: 16383},
		{in: "0", want: 0},
		{in: "1", want: 1},
		{in: "26", want: 26},
		{in: " c ", want: 2},
		{in: "16383", want: 16383},
		{in: "", wantErr: "is empty"},
		{in: "   ", wantErr: "is empty"},
		{in: "-1", wantErr: `"-1": is negative`},
		{in: "A1", wantErr: `"A1": mixes`},
		{in: "XFE", wantErr: `"XFE": is too large`},
		{in: "AAAA", wantErr: `"AAAA": is too large`},
		{in: "16384", wantErr: `"16384": is too large`},
		{in: "99999999999999999999", wantErr: "is too large"},
		{in: "1.5", wantErr: `"1.5": mixes`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			t.Parallel()
			got, err := hlrlookup.ParseColumn(tt.in)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseColumn(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseColumn(%q) = %d, nil; want an error", tt.in, got)
			}
			var ie *hlrlookup.InputError
			if !errors.As(err, &ie) || ie.Op != "parse column" || !errors.Is(err, hlrlookup.ErrInvalidInput) {
				t.Errorf("error %v (%T) is not an *InputError for op parse column", err, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `"A" to "XFD"`) {
				t.Errorf("error %q does not contain %q and the rule", err, tt.wantErr)
			}
		})
	}
}

func TestColumnString(t *testing.T) {
	t.Parallel()
	named := map[hlrlookup.Column]string{
		hlrlookup.ColumnA: "A", hlrlookup.ColumnB: "B", hlrlookup.ColumnZ: "Z",
		26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", hlrlookup.MaxColumn: "XFD", -1: "Column(-1)",
	}
	for c, want := range named {
		if got := c.String(); got != want {
			t.Errorf("Column(%d).String() = %q, want %q", int(c), got, want)
		}
	}
	for c := hlrlookup.Column(0); c <= hlrlookup.MaxColumn; c++ {
		s := c.String()
		back, err := hlrlookup.ParseColumn(s)
		if err != nil || back != c {
			t.Fatalf("ParseColumn(Column(%d).String() = %q) = %d, %v", int(c), s, back, err)
		}
		if low, err := hlrlookup.ParseColumn(strings.ToLower(s)); err != nil || low != c {
			t.Fatalf("ParseColumn(%q) = %d, %v", strings.ToLower(s), low, err)
		}
	}
}

func TestUploadFile(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "upload_numbers.csv")
	tests := []struct {
		name       string
		column     hlrlookup.Column
		wantColumn string // "" means no column parameter
	}{
		{"column A sends no column", hlrlookup.ColumnA, ""},
		{"column B", hlrlookup.ColumnB, "1"},
		{"column AA", 26, "26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			rec := newIORecorder(t, okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 2)

			if err := c.UploadFile(t.Context(), "42", filepath.Join("testdata", "upload_numbers.csv"), &hlrlookup.UploadOptions{Column: tt.column}); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			reqs := rec.all()
			if len(reqs) != 1 {
				t.Fatalf("%d requests recorded", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/batches/42/source" {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			if got, has := r.Query.Get("column"), r.Query.Has("column"); got != tt.wantColumn || has != (tt.wantColumn != "") {
				t.Errorf("column query = %q (present %v), want %q", got, has, tt.wantColumn)
			}
			if r.ContentType != "text/csv" {
				t.Errorf("Content-Type = %q", r.ContentType)
			}
			if r.ContentLength != int64(len(data)) {
				t.Errorf("ContentLength = %d, want %d", r.ContentLength, len(data))
			}
			if !bytes.Equal(r.Body, data) {
				t.Errorf("body = %q, want %q", r.Body, data)
			}
			if r.Query.Get("apikey") != "key-123456" || r.Query.Get("secret") != ioSecret {
				t.Errorf("credentials missing from the query: %v", r.Query.Has("apikey"))
			}
		})
	}
}

func TestUploadFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe")
	haveFIFO := true
	if err := makeFIFO(fifo); errors.Is(err, errors.ErrUnsupported) {
		haveFIFO = false // no named pipes on this system: that case is left out below
	} else if err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(unreadable, []byte("447790606023\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	// root reads a 0000 file anyway: then the upload goes through, and that is
	// asserted instead of skipped.
	root := os.Geteuid() == 0

	tests := []struct {
		name    string
		id      hlrlookup.BatchID
		path    string
		opts    *hlrlookup.UploadOptions
		wantErr string
		wantIs  error
		ok      bool // the upload is expected to succeed with one request
	}{
		{name: "directory", id: "42", path: dir, wantErr: "is a directory"},
		{name: "fifo", id: "42", path: fifo, wantErr: "named pipe"},
		{name: "missing", id: "42", path: filepath.Join(dir, "nope.csv"), wantErr: "does not exist", wantIs: fs.ErrNotExist},
		{name: "empty file", id: "42", path: empty, wantErr: "nothing to upload"},
		{name: "unreadable", id: "42", path: unreadable, wantErr: "permission denied", wantIs: fs.ErrPermission, ok: root},
		{name: "empty path", id: "42", path: "", wantErr: "path: is empty"},
		{name: "bad id", id: "../x", path: empty, wantErr: "batch ID"},
		{name: "negative column", id: "42", path: empty, opts: &hlrlookup.UploadOptions{Column: -1}, wantErr: "is negative"},
	}
	for _, tt := range tests {
		if tt.name == "fifo" && !haveFIFO {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodPost, ioSourceURL, okResponder())
			c := ioClient(t, mt, 2)
			err := c.UploadFile(t.Context(), tt.id, tt.path, tt.opts)
			if tt.ok {
				t.Logf("running as root: a mode 0000 file is readable, so the upload must go through")
				if err != nil {
					t.Fatal(err)
				}
				wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			noLeak(t, err)
			if !errors.Is(err, hlrlookup.ErrInvalidInput) {
				t.Errorf("error %v does not match ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v does not match %v", err, tt.wantIs)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
		})
	}
}

func TestUploadNumbersRefused(t *testing.T) {
	t.Parallel()
	many := make([]string, hlrlookup.MaxBodyNumbers+1)
	for i := range many {
		many[i] = "447790606023"
	}
	long := make([]string, hlrlookup.MaxBodyNumbers)
	for i := range long {
		long[i] = "+44 (7790) 606023 000" // 21 bytes + "\n": 2.2 MB in all
	}
	tests := []struct {
		name    string
		numbers []string
		want    []string
	}{
		{"none", nil, []string{"empty", "nothing to upload"}},
		{"too many", many, []string{"100001 numbers", "100000", "UploadFile"}},
		{"body too large", long, []string{"2200000 bytes", "2 MiB", "UploadFile"}},
		{"empty entry", []string{"447790606023", "447790606024", "447790606025", "  \t "}, []string{"index 3", "is empty"}},
		{"comma", []string{"447790606023", "4477,90606024"}, []string{"index 1", `','`}},
		{"quote", []string{`"447790606023"`}, []string{"index 0", `'"'`}},
		{"line break", []string{"447790606023\n447790606024"}, []string{"index 0", `'\n'`}},
		{"carriage return", []string{"44779\r0606023"}, []string{"index 0", `'\r'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			c := ioClient(t, mt, 2)
			err := c.UploadNumbers(t.Context(), "42", tt.numbers)
			if err == nil {
				t.Fatal("no error")
			}
			noLeak(t, err)
			if !errors.Is(err, hlrlookup.ErrInvalidInput) {
				t.Errorf("error %v does not match ErrInvalidInput", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
		})
	}
}

func TestUploadNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		numbers []string
		want    string
	}{
		{"trimmed, one per line", []string{" +447790606023 ", "447790606024\t", "07790 606025"}, "+447790606023\n447790606024\n07790 606025\n"},
		{"one", []string{"12345"}, "12345\n"},
		{"at the limit", func() []string {
			s := make([]string, hlrlookup.MaxBodyNumbers)
			for i := range s {
				s[i] = fmt.Sprintf("4477906%05d", i) // 12 + 1 bytes each: 1.3 MB
			}
			return s
		}(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			rec := newIORecorder(t, okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 2)
			if err := c.UploadNumbers(t.Context(), "42", tt.numbers); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			r := rec.all()[0]
			want := tt.want
			if want == "" {
				want = strings.Join(tt.numbers, "\n") + "\n"
			}
			if string(r.Body) != want {
				t.Errorf("body = %.80q, want %.80q", r.Body, want)
			}
			if r.ContentType != "text/csv" || r.ContentLength != int64(len(want)) || r.Query.Has("column") {
				t.Errorf("Content-Type %q, ContentLength %d (want %d), column %q", r.ContentType, r.ContentLength, len(want), r.Query.Get("column"))
			}
		})
	}
}

func TestUploadRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    io.Reader
		size int64
		opts *hlrlookup.UploadOptions
		want string
	}{
		{"nil reader", nil, 10, nil, "reader: is nil"},
		{"zero size", strings.NewReader("x"), 0, nil, "must be positive"},
		{"negative size", strings.NewReader("x"), -1, nil, "must be positive"},
		{"negative column", strings.NewReader("x"), 1, &hlrlookup.UploadOptions{Column: -2}, "is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			c := ioClient(t, mt, 2)
			err := c.Upload(t.Context(), "42", tt.r, tt.size, tt.opts)
			if err == nil || !errors.Is(err, hlrlookup.ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want an input error saying %q", err, tt.want)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
		})
	}
}

// plainReader hides every method but Read.
type plainReader struct{ r io.Reader }

func (p *plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

func TestUpload(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "upload_numbers.csv")
	seeked := bytes.NewReader(data)
	if _, err := seeked.Seek(9, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    io.Reader
		size int64
		want []byte
	}{
		{"plain reader", &plainReader{bytes.NewReader(data)}, int64(len(data)), data},
		{"reader at", bytes.NewReader(data), int64(len(data)), data},
		{"seeker from its offset", seeked, int64(len(data) - 9), data[9:]},
		{"bytes beyond size are not sent", &plainReader{bytes.NewReader(data)}, 10, data[:10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			rec := newIORecorder(t, okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 2)
			if err := c.Upload(t.Context(), "42", tt.r, tt.size, &hlrlookup.UploadOptions{Column: hlrlookup.ColumnC}); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			r := rec.all()[0]
			if !bytes.Equal(r.Body, tt.want) || r.ContentLength != int64(len(tt.want)) || r.Query.Get("column") != "2" || r.ContentType != "text/csv" {
				t.Errorf("body %q (CL %d, column %q, type %q), want %q", r.Body, r.ContentLength, r.Query.Get("column"), r.ContentType, tt.want)
			}
		})
	}
}

func TestUploadShortBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"plain reader", &plainReader{strings.NewReader("12345\n")}},
		{"reader at", strings.NewReader("12345\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				mt := ioNewMock(t)
				rec := newIORecorder(t, okResponder())
				mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
				c := ioClient(t, mt, 2)
				err := c.Upload(t.Context(), "42", tt.r, 100, nil)
				if err == nil {
					t.Fatal("a body shorter than size was accepted")
				}
				noLeak(t, err)
				if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "6 of 100 bytes") {
					t.Errorf("error %v: want io.ErrUnexpectedEOF and the byte counts", err)
				}
				// One attempt, and no GetBatch: an incomplete request cannot have been stored.
				wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			})
		})
	}
}

func TestUploadOnProgress(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("447790606023\n"), 20_000) // 260 kB, many reads
	var sent []int64
	var totals []int64
	opts := &hlrlookup.UploadOptions{OnProgress: func(s, total int64) {
		sent = append(sent, s)
		totals = append(totals, total)
	}}
	mt := ioNewMock(t)
	rec := newIORecorder(t, okResponder())
	mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
	c := ioClient(t, mt, 2)
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.UploadFile(t.Context(), "42", path, opts); err != nil {
		t.Fatal(err)
	}
	if len(sent) < 2 {
		t.Fatalf("OnProgress called %d times", len(sent))
	}
	for i := range sent {
		if totals[i] != int64(len(data)) {
			t.Fatalf("total = %d, want %d", totals[i], len(data))
		}
		if i > 0 && sent[i] <= sent[i-1] {
			t.Fatalf("progress went from %d to %d", sent[i-1], sent[i])
		}
	}
	if last := sent[len(sent)-1]; last != int64(len(data)) {
		t.Errorf("progress ended at %d, want %d", last, len(data))
	}
}

func TestUploadRetryOn503ReplaysBody(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "upload_numbers.csv")
	path := filepath.Join("testdata", "upload_numbers.csv")
	numbers := []string{"+447790606023", "447790606024", "07790 606025"}
	numbersBody := []byte("+447790606023\n447790606024\n07790 606025\n")
	tests := []struct {
		name   string
		upload func(context.Context, *hlrlookup.Client, *hlrlookup.UploadOptions) error
		want   []byte
	}{
		{"UploadFile", func(ctx context.Context, c *hlrlookup.Client, o *hlrlookup.UploadOptions) error {
			return c.UploadFile(ctx, "42", path, o)
		}, data},
		{"Upload of a ReaderAt", func(ctx context.Context, c *hlrlookup.Client, o *hlrlookup.UploadOptions) error {
			return c.Upload(ctx, "42", bytes.NewReader(data), int64(len(data)), o)
		}, data},
		{"UploadNumbers", func(ctx context.Context, c *hlrlookup.Client, _ *hlrlookup.UploadOptions) error {
			return c.UploadNumbers(ctx, "42", numbers)
		}, numbersBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				unavailable := func(*http.Request) (*http.Response, error) {
					resp := httpmock.NewStringResponse(http.StatusServiceUnavailable, "busy")
					resp.Header.Set("Retry-After", "5")
					return resp, nil
				}
				mt := ioNewMock(t)
				rec := newIORecorder(t, unavailable, unavailable, okResponder())
				mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
				c := ioClient(t, mt, 3)
				var progressStarts int
				opts := &hlrlookup.UploadOptions{OnProgress: func(sent, _ int64) {
					if sent == int64(len(tt.want)) {
						progressStarts++ // one completed pass per attempt
					}
				}}
				start := time.Now()
				if err := tt.upload(t.Context(), c, opts); err != nil {
					t.Fatal(err)
				}
				if waited := time.Since(start); waited < 10*time.Second {
					t.Errorf("waited %s; Retry-After asked for 5s twice", waited)
				}
				wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 3})
				reqs := rec.all()
				for i, r := range reqs {
					if !bytes.Equal(r.Body, tt.want) || r.ContentLength != int64(len(tt.want)) {
						t.Errorf("attempt %d sent %q (CL %d), want the whole body %q", i+1, r.Body, r.ContentLength, tt.want)
					}
				}
				if tt.name != "UploadNumbers" && progressStarts != 3 {
					t.Errorf("progress reached the total %d times, want once per attempt (3)", progressStarts)
				}
			})
		})
	}
}

func TestUploadPlainReaderSingleAttempt(t *testing.T) {
	t.Parallel()
	wantOneAttemptOn503(t, func(t *testing.T, c *hlrlookup.Client) error {
		return c.Upload(t.Context(), "42", &plainReader{strings.NewReader("447790606023\n")}, 13, nil)
	})
}

// TestUploadOutcomeUnknown covers uploads whose first attempt may or may not
// have reached the service: the batch decides.
func TestUploadOutcomeUnknown(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "upload_numbers.csv")
	path := filepath.Join("testdata", "upload_numbers.csv")
	type uploader func(context.Context, *hlrlookup.Client) error
	file := func(ctx context.Context, c *hlrlookup.Client) error { return c.UploadFile(ctx, "42", path, nil) }
	plain := func(ctx context.Context, c *hlrlookup.Client) error {
		return c.Upload(ctx, "42", &plainReader{bytes.NewReader(data)}, int64(len(data)), nil)
	}
	empty := func(t *testing.T) httpmock.Responder { return jsonResponder(t, 200, "upload_batch_empty.json") }
	loaded := func(t *testing.T) httpmock.Responder { return jsonResponder(t, 200, "upload_batch_loaded.json") }
	conflict := func(t *testing.T) httpmock.Responder { return jsonResponder(t, 409, "upload_data_loaded.json") }
	serverErr := func(t *testing.T, status int) httpmock.Responder {
		return jsonResponder(t, status, "upload_server_error.json")
	}

	tests := []struct {
		name     string
		upload   uploader
		posts    func(t *testing.T) []httpmock.Responder
		gets     func(t *testing.T) []httpmock.Responder
		wantErr  []string // substrings; nil means success
		wantIs   []error
		wantNot  []error
		wantGets int
	}{
		{
			name:   "dropped, batch has the data: done, sent once",
			upload: file,
			posts:  func(*testing.T) []httpmock.Responder { return []httpmock.Responder{dropped()} },
			gets:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{loaded(t)} },
		},
		{
			name:   "502, batch has the data: done",
			upload: file,
			posts:  func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{serverErr(t, 502)} },
			gets:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{loaded(t)} },
		},
		{
			name:   "dropped, batch empty: sent again and stored once",
			upload: file,
			posts:  func(*testing.T) []httpmock.Responder { return []httpmock.Responder{dropped(), okResponder()} },
			gets:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{empty(t)} },
		},
		{
			name:   "500, batch empty, re-send gets 409: the first one arrived late, done",
			upload: file,
			posts: func(t *testing.T) []httpmock.Responder {
				return []httpmock.Responder{serverErr(t, 500), conflict(t)}
			},
			gets: func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{empty(t)} },
		},
		{
			name:    "first-attempt 409 is an error",
			upload:  file,
			posts:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{conflict(t)} },
			wantErr: []string{"409", "DATA_ALREADY_LOADED"},
			wantIs:  []error{hlrlookup.ErrBatchHasData},
			wantNot: []error{hlrlookup.ErrOutcomeUnknown},
		},
		{
			name:   "every attempt drops and the batch stays empty: gives up, not stored",
			upload: file,
			posts: func(*testing.T) []httpmock.Responder {
				return []httpmock.Responder{dropped(), dropped(), dropped()}
			},
			gets:    func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{empty(t), empty(t), empty(t)} },
			wantErr: []string{"connection reset", "NOT stored", "can be uploaded again"},
			wantNot: []error{hlrlookup.ErrOutcomeUnknown},
		},
		{
			name:   "checking the batch fails: outcome unknown",
			upload: file,
			posts:  func(*testing.T) []httpmock.Responder { return []httpmock.Responder{dropped()} },
			gets: func(t *testing.T) []httpmock.Responder {
				return []httpmock.Responder{serverErr(t, 500), serverErr(t, 500), serverErr(t, 500)}
			},
			wantGets: 3,
			wantErr:  []string{"outcome unknown", "GetBatch", "before uploading again", "connection reset"},
			wantIs:   []error{hlrlookup.ErrOutcomeUnknown, hlrlookup.ErrServer},
		},
		{
			name:   "plain reader dropped, batch empty: not re-sent, says not stored",
			upload: plain,
			posts:  func(*testing.T) []httpmock.Responder { return []httpmock.Responder{dropped()} },
			gets:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{empty(t)} },
			wantErr: []string{
				"connection reset", "NOT stored", "upload the data again",
			},
			wantNot: []error{hlrlookup.ErrOutcomeUnknown},
		},
		{
			name:   "plain reader dropped, batch has the data: done",
			upload: plain,
			posts:  func(*testing.T) []httpmock.Responder { return []httpmock.Responder{dropped()} },
			gets:   func(t *testing.T) []httpmock.Responder { return []httpmock.Responder{loaded(t)} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				mt := ioNewMock(t)
				posts := newIORecorder(t, tt.posts(t)...)
				mt.RegisterResponder(http.MethodPost, ioSourceURL, posts.responder)
				var gets []httpmock.Responder
				if tt.gets != nil {
					gets = tt.gets(t)
				}
				getRec := newIORecorder(t, gets...)
				mt.RegisterResponder(http.MethodGet, ioBatchURL, getRec.responder)
				c := ioClient(t, mt, 2)

				err := tt.upload(t.Context(), c)
				t.Logf("error: %v", err)
				noLeak(t, err)
				if tt.wantErr == nil && err != nil {
					t.Fatalf("error %v, want success", err)
				}
				if tt.wantErr != nil && err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				for _, target := range tt.wantIs {
					if !errors.Is(err, target) {
						t.Errorf("error %v does not match %v", err, target)
					}
				}
				for _, target := range tt.wantNot {
					if errors.Is(err, target) {
						t.Errorf("error %v matches %v", err, target)
					}
				}
				// Every scripted response is used, and no more.
				wantGets := tt.wantGets
				if wantGets == 0 {
					wantGets = len(gets)
				}
				want := map[string]int{"POST " + ioSourceURL: len(posts.rs)}
				if wantGets > 0 {
					want["GET "+ioBatchURL] = wantGets
				}
				wantCalls(t, mt, want)
				for i, r := range posts.all() {
					if !bytes.Equal(r.Body, data) {
						t.Errorf("upload %d sent %d bytes, want the whole file (%d)", i+1, len(r.Body), len(data))
					}
				}
			})
		})
	}
}

func TestUploadCancelledContext(t *testing.T) {
	t.Parallel()
	mt := ioNewMock(t)
	c := ioClient(t, mt, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := c.UploadNumbers(ctx, "42", []string{"447790606023"})
	if !errors.Is(err, context.Canceled) || errors.Is(err, hlrlookup.ErrOutcomeUnknown) {
		t.Fatalf("error %v, want context.Canceled without an unknown outcome", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d HTTP calls, want 0", n)
	}
}

// TestUploadStreamsOfFiles: an *os.File that cannot be read at an offset
// again (a pipe, a socket, a device) is sent once as a stream, like a plain
// io.Reader: no "illegal seek", and no second attempt after a 503. Issue 9,
// item 13.
func TestUploadStreamsOfFiles(t *testing.T) {
	t.Parallel()
	data := []byte("447790606023\n447790606024\n")
	pipe := func(t *testing.T) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		go func() {
			_, _ = w.Write(data)
			_ = w.Close()
		}()
		return r
	}
	socket := func(t *testing.T) *os.File {
		dir, err := os.MkdirTemp("", "up") // a short path: socket names are limited
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		ln, err := net.Listen("unix", filepath.Join(dir, "s"))
		if err != nil {
			t.Skipf("no unix sockets here: %v", err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write(data)
			_ = conn.Close()
		}()
		conn, err := net.Dial("unix", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		f, err := conn.(*net.UnixConn).File()
		if err != nil {
			t.Skipf("no file of a socket here: %v", err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	device := func(t *testing.T) *os.File {
		f, err := os.Open("/dev/zero")
		if err != nil {
			t.Skipf("no /dev/zero here: %v", err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	tests := []struct {
		name string
		open func(t *testing.T) *os.File
		want []byte
	}{
		{"os.Pipe", pipe, data},
		{"unix socket", socket, data},
		{"character device", device, make([]byte, len(data))},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is sent", func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			rec := newIORecorder(t, okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 3)
			if err := c.Upload(t.Context(), "42", tt.open(t), int64(len(data)), nil); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			if r := rec.all()[0]; !bytes.Equal(r.Body, tt.want) || r.ContentLength != int64(len(data)) {
				t.Errorf("sent %q (CL %d), want %q", r.Body, r.ContentLength, tt.want)
			}
		})
		t.Run(tt.name+" gets one attempt", func(t *testing.T) {
			t.Parallel()
			wantOneAttemptOn503(t, func(t *testing.T, c *hlrlookup.Client) error {
				return c.Upload(t.Context(), "42", tt.open(t), int64(len(data)), nil)
			})
		})
	}
}

// TestUploadRegularFileShorterThanSize: a regular *os.File whose size from
// its offset is less than size (Stat does not vouch for the bytes: a growing
// file, a /proc file of size 0) is read once as a stream; one that holds
// enough is sent from its offset and replayed after a 503.
func TestUploadRegularFileShorterThanSize(t *testing.T) {
	t.Parallel()
	data := []byte("447790606023\n447790606024\n") // 26 bytes
	path := filepath.Join(t.TempDir(), "n.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, path string, off int64) *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Skipf("cannot open %s: %v", path, err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("truly short: one attempt, a clear error", func(t *testing.T) {
		t.Parallel()
		mt := ioNewMock(t)
		rec := newIORecorder(t, okResponder())
		mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
		c := ioClient(t, mt, 3)
		err := c.Upload(t.Context(), "42", open(t, path, 13), 14, nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "13 of 14 bytes") {
			t.Fatalf("error %v, want io.ErrUnexpectedEOF and the byte counts", err)
		}
		wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
	})
	t.Run("a /proc file of size 0 is a stream", func(t *testing.T) {
		t.Parallel()
		f := open(t, "/proc/self/status", 0)
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
			t.Skipf("/proc/self/status is not a regular file of size 0 here")
		}
		synctest.Test(t, func(t *testing.T) {
			mt := ioNewMock(t)
			rec := newIORecorder(t, httpmock.NewStringResponder(http.StatusServiceUnavailable, "busy"), okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 3)
			err := c.Upload(t.Context(), "42", f, 16, nil)
			if !errors.Is(err, hlrlookup.ErrServer) {
				t.Fatalf("error %v, want ErrServer from the one attempt", err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
			if r := rec.all()[0]; r.ContentLength != 16 || !bytes.HasPrefix(r.Body, []byte("Name:")) {
				t.Errorf("sent %q (CL %d)", r.Body, r.ContentLength)
			}
		})
	})
	t.Run("exactly enough, replayed", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			mt := ioNewMock(t)
			rec := newIORecorder(t, httpmock.NewStringResponder(http.StatusServiceUnavailable, "busy"), okResponder())
			mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
			c := ioClient(t, mt, 3)
			if err := c.Upload(t.Context(), "42", open(t, path, 13), 13, nil); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 2})
			for i, r := range rec.all() {
				if !bytes.Equal(r.Body, data[13:]) {
					t.Errorf("attempt %d sent %q, want %q", i+1, r.Body, data[13:])
				}
			}
		})
	})
}

// TestUploadStreamIsNotRedirected: a reader read once cannot follow a 307
// or 308 redirect (net/http would send what is left of it, nothing): the
// redirect is the answer, an *APIError, and the stream was sent once. A
// replayable reader follows it whole.
func TestUploadStreamIsNotRedirected(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, replayable := range []bool{false, true} {
			mt := ioNewMock(t)
			var bodies []string
			mt.RegisterResponder(http.MethodPost, ioSourceURL, func(r *http.Request) (*http.Response, error) {
				b, _ := io.ReadAll(r.Body)
				bodies = append(bodies, string(b))
				resp := httpmock.NewStringResponse(status, "")
				resp.Header.Set("Location", ioSourceURL+"2")
				return resp, nil
			})
			mt.RegisterResponder(http.MethodPost, ioSourceURL+"2", func(r *http.Request) (*http.Response, error) {
				b, _ := io.ReadAll(r.Body)
				bodies = append(bodies, string(b))
				return httpmock.NewStringResponse(http.StatusOK, ""), nil
			})
			c := ioClient(t, mt, 3)
			const data = "447790606023\n"
			var r io.Reader = &plainReader{strings.NewReader(data)}
			if replayable {
				r = strings.NewReader(data)
			}
			err := c.Upload(t.Context(), "42", r, int64(len(data)), nil)
			noLeak(t, err)
			if replayable {
				if err != nil || len(bodies) != 2 || bodies[1] != data {
					t.Errorf("%d, replayable: err %v, bodies %q; want the redirect followed with the whole data", status, err, bodies)
				}
				continue
			}
			var ae *hlrlookup.APIError
			if !errors.As(err, &ae) || ae.StatusCode != status {
				t.Errorf("%d, stream: err %v, want the redirect as an *APIError", status, err)
			}
			if len(bodies) != 1 || bodies[0] != data {
				t.Errorf("%d, stream: bodies %q, want the data sent once, whole", status, bodies)
			}
		}
	}
}

// wantOneAttemptOn503 runs upload in a synctest bubble against a service that
// answers 503 and then 200, with three retries allowed: a body that cannot
// be replayed gets its one attempt, and the 503 comes back.
func wantOneAttemptOn503(t *testing.T, upload func(*testing.T, *hlrlookup.Client) error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		mt := ioNewMock(t)
		rec := newIORecorder(t, httpmock.NewStringResponder(http.StatusServiceUnavailable, "busy"), okResponder())
		mt.RegisterResponder(http.MethodPost, ioSourceURL, rec.responder)
		err := upload(t, ioClient(t, mt, 3))
		if !errors.Is(err, hlrlookup.ErrServer) {
			t.Fatalf("error %v, want ErrServer from the one attempt", err)
		}
		noLeak(t, err)
		wantCalls(t, mt, map[string]int{"POST " + ioSourceURL: 1})
	})
}
