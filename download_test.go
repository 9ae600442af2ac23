package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/seed682fd871/hlrlookup"
)

const ioResultsURL = ioBase + "/batches/42/results"

// trackedBody is a response body that records whether it was closed.
type trackedBody struct {
	r      io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *trackedBody) Close() error               { b.closed.Store(true); return nil }

// bodyResponder answers 200 with body and the given Content-Length (-1: unknown).
func bodyResponder(body func() io.ReadCloser, contentLength int64) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK,
			Header:        http.Header{"Content-Type": {"text/csv"}},
			Body:          body(),
			ContentLength: contentLength,
		}, nil
	}
}

// cutReader gives data, then fails with err (as a cut connection does).
type cutReader struct {
	data   []byte
	err    error
	before func() // called when the data has been read, before failing
}

func (c *cutReader) Read(p []byte) (int, error) {
	if len(c.data) > 0 {
		n := copy(p, c.data)
		c.data = c.data[n:]
		return n, nil
	}
	if c.before != nil {
		c.before()
	}
	return 0, c.err
}

func TestDownload(t *testing.T) {
	t.Parallel()
	csvData := ioFile(t, "download_results.csv")
	jsonData := ioFile(t, "download_results.json")
	tests := []struct {
		name       string
		format     hlrlookup.Format
		wantFormat string // the format query; "" means none
		body       []byte
	}{
		{"default is CSV", "", "", csvData},
		{"CSV", hlrlookup.FormatCSV, "", csvData},
		{"JSON", hlrlookup.FormatJSON, "json", jsonData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			rec := newIORecorder(t, httpmock.NewBytesResponder(http.StatusOK, tt.body).SetContentLength())
			mt.RegisterResponder(http.MethodGet, ioResultsURL, rec.responder)
			c := ioClient(t, mt, 2)
			rc, err := c.Download(t.Context(), "42", tt.format)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if err := rc.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			wantCalls(t, mt, map[string]int{"GET " + ioResultsURL: 1})
			r := rec.all()[0]
			if r.Method != http.MethodGet || r.Path != "/batches/42/results" || r.Query.Get("format") != tt.wantFormat || r.Query.Has("format") != (tt.wantFormat != "") {
				t.Errorf("request %s %s format=%q", r.Method, r.Path, r.Query.Get("format"))
			}
		})
	}
}

func TestDownloadRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		id     hlrlookup.BatchID
		format hlrlookup.Format
		want   string
	}{
		{"unknown format", "42", "xml", `format "xml": must be FormatCSV`},
		{"upper-case format", "42", "CSV", `format "CSV"`},
		{"empty id", "", hlrlookup.FormatCSV, "batch ID: must not be empty"},
		{"id with a slash", "4/2", hlrlookup.FormatCSV, "batch ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			c := ioClient(t, mt, 2)
			checks := map[string]error{}
			_, checks["Download"] = c.Download(t.Context(), tt.id, tt.format)
			_, checks["DownloadTo"] = c.DownloadTo(t.Context(), tt.id, tt.format, io.Discard)
			_, checks["DownloadFile"] = c.DownloadFile(t.Context(), tt.id, tt.format, filepath.Join(t.TempDir(), "r.csv"))
			for name, err := range checks {
				if !errors.Is(err, hlrlookup.ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want an input error saying %q", name, err, tt.want)
				}
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
		})
	}
}

func TestDownloadCutBody(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	half := data[:len(data)/2]
	tests := []struct {
		name string
		resp httpmock.Responder
	}{
		{"shorter than Content-Length", bodyResponder(func() io.ReadCloser {
			return io.NopCloser(bytes.NewReader(half))
		}, int64(len(data)))},
		{"cut chunked stream", bodyResponder(func() io.ReadCloser {
			return io.NopCloser(&cutReader{data: half, err: io.ErrUnexpectedEOF})
		}, -1)},
		{"connection reset mid-body", bodyResponder(func() io.ReadCloser {
			return io.NopCloser(&cutReader{data: half, err: errors.New("read tcp: connection reset by peer")})
		}, -1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, tt.resp)
			c := ioClient(t, mt, 2)

			rc, err := c.Download(t.Context(), "42", hlrlookup.FormatCSV)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			_ = rc.Close()
			checkCut(t, err)
			if !bytes.Equal(got, half) {
				t.Errorf("read %d bytes, want the %d that came", len(got), len(half))
			}
			// The error is sticky: reading on never gives a clean EOF.
			if _, err2 := rc.Read(make([]byte, 10)); err2 == nil || err2 == io.EOF {
				t.Errorf("read after the cut gave %v", err2)
			}

			var buf bytes.Buffer
			n, err := c.DownloadTo(t.Context(), "42", hlrlookup.FormatCSV, &buf)
			checkCut(t, err)
			if n != int64(len(half)) || buf.Len() != len(half) {
				t.Errorf("DownloadTo wrote %d (buffer %d), want %d", n, buf.Len(), len(half))
			}
			wantCalls(t, mt, map[string]int{"GET " + ioResultsURL: 2})
		})
	}
}

