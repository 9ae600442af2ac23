package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// TestWireUploadAndDownloadRedirect checks what only a real connection
// shows: an upload goes out with Content-Length (never chunked), the
// credentials travel in the query, a body shorter than its size fails instead
// of hanging, and a redirect of the results to another host does not carry
// the credentials there.
func TestWireUploadAndDownloadRedirect(t *testing.T) {
	t.Parallel()
	results := ioFile(t, "download_results.csv")
	upload := ioFile(t, "upload_numbers.csv")

	type seen struct {
		path, rawQuery   string
		query            url.Values
		contentLength    int64
		transferEncoding []string
		contentType      string
		body             []byte
		bodyErr          error
	}
	var mu sync.Mutex
	var apiSeen, fileSeen []seen
	record := func(list *[]seen, r *http.Request) seen {
		b, err := io.ReadAll(r.Body)
		s := seen{path: r.URL.Path, rawQuery: r.URL.RawQuery, query: r.URL.Query(), contentLength: r.ContentLength,
			transferEncoding: r.TransferEncoding, contentType: r.Header.Get("Content-Type"), body: b, bodyErr: err}
		mu.Lock()
		*list = append(*list, s)
		mu.Unlock()
		return s
	}

	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(&fileSeen, r)
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write(results)
	}))
	t.Cleanup(files.Close)

	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := record(&apiSeen, r)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/batches/7/source":
			if s.bodyErr != nil {
				http.Error(w, "short body", http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusOK)
		case r.Method == http.MethodGet && r.URL.Path == "/batches/7/results":
			http.Redirect(w, r, files.URL+"/files/7.csv?sig=abc", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	if strings.TrimPrefix(api.URL, "http://") == strings.TrimPrefix(files.URL, "http://") {
		t.Fatal("the two servers share an address")
	}

	c, err := hlrlookup.NewClient("key-123456", ioSecret, hlrlookup.WithBaseURL(api.URL),
		hlrlookup.WithRetryPolicy(hlrlookup.RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	// Upload: Content-Length equal to the file's size, no chunking, credentials in the query.
	if err := c.UploadFile(ctx, "7", filepath.Join("testdata", "upload_numbers.csv"), &hlrlookup.UploadOptions{Column: hlrlookup.ColumnB}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	up := apiSeen[0]
	mu.Unlock()
	if up.contentLength != int64(len(upload)) || len(up.transferEncoding) != 0 {
		t.Errorf("upload went with ContentLength %d, TransferEncoding %q; want %d and none", up.contentLength, up.transferEncoding, len(upload))
	}
	if !bytes.Equal(up.body, upload) || up.contentType != "text/csv" {
		t.Errorf("upload body %q (%s)", up.body, up.contentType)
	}
	if up.query.Get("apikey") != "key-123456" || up.query.Get("secret") != ioSecret || up.query.Get("column") != "1" {
		t.Errorf("upload query lacks apikey, secret or column=1 (keys: apikey %v, secret %v, column %q)",
			up.query.Has("apikey"), up.query.Has("secret"), up.query.Get("column"))
	}

	// A reader shorter than its size fails, over a real connection, without hanging.
	err = c.Upload(ctx, "7", strings.NewReader("447790606023\n"), 1000, nil)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || ctx.Err() != nil {
		t.Errorf("short upload: error %v (ctx %v); want io.ErrUnexpectedEOF, promptly", err, ctx.Err())
	}
	noLeak(t, err)

	// Download through a redirect to another host.
	path := filepath.Join(t.TempDir(), "results.csv")
	n, err := c.DownloadFile(ctx, "7", hlrlookup.FormatCSV, path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(results)) || !bytes.Equal(got, results) {
		t.Errorf("downloaded %d bytes %q, want %q", n, got, results)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fileSeen) != 1 {
		t.Fatalf("the other host saw %d requests, want 1", len(fileSeen))
	}
	f := fileSeen[0]
	if f.path != "/files/7.csv" || f.query.Get("sig") != "abc" {
		t.Errorf("the other host got %s?%s", f.path, f.rawQuery)
	}
	if f.query.Has("apikey") || f.query.Has("secret") || strings.Contains(f.rawQuery, ioSecret) || strings.Contains(f.rawQuery, "key-123456") {
		t.Errorf("credentials reached the other host: %q", strings.ReplaceAll(f.rawQuery, ioSecret, "<SECRET>"))
	}
	// The short upload's handler may record its request after the download's
	// (it reads until the client's connection closes): find the results
	// request by its path, not by its place.
	var last seen
	for _, s := range apiSeen {
		if s.path == "/batches/7/results" {
			last = s
		}
	}
	if last.path != "/batches/7/results" || last.query.Get("secret") != ioSecret || last.query.Has("format") {
		t.Errorf("the API's results request: %s, secret present %v, format %q", last.path, last.query.Has("secret"), last.query.Get("format"))
	}
}
