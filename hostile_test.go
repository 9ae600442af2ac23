package hlrlookup_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// hosIDs are batch IDs that could change a request's path or smuggle bytes,
// each with the rule its refusal names.
var hosIDs = []struct {
	name string
	id   hlrlookup.BatchID
	rule string
}{
	{"empty", "", "must not be empty"},
	{"slash", "1/../../admin", `contains '/' at byte 1`},
	{"slash inside", "a/b", `contains '/' at byte 1`},
	{"dot-dot", "..", `must not be "." or ".."`},
	{"dot", ".", `must not be "." or ".."`},
	{"question", "42?secret=x", `'?'`},
	{"question inside", "a?b", `'?'`},
	{"hash", "42#frag", `'#'`},
	{"hash inside", "a#b", `'#'`},
	{"space", "42 43", `' '`},
	{"space inside", "a b", `' '`},
	{"NUL", "42\x00", `'\x00'`},
	{"NUL inside", "a\x00b", `'\x00'`},
	{"newline", "42\n", `'\n'`},
	{"CR LF header", "42\r\nX-Evil: 1", `'\r'`},
	{"DEL", "42\x7f", `'\x7f'`},
	{"percent", "%2e%2e", `'%'`},
	{"escaped slash", "a%2Fb", `'%'`},
	{"backslash", `42\..\x`, `'\\'`},
	{"accented letter", "é", "at byte 0"},
	{"10 KB", hlrlookup.BatchID(strings.Repeat("9", 10<<10)), "longer than 128 bytes"},
	{"unicode dot", "\u2024\u2024", "at byte 0"},
	{"unicode slash", "42\u22151", "at byte 2"},
}

// hosIDOps call every operation that takes a batch ID; op is the name its
// errors give it.
var hosIDOps = []struct {
	name, op string
	call     func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, dir string) error
}{
	{"GetBatch", "get batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		_, err := c.GetBatch(ctx, id)
		return err
	}},
	{"UploadFile", "upload file", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, dir string) error {
		return c.UploadFile(ctx, id, filepath.Join(dir, "numbers.csv"), nil)
	}},
	{"Upload", "upload", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.Upload(ctx, id, strings.NewReader("447700900001\n"), 13, nil)
	}},
	{"UploadNumbers", "upload numbers", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.UploadNumbers(ctx, id, []string{"447700900001"})
	}},
	{"StartBatch", "start batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.StartBatch(ctx, id)
	}},
	{"PauseBatch", "pause batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.PauseBatch(ctx, id)
	}},
	{"ScheduleBatch", "schedule batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.ScheduleBatch(ctx, id, time.Now().Add(time.Hour))
	}},
	{"DeleteBatch", "delete batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		return c.DeleteBatch(ctx, id)
	}},
	{"Download", "download results", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		rc, err := c.Download(ctx, id, hlrlookup.FormatCSV)
		if rc != nil {
			rc.Close()
		}
		return err
	}},
	{"DownloadTo", "download results", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		_, err := c.DownloadTo(ctx, id, hlrlookup.FormatJSON, io.Discard)
		return err
	}},
	{"DownloadFile", "download results to file", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, dir string) error {
		_, err := c.DownloadFile(ctx, id, hlrlookup.FormatCSV, filepath.Join(dir, "out.csv"))
		return err
	}},
	{"Results", "results", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		for _, err := range c.Results(ctx, id) {
			return err
		}
		return errors.New("Results yielded nothing")
	}},
	{"WaitForBatch", "wait for batch", func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID, _ string) error {
		_, err := c.WaitForBatch(ctx, id, nil)
		return err
	}},
}

// hosDir is a directory holding a valid numbers.csv.
func hosDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "numbers.csv"), []byte("447700900001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hosRefused asserts a refusal before any I/O: an *InputError matching
// ErrInvalidInput whose message names the problem, bounded in length, with
// no request on the fake.
func hosRefused(t *testing.T, srv *hlrlookuptest.Server, err error, mention string) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted; want a refusal")
	}
	if !errors.Is(err, hlrlookup.ErrInvalidInput) {
		t.Errorf("error does not match ErrInvalidInput: %v", err)
	}
	var ie *hlrlookup.InputError
	if !errors.As(err, &ie) {
		t.Errorf("no *InputError in %T: %v", err, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, mention) {
		t.Errorf("message does not mention %q: %s", mention, msg)
	}
	if len(msg) > 600 {
		t.Errorf("message of %d bytes: %.200s…", len(msg), msg)
	}
	if strings.ContainsAny(msg, "\x00\r\n") {
		t.Errorf("message carries a control character: %q", msg)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake: %v", n, srv.Requests())
	}
}