func checkCut(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("a cut body read without error")
	}
	noLeak(t, err)
	if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v: want ErrUnexpectedResponse and io.ErrUnexpectedEOF", err)
	}
	if !strings.Contains(err.Error(), "GET /batches/42/results") {
		t.Errorf("error %q does not name the request", err)
	}
}

func TestDownloadTo(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat(ioFile(t, "download_results.csv"), 2000) // ~1.3 MB, several buffers
	mt := ioNewMock(t)
	mt.RegisterResponder(http.MethodGet, ioResultsURL, httpmock.NewBytesResponder(http.StatusOK, data).SetContentLength())
	c := ioClient(t, mt, 2)
	var buf bytes.Buffer
	n, err := c.DownloadTo(t.Context(), "42", hlrlookup.FormatCSV, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("wrote %d bytes (%d buffered), want %d", n, buf.Len(), len(data))
	}
	if _, err := c.DownloadTo(t.Context(), "42", hlrlookup.FormatCSV, nil); !errors.Is(err, hlrlookup.ErrInvalidInput) {
		t.Errorf("nil writer: %v", err)
	}
	wantCalls(t, mt, map[string]int{"GET " + ioResultsURL: 1})
}

// dirEntries lists the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDownloadFile(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	tests := []struct {
		name     string
		existing fs.FileMode // the mode of a file already at the target; 0: none
	}{
		{"new file", 0},
		{"replaces a private file, which stays private", 0o600},
		{"replaces a group-readable file", 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			// The mode DownloadFile must give: that of os.Create for a new
			// file (0666 less the umask), else the existing file's bits.
			var wantMode fs.FileMode
			if tt.existing != 0 {
				wantMode = writeFileMode(t, path, tt.existing)
			} else {
				wantMode = writeFileMode(t, filepath.Join(t.TempDir(), "created"), 0)
			}
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, httpmock.NewBytesResponder(http.StatusOK, data).SetContentLength())
			c := ioClient(t, mt, 2)
			n, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(data)) || !bytes.Equal(got, data) {
				t.Errorf("n = %d, file %q; want %d bytes %q", n, got, len(data), data)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != wantMode {
				t.Errorf("mode %v, want %v", mode, wantMode)
			}
			if names := dirEntries(t, dir); !slices.Equal(names, []string{"results.csv"}) {
				t.Errorf("directory holds %q, want only results.csv", names)
			}
			wantCalls(t, mt, map[string]int{"GET " + ioResultsURL: 1})
		})
	}
}

// writeFileMode writes "old" to path, with os.Create when perm is 0, else
// with perm exactly (chmod, past the umask), and returns the file's mode as
// the system reports it.
func writeFileMode(t *testing.T, path string, perm fs.FileMode) fs.FileMode {
	t.Helper()
	f, err := os.Create(path)
	if err == nil {
		_, err = f.WriteString("old")
	}
	if err == nil && perm != 0 {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestDownloadFileTargets: what is not a regular file is refused before any
// request, naming the path and the rule, and left as it was.
func TestDownloadFileTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, path string) error // makes what is at path
		want  string
	}{
		{"symlink to a file", func(t *testing.T, dir, path string) error {
			writeFileMode(t, filepath.Join(dir, "real.csv"), 0o600)
			return os.Symlink("real.csv", path)
		}, "is a symbolic link, which DownloadFile neither follows nor replaces"},
		{"dangling symlink", func(t *testing.T, dir, path string) error {
			return os.Symlink(filepath.Join(dir, "nowhere.csv"), path)
		}, "is a symbolic link"},
		{"symlink to a directory", func(t *testing.T, dir, path string) error {
			return os.Symlink(t.TempDir(), path)
		}, "is a symbolic link"},
		{"named pipe", func(t *testing.T, dir, path string) error { return makeFIFO(path) },
			"is a named pipe (FIFO); DownloadFile writes only a regular file (replacing it) or a new name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			if err := tt.setup(t, dir, path); err != nil {
				t.Skipf("cannot make one here: %v", err)
			}
			before := dirEntries(t, dir)
			fi0, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, httpmock.NewStringResponder(http.StatusOK, "a,b\n"))
			c := ioClient(t, mt, 0)
			_, err = c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path)
			if !errors.Is(err, hlrlookup.ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want an input error naming %s and saying %q", err, path, tt.want)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
			if after := dirEntries(t, dir); !slices.Equal(after, before) {
				t.Errorf("directory holds %q, was %q", after, before)
			}
			if fi, err := os.Lstat(path); err != nil || fi.Mode() != fi0.Mode() {
				t.Errorf("%s changed: %v, %v; was %v", path, fi.Mode(), err, fi0.Mode())
			}
			if got, err := os.ReadFile(filepath.Join(dir, "real.csv")); err == nil && string(got) != "old" {
				t.Errorf("the link's target was written: %q", got)
			}
		})
	}
}

func TestDownloadFileFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	half := data[:len(data)/2]
	tests := []struct {
		name     string
		existing bool
		resp     func(cancel context.CancelFunc) httpmock.Responder
		precance bool // the context is cancelled before the call
		wantIs   []error
		calls    int
	}{
		{
			name: "cut body",
			resp: func(context.CancelFunc) httpmock.Responder {
				return bodyResponder(func() io.ReadCloser { return io.NopCloser(bytes.NewReader(half)) }, int64(len(data)))
			},
			wantIs: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF},
			calls:  1,
		},
		{
			name:     "cut chunked body, existing file untouched",
			existing: true,
			resp: func(context.CancelFunc) httpmock.Responder {
				return bodyResponder(func() io.ReadCloser {
					return io.NopCloser(&cutReader{data: half, err: io.ErrUnexpectedEOF})
				}, -1)
			},
			wantIs: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF},
			calls:  1,
		},
		{
			name:     "API error",
			existing: true,
			resp: func(context.CancelFunc) httpmock.Responder {
				return jsonResponder(t, http.StatusNotFound, "download_not_found.json")
			},
			wantIs: []error{hlrlookup.ErrBatchNotFound},
			calls:  1,
		},
		{
			name: "context cancelled mid-body",
			resp: func(cancel context.CancelFunc) httpmock.Responder {
				return bodyResponder(func() io.ReadCloser {
					return io.NopCloser(&cutReader{data: half, err: context.Canceled, before: cancel})
				}, int64(len(data)))
			},
			wantIs: []error{context.Canceled, io.ErrUnexpectedEOF},
			calls:  1,
		},
		{
			name:     "context cancelled before",
			existing: true,
			precance: true,
			resp: func(context.CancelFunc) httpmock.Responder {
				return httpmock.NewBytesResponder(http.StatusOK, data)
			},
			wantIs: []error{context.Canceled},
			calls:  0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			wantNames := []string(nil)
			if tt.existing {
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				wantNames = []string{"results.csv"}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.precance {
				cancel()
			}
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, tt.resp(cancel))
			c := ioClient(t, mt, 0)

			n, err := c.DownloadFile(ctx, "42", hlrlookup.FormatCSV, path)
			if err == nil {
				t.Fatal("no error")
			}
			noLeak(t, err)
			if n != 0 {
				t.Errorf("n = %d after a failure", n)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("error %v does not match %v", err, target)
				}
			}
			if names := dirEntries(t, dir); !slices.Equal(names, wantNames) {
				t.Errorf("directory holds %q, want %q", names, wantNames)
			}
			if tt.existing {
				if got, _ := os.ReadFile(path); string(got) != "old" {
					t.Errorf("existing file now holds %q", got)
				}
			}
			if got := mt.GetTotalCallCount(); got != tt.calls {
				t.Errorf("%d HTTP calls, want %d", got, tt.calls)
			}
		})
	}
}

func TestDownloadFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		{"empty path", "", "path: is empty"},
		{"directory", dir, "is a directory"},
		{"trailing slash", dir + string(filepath.Separator), "is a directory"},
		{"missing parent", filepath.Join(dir, "no", "such", "r.csv"), "does not exist"},
		{"parent is a file", filepath.Join(notDir, "r.csv"), "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			c := ioClient(t, mt, 2)
			_, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, tt.path)
			if !errors.Is(err, hlrlookup.ErrInvalidInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want an input error saying %q", err, tt.want)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d HTTP calls, want 0", n)
			}
		})
	}
	if names := dirEntries(t, dir); !slices.Equal(names, []string{"plain"}) {
		t.Errorf("directory holds %q", names)
	}
}

func TestResults(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	body := &trackedBody{r: bytes.NewReader(data)}
	mt := ioNewMock(t)
	rec := newIORecorder(t, bodyResponder(func() io.ReadCloser { return body }, int64(len(data))))
	mt.RegisterResponder(http.MethodGet, ioResultsURL, rec.responder)
	c := ioClient(t, mt, 2)

	var got []*hlrlookup.Result
	for r, err := range c.Results(t.Context(), "42") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d results, want 3", len(got))
	}
	first := got[0]
	if first.TelephoneNumber != "+447790606023" || first.DetectedTelephoneNumber != "447790606023" ||
		first.LiveStatus != "LIVE" || first.CurrentNetwork.Name != "Virgin Mobile" || first.CurrentNetwork.MCCMNC != "23438" ||
		first.OriginalNetwork.Name != "EE Limited (Orange)" || first.CreditsSpent != 1 || first.UUID != "f066f711-4043-4d54-847d-c273e6491881" {
		t.Errorf("first result %+v", first)
	}
	if got[1].CreditsSpent != 0.5 || got[1].LiveStatus != "DEAD" || got[2].TelephoneNumberType != "BAD_FORMAT" {
		t.Errorf("results 2 and 3: %+v %+v", got[1], got[2])
	}
	if !body.closed.Load() {
		t.Error("the body was not closed")
	}
	if r := rec.all()[0]; r.Query.Has("format") {
		t.Errorf("Results asked for format %q; CSV sends none", r.Query.Get("format"))
	}
}

func TestResultsBreakClosesBody(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	body := &trackedBody{r: bytes.NewReader(data)}
	mt := ioNewMock(t)
	mt.RegisterResponder(http.MethodGet, ioResultsURL, bodyResponder(func() io.ReadCloser { return body }, int64(len(data))))
	c := ioClient(t, mt, 2)
	n := 0
	for _, err := range c.Results(t.Context(), "42") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || !body.closed.Load() {
		t.Errorf("yielded %d, closed %v; want 1 and closed", n, body.closed.Load())
	}
}

func TestResultsErrors(t *testing.T) {
	t.Parallel()
	data := ioFile(t, "download_results.csv")
	cutAt := bytes.LastIndexByte(data[:len(data)-1], '\n') + 5 // inside the last row
	tests := []struct {
		name     string
		resp     httpmock.Responder
		wantIs   []error
		wantRows int
	}{
		{"API error", jsonResponder(t, http.StatusNotFound, "download_not_found.json"), []error{hlrlookup.ErrBatchNotFound}, 0},
		{"cut body", bodyResponder(func() io.ReadCloser {
			return io.NopCloser(bytes.NewReader(data[:cutAt]))
		}, int64(len(data))), []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF}, 2},
		{"bad id", nil, []error{hlrlookup.ErrInvalidInput}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := ioNewMock(t)
			id := hlrlookup.BatchID("42")
			if tt.resp != nil {
				mt.RegisterResponder(http.MethodGet, ioResultsURL, tt.resp)
			} else {
				id = ".."
			}
			c := ioClient(t, mt, 0)
			rows, errs := 0, 0
			var last error
			for r, err := range c.Results(t.Context(), id) {
				if err != nil {
					errs++
					last = err
					continue
				}
				if r == nil {
					t.Fatal("nil result without error")
				}
				rows++
			}
			if errs != 1 || rows != tt.wantRows {
				t.Fatalf("%d rows, %d errors; want %d rows and one error", rows, errs, tt.wantRows)
			}
			noLeak(t, last)
			for _, target := range tt.wantIs {
				if !errors.Is(last, target) {
					t.Errorf("error %v does not match %v", last, target)
				}
			}
		})
	}
}

// TestDownloadFileTargetChangesMeanwhile: what is at the target is looked at
// again before the rename: a named pipe that appeared during the download is
// refused (and left), a file whose mode changed meanwhile gives its new mode.
func TestDownloadFileTargetChangesMeanwhile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		meanwhile func(path string) error
		wantErr   string
		existing  bool
	}{
		{"a named pipe appears", makeFIFO, "is a named pipe (FIFO)", false},
		{"the file turns group-readable", func(path string) error { return os.Chmod(path, 0o640) }, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			if tt.existing {
				writeFileMode(t, path, 0o644)
			}
			var changeErr error
			var modeAfter fs.FileMode // as the system reports it after the change
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, func(*http.Request) (*http.Response, error) {
				if changeErr = tt.meanwhile(path); changeErr == nil {
					if fi, err := os.Stat(path); err == nil {
						modeAfter = fi.Mode().Perm()
					}
				}
				return httpmock.NewStringResponse(http.StatusOK, "a,b\n1,2\n"), nil
			})
			c := ioClient(t, mt, 0)
			_, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path)
			if changeErr != nil {
				t.Skipf("cannot change the target here: %v", changeErr)
			}
			fi, serr := os.Lstat(path)
			if serr != nil {
				t.Fatal(serr)
			}
			if tt.wantErr != "" {
				if !errors.Is(err, hlrlookup.ErrInvalidInput) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one saying %q", err, tt.wantErr)
				}
				if fi.Mode()&fs.ModeNamedPipe == 0 {
					t.Errorf("the pipe was replaced: %v", fi.Mode())
				}
			} else if err != nil || fi.Mode().Perm() != modeAfter {
				t.Errorf("error %v, mode %v; want %v", err, fi.Mode().Perm(), modeAfter)
			}
			if names := dirEntries(t, dir); len(names) != 1 {
				t.Errorf("directory holds %q", names)
			}
		})
	}
}