// TestHostileIDsRefusedWithoutIO: every operation that takes a batch ID refuses
// a bad one before any I/O (no request, no file read or written), with an
// *InputError matching ErrInvalidInput that names the operation, the batch
// ID and the rule, in at most 300 bytes, with no raw control character, and
// never the secret.
func TestHostileIDsRefusedWithoutIO(t *testing.T) {
	t.Parallel()
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithAccount("hostile-key", secSecret))
	t.Cleanup(srv.Close)
	c, err := hlrlookup.NewClient("hostile-key", secSecret, hlrlookup.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	dir := hosDir(t)
	for _, op := range hosIDOps {
		for _, bad := range hosIDs {
			t.Run(op.name+"/"+bad.name, func(t *testing.T) {
				err := op.call(t.Context(), c, bad.id, dir)
				hosRefused(t, srv, err, "batch ID")
				for _, want := range []string{"hlrlookup: " + op.op + ": ", bad.rule} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %q", err, want)
					}
				}
				if len(err.Error()) > 300 {
					t.Errorf("message of %d bytes; the value should be shortened", len(err.Error()))
				}
				for _, s := range secRenderings(err) {
					secFind(t, "error", s)
				}
			})
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only numbers.csv", len(entries))
	}
}

func hosInt(n int) *int { return &n }

func TestHostileInputsRefusedWithoutIO(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := srv.Client()
	// Each case must leave the fake's log empty; a case that sends anyway
	// fails itself, and the log is emptied so the next case starts clean.
	const id = hlrlookup.BatchID("1001")

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	unreadable := filepath.Join(dir, "unreadable.csv")
	fifo := filepath.Join(dir, "fifo")
	for _, f := range []string{empty, unreadable} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(unreadable, []byte("447700900001\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	haveFIFO := runtime.GOOS != "windows" && exec.Command("mkfifo", fifo).Run() == nil
	root := os.Geteuid() == 0

	tests := []struct {
		name    string
		skip    string
		mention string
		call    func(ctx context.Context) error
	}{
		{name: "cache_days_private -1", mention: "cache_days_private", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{CacheDaysPrivate: hosInt(-1)}})
			return err
		}},
		{name: "cache_days_global 31", mention: "cache_days_global", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{CacheDaysGlobal: hosInt(31)}})
			return err
		}},
		{name: "input_format lower case", mention: "input_format", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{InputFormat: "gbr"}})
			return err
		}},
		{name: "output_format unknown", mention: "output_format", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{OutputFormat: "E.164"}})
			return err
		}},
		{name: "Extra with an empty key", mention: "Extra key", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{Extra: map[string]any{" ": 1}}})
			return err
		}},
		{name: "Extra repeats a set field", mention: "cache_days_global", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{CacheDaysGlobal: hosInt(1), Extra: map[string]any{"cache_days_global": 99}}})
			return err
		}},
		{name: "Extra not JSON", mention: "JSON", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Arguments: &hlrlookup.BatchArguments{Extra: map[string]any{"x": make(chan int)}}})
			return err
		}},
		{name: "filename with a line break", mention: "filename", call: func(ctx context.Context) error {
			_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "a\r\nb"})
			return err
		}},
		{name: "path is a directory", mention: "directory", call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, dir, nil)
		}},
		{name: "path is a FIFO", mention: "FIFO", skip: map[bool]string{false: "mkfifo is not available"}[haveFIFO], call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, fifo, nil) // must not block opening it
		}},
		// Root reads any file whatever its mode bits, so as root the
		// unreadable case is covered by a path that does not exist.
		{name: "path unreadable", mention: "permission denied", skip: map[bool]string{true: "running as root: permission bits do not stop root; see path missing"}[root], call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, unreadable, nil)
		}},
		{name: "path missing", mention: "does not exist", call: func(ctx context.Context) error {
			err := c.UploadFile(ctx, id, filepath.Join(dir, "missing.csv"), nil)
			if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("not fs.ErrNotExist: %w", err)
			}
			return err
		}},
		{name: "path empty file", mention: "empty", call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, empty, nil)
		}},
		{name: "path empty string", mention: "path", call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, "", nil)
		}},
		{name: "negative column", mention: "column", call: func(ctx context.Context) error {
			return c.UploadFile(ctx, id, filepath.Join(hosDir(t), "numbers.csv"), &hlrlookup.UploadOptions{Column: -1})
		}},
		{name: "zero schedule time", mention: "zero time", call: func(ctx context.Context) error {
			return c.ScheduleBatch(ctx, id, time.Time{})
		}},
		{name: "schedule time in the past", mention: "past", call: func(ctx context.Context) error {
			return c.ScheduleBatch(ctx, id, time.Now().Add(-time.Hour))
		}},
		{name: "nil reader, positive size", mention: "reader", call: func(ctx context.Context) error {
			return c.Upload(ctx, id, nil, 10, nil)
		}},
		{name: "nil *bytes.Reader, positive size", mention: "reader", call: func(ctx context.Context) error {
			var r *bytes.Reader
			return c.Upload(ctx, id, r, 10, nil)
		}},
		{name: "nil *os.File, positive size", mention: "reader", call: func(ctx context.Context) error {
			var f *os.File
			return c.Upload(ctx, id, f, 10, nil)
		}},
		{name: "reader with size 0", mention: "size", call: func(ctx context.Context) error {
			return c.Upload(ctx, id, strings.NewReader("1"), 0, nil)
		}},
		{name: "numbers: empty entry", mention: "index 1", call: func(ctx context.Context) error {
			return c.UploadNumbers(ctx, id, []string{"447700900001", "", "447700900002"})
		}},
		{name: "numbers: blank entry", mention: "index 0", call: func(ctx context.Context) error {
			return c.UploadNumbers(ctx, id, []string{" \t"})
		}},
		{name: "numbers: entry with a line break", mention: "line break", call: func(ctx context.Context) error {
			return c.UploadNumbers(ctx, id, []string{"447700900001\n447700900002"})
		}},
		{name: "numbers: none", mention: "empty", call: func(ctx context.Context) error {
			return c.UploadNumbers(ctx, id, nil)
		}},
		{name: "numbers: too many", mention: "UploadFile", call: func(ctx context.Context) error {
			return c.UploadNumbers(ctx, id, make([]string, hlrlookup.MaxBodyNumbers+1))
		}},
		{name: "download: nil writer", mention: "writer", call: func(ctx context.Context) error {
			_, err := c.DownloadTo(ctx, id, hlrlookup.FormatCSV, nil)
			return err
		}},
		{name: "download: unknown format", mention: "format", call: func(ctx context.Context) error {
			_, err := c.DownloadTo(ctx, id, "xml", io.Discard)
			return err
		}},
		{name: "download: target is a directory", mention: "directory", call: func(ctx context.Context) error {
			_, err := c.DownloadFile(ctx, id, hlrlookup.FormatCSV, dir)
			return err
		}},
		{name: "download: target's directory missing", mention: "does not exist", call: func(ctx context.Context) error {
			_, err := c.DownloadFile(ctx, id, hlrlookup.FormatCSV, filepath.Join(dir, "no", "out.csv"))
			return err
		}},
		{name: "list: negative offset", mention: "offset", call: func(ctx context.Context) error {
			_, err := c.ListBatches(ctx, &hlrlookup.ListOptions{Offset: -1})
			return err
		}},
		{name: "wait: negative interval", mention: "PollInterval", call: func(ctx context.Context) error {
			_, err := c.WaitForBatch(ctx, id, &hlrlookup.WaitOptions{PollInterval: -time.Second})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			defer srv.ResetRequests()
			hosRefused(t, srv, tt.call(ctx), tt.mention)
		})
	}
	if root {
		// What root can assert about an unreadable file: nothing stops it
		// reading one, so it is the operating system, not the SDK, that
		// decides; the refusal above is checked only for other users.
		t.Log("running as root: the unreadable-file case is skipped; a missing path stands in for it")
	}
}

// hosRawClient is a client of a raw httptest server with no retries.
func hosRawClient(t *testing.T, h http.HandlerFunc) (*hlrlookup.Client, *int) {
	t.Helper()
	var hits int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := hlrlookup.NewClient("key", "raw-secret", hlrlookup.WithBaseURL(ts.URL),
		hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return c, &hits
}

// hosRawResponse hijacks the connection and writes head and body as they
// are, then closes it: the wire exactly as a lying server sends it.
func hosRawResponse(head, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = buf.WriteString(head + "\r\n" + body)
		_ = buf.Flush()
	}
}

const hosHTML = "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"

func TestLyingResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		call    func(ctx context.Context, c *hlrlookup.Client) error
		is      []error
		mention string
	}{
		{name: "GetBatch: 200 with HTML", mention: "HTML instead of JSON", is: []error{hlrlookup.ErrUnexpectedResponse},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, hosHTML)
			},
			call: func(ctx context.Context, c *hlrlookup.Client) error { _, err := c.GetBatch(ctx, "42"); return err }},
		{name: "ListBatches: 200 with HTML", mention: "HTML instead of JSON", is: []error{hlrlookup.ErrUnexpectedResponse},
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, hosHTML)
			},
			call: func(ctx context.Context, c *hlrlookup.Client) error { _, err := c.ListBatches(ctx, nil); return err }},
		{name: "CreateBatch: 200 with HTML", mention: "may or may not have been created", is: []error{hlrlookup.ErrUnexpectedResponse, hlrlookup.ErrOutcomeUnknown},
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, hosHTML)
			},
			call: func(ctx context.Context, c *hlrlookup.Client) error {
				_, err := c.CreateBatch(ctx, hlrlookup.NewBatch{})
				return err
			}},
		{name: "Results: 200 with HTML", mention: "HTML instead of results", is: []error{hlrlookup.ErrUnexpectedResponse},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, hosHTML)
			},
			call: func(ctx context.Context, c *hlrlookup.Client) error {
				for _, err := range c.Results(ctx, "42") {
					if err != nil {
						return err
					}
				}
				return nil
			}},
		{name: "DownloadFile: 200 with HTML", mention: "HTML instead of results", is: []error{hlrlookup.ErrUnexpectedResponse},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, hosHTML)
			},
			call: func(ctx context.Context, c *hlrlookup.Client) error {
				target := filepath.Join(t.TempDir(), "r.csv")
				_, err := c.DownloadFile(ctx, "42", hlrlookup.FormatCSV, target)
				if _, serr := os.Stat(target); serr == nil {
					return fmt.Errorf("the page was saved as results: %w", err)
				}
				return err
			}},
		{name: "GetBatch: Content-Length longer than the body", mention: "unexpected EOF", is: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF},
			handler: hosRawResponse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n", `{"id":"42","status":`),
			call:    func(ctx context.Context, c *hlrlookup.Client) error { _, err := c.GetBatch(ctx, "42"); return err }},
		{name: "DownloadTo: Content-Length longer than the body", mention: "cut off after 11 bytes", is: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF},
			handler: hosRawResponse("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n", "a,b\n1,2\n3,4"),
			call: func(ctx context.Context, c *hlrlookup.Client) error {
				_, err := c.DownloadTo(ctx, "42", hlrlookup.FormatCSV, io.Discard)
				return err
			}},
		{name: "DownloadTo: chunked stream without its last chunk", mention: "cut off", is: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF},
			handler: hosRawResponse("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n", "4\r\na,b\n\r\n4\r\n1,2\n\r\n"),
			call: func(ctx context.Context, c *hlrlookup.Client) error {
				_, err := c.DownloadTo(ctx, "42", hlrlookup.FormatCSV, io.Discard)
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := hosRawClient(t, tt.handler)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			err := tt.call(ctx, c)
			if err == nil {
				t.Fatal("accepted a lying response")
			}
			relCheckTyped(t, err)
			for _, s := range tt.is {
				if !errors.Is(err, s) {
					t.Errorf("error does not match %v: %v", s, err)
				}
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error does not say %q: %v", tt.mention, err)
			}
		})
	}
}

// A server that declares fewer bytes than it sends is believed: the body is
// what Content-Length says, and the surplus on the connection must not be
// read as the answer to the next request.
func TestContentLengthShorterThanBody(t *testing.T) {
	t.Parallel()
	var calls int
	c, _ := hosRawClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			hosRawResponse("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 8\r\n",
				"a,b\n1,2\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL")(w, r)
			return
		}
		_, _ = io.WriteString(w, "a,b\n5,6\n")
	})
	dir := t.TempDir()
	target := filepath.Join(dir, "r.csv")
	n, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, target)
	if err != nil || n != 8 {
		t.Fatalf("DownloadFile = %d, %v; want the 8 declared bytes", n, err)
	}
	if got, _ := os.ReadFile(target); string(got) != "a,b\n1,2\n" {
		t.Errorf("file holds %q", got)
	}
	var buf bytes.Buffer
	if _, err := c.DownloadTo(t.Context(), "42", hlrlookup.FormatCSV, &buf); err != nil || buf.String() != "a,b\n5,6\n" {
		t.Errorf("the next download got %q, %v; the surplus leaked into it", buf.String(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the target", len(entries))
	}
}

// A 100 MB Batch is refused after a bounded read: a clear error, little
// memory, and the server sees the client go away long before the end.
func TestHugeBatchBodyIsBounded(t *testing.T) {
	// Not parallel: TotalAlloc counts every goroutine's allocations.
	const size = 100 << 20
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	var written int64
	c, _ := hosRawClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(size))
		bw := bufio.NewWriterSize(w, 64<<10)
		head := `{"id":"42","filename":"`
		n, _ := bw.WriteString(head)
		written = int64(n)
		for written < size-2 {
			k := min(int64(len(chunk)), size-2-written)
			m, err := bw.Write(chunk[:k])
			written += int64(m)
			if err != nil {
				return
			}
		}
		_, _ = bw.WriteString(`"}`)
		_ = bw.Flush()
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.GetBatch(t.Context(), "42")
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d MiB body: %d MiB allocated, error: %v", size>>20, alloc>>20, err)
	if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Errorf("want ErrUnexpectedResponse saying the body is too large, got %v", err)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d MiB for a refused body; the read is not bounded", alloc>>20)
	}
}

// hosGiant reads prefix, then up to 1 GiB of fill, counting what is read.
type hosGiant struct {
	prefix []byte
	fill   byte
	left   int64
	read   int64
}

func (g *hosGiant) Read(p []byte) (int, error) {
	if len(g.prefix) > 0 {
		n := copy(p, g.prefix)
		g.prefix = g.prefix[n:]
		g.read += int64(n)
		return n, nil
	}
	if g.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), g.left))
	for i := range n {
		p[i] = g.fill
	}
	g.left -= int64(n)
	g.read += int64(n)
	return n, nil
}

// A 1 GiB field in a results file is refused after a bounded read, in both
// formats: an error, a few MiB read and allocated, never the gigabyte.
func TestGiantResultsFieldIsRefused(t *testing.T) {
	// Not parallel: TotalAlloc counts every goroutine's allocations.
	for _, tt := range []struct {
		name   string
		prefix string
		fill   byte
	}{
		{"CSV", "telephone_number,error\n", '7'},
		{"CSV quoted", "telephone_number,error\n\"", 'x'},
		{"JSON", `[{"uuid":"`, 'a'},
		{"JSON envelope", `{"results":[{"error":"NONE","x":[`, '1'},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := &hosGiant{prefix: []byte(tt.prefix), fill: tt.fill, left: 1 << 30}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var err error
			for _, e := range hlrlookup.ReadResults(g) {
				if e != nil {
					err = e
				}
			}
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("read %d MiB, allocated %d MiB: %v", g.read>>20, alloc>>20, err)
			if err == nil {
				t.Error("a 1 GiB field was accepted")
			}
			if g.read > 64<<20 || alloc > 128<<20 {
				t.Errorf("read %d MiB and allocated %d MiB for a refused field; want a bounded read", g.read>>20, alloc>>20)
			}
		})
	}
}
