package hlrlookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Format is the format of a results download. FormatCSV is the service's
// default and sends no selector. FormatJSON adds the query format=json, which
// is assumed: the vendor's page says JSON results exist, but the selector is
// not on it (its code samples are lost). If the service does not take that
// selector, a FormatJSON download may get CSV or an error instead.
type Format string

// The results formats. The zero value "" means FormatCSV.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// resultsQuery is the query of GET /batches/{id}/results.
type resultsQuery struct {
	// Format is "json" for JSON results, and empty (not sent) for CSV, the
	// service's default. The selector format=json is assumed: the vendor's
	// page says JSON results exist but not how to ask for them.
	Format string `url:"format,omitempty"`
}

// query gives the query that selects the format (resultsQuery): none for
// CSV, format=json for JSON.
func (f Format) query(op string) (url.Values, error) {
	switch f {
	case "", FormatCSV:
		return nil, nil
	case FormatJSON:
		return encodeQuery(op, resultsQuery{Format: string(FormatJSON)})
	}
	return nil, inputError(op, "format", string(f), `must be FormatCSV ("csv") or FormatJSON ("json")`)
}

// downloadBufferSize is the copy buffer of DownloadTo and DownloadFile.
const downloadBufferSize = 256 << 10

// Download fetches the results of a batch with GET /batches/{id}/results
// (CSV; FormatJSON adds format=json, the assumed selector: see Format) and
// returns the body as a stream, which the caller must close. Results of a
// large batch can be large: the body is not read ahead.
//
// Only a 200 answer with a body is results: a 204, a 205, a 206 (part of the
// results), any other 2xx, or an empty body is an error matching
// ErrUnexpectedResponse. Even a batch without rows has a CSV header line.
//
// If the body ends early (fewer bytes than its Content-Length, or a cut
// chunked stream), reading returns an error matching ErrUnexpectedResponse
// and io.ErrUnexpectedEOF, never a clean io.EOF.
func (c *Client) Download(ctx context.Context, id BatchID, f Format) (io.ReadCloser, error) {
	const op = "download results"
	body, err := c.download(ctx, op, id, f)
	if err != nil {
		return nil, err // a nil interface, not a nil *resultsBody in one
	}
	return body, nil
}

func (c *Client) download(ctx context.Context, op string, id BatchID, f Format) (*resultsBody, error) {
	if err := checkID(op, id); err != nil {
		return nil, err
	}
	q, err := f.query(op)
	if err != nil {
		return nil, err
	}
	path := batchPath(id, "/results")
	resp, err := c.send(ctx, &request{op: op, method: http.MethodGet, path: path, query: q, mode: retryIdempotent})
	if err != nil {
		return nil, err
	}
	if err := checkResultsAnswer(resp); err != nil {
		drainClose(resp.Body)
		return nil, fmt.Errorf("hlrlookup: %s: GET %s: %w: %s", op, c.baseURL.Path+path, ErrUnexpectedResponse, err)
	}
	if ct := resp.Header.Get("Content-Type"); isHTML(ct) {
		// A maintenance page or a proxy's login page is not results: never
		// save or decode it as such.
		drainClose(resp.Body)
		return nil, fmt.Errorf("hlrlookup: %s: GET %s: %w: HTML instead of results (Content-Type %s)", op, c.baseURL.Path+path, ErrUnexpectedResponse,
			scrubString(strconv.Quote(ct), c.secret))
	}
	return &resultsBody{
		rc:     resp.Body,
		ctx:    ctx,
		where:  fmt.Sprintf("hlrlookup: %s: GET %s", op, c.baseURL.Path+path),
		want:   resp.ContentLength,
		secret: c.secret,
	}, nil
}

// checkResultsAnswer is what a successful results download must carry:
// status 200 (a 204 or 205 has no results; a 206 is only part of them and is
// never taken for the whole), and a body: an empty one is no results file,
// since even a batch without rows has a CSV header or a JSON array. A body
// of unknown length that turns out empty is caught by resultsBody.
func checkResultsAnswer(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		what := "not the results"
		if resp.StatusCode == http.StatusPartialContent {
			what = "only part of the results"
		}
		return fmt.Errorf("status %d (%s), %s; want 200 with the whole results", resp.StatusCode, http.StatusText(resp.StatusCode), what)
	}
	if resp.ContentLength == 0 {
		return errEmptyResults
	}
	return nil
}

// errEmptyResults is a results answer with no body.
var errEmptyResults = errors.New("the results body is empty")

// isHTML reports whether a Content-Type names a web page, whatever its
// parameters: one that does not parse ("text/html; charset") still names it.
func isHTML(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// resultsBody is a results stream that refuses to end early.
type resultsBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	where  string // "hlrlookup: download results: GET /batches/42/results"
	want   int64  // Content-Length; <= 0 when unknown
	n      int64
	err    error // sticky
	secret string
}

func (b *resultsBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	switch {
	case err == nil:
	case err == io.EOF:
		if b.want > 0 && b.n < b.want {
			err = &cutBodyError{msg: fmt.Sprintf("%s: the results ended after %d of %d bytes", b.where, b.n, b.want)}
		}
		if b.n == 0 && b.want <= 0 {
			err = fmt.Errorf("%s: %w: %w", b.where, ErrUnexpectedResponse, errEmptyResults)
		}
	case b.ctx.Err() != nil:
		err = &cutBodyError{msg: fmt.Sprintf("%s: stopped after %d bytes", b.where, b.n), cause: b.ctx.Err(), cancelled: true}
	default:
		err = &cutBodyError{msg: fmt.Sprintf("%s: the results were cut off after %d bytes", b.where, b.n), cause: scrubError(err, b.secret)}
	}
	b.err = err
	return n, err
}

func (b *resultsBody) Close() error { return b.rc.Close() }

// cutBodyError is a results body that did not arrive whole. It matches
// io.ErrUnexpectedEOF, the cause, and (unless the context ended)
// ErrUnexpectedResponse.
type cutBodyError struct {
	msg       string
	cause     error
	cancelled bool
}

func (e *cutBodyError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *cutBodyError) Unwrap() []error {
	errs := []error{io.ErrUnexpectedEOF}
	if !e.cancelled {
		errs = append(errs, ErrUnexpectedResponse)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// DownloadTo streams the results of a batch (GET /batches/{id}/results;
// format=json for FormatJSON, the assumed selector: see Format) into w and
// returns the number of bytes written. It fails on an answer that is not
// results (see Download), if the body ends before its Content-Length, or if
// w fails. On failure w may hold part of the results; use DownloadFile to get
// all or nothing.
func (c *Client) DownloadTo(ctx context.Context, id BatchID, f Format, w io.Writer) (int64, error) {
	const op = "download results"
	if w == nil {
		return 0, inputError(op, "writer", nil, "is nil")
	}
	body, err := c.download(ctx, op, id, f)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	return copyResults(body, w)
}

// copyResults copies with a large buffer; hiding w's ReadFrom and body's
// WriteTo keeps io.CopyBuffer on that buffer and our checks.
func copyResults(body *resultsBody, w io.Writer) (int64, error) {
	buf := make([]byte, downloadBufferSize)
	n, err := io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{body}, buf)
	if err != nil {
		if body.err != nil && errors.Is(err, body.err) {
			return n, err
		}
		return n, fmt.Errorf("%s: writing the results after %d bytes: %w", body.where, n, err)
	}
	return n, nil
}

// DownloadFile saves the results of a batch (GET /batches/{id}/results;
// format=json for FormatJSON, the assumed selector: see Format; only a 200
// answer with a body is results, see Download) to the file at
// path and returns the number of bytes written. The file appears under path
// only once the whole body arrived and was written and synced: it is written
// to a temporary file beside path (".<name>.partial-*") and renamed. On any
// failure the temporary file is removed and path is left as it was (a file
// already there is not touched).
//
// path must name a regular file, which is replaced, or nothing yet; its
// directory must exist. A new file gets mode 0666 less the umask, as with
// os.Create (0644 under the usual umask 022; set umask 077 to keep results
// private); a replaced file keeps its permission bits. Anything else at path
// is refused with an *InputError before any request: a directory, a named
// pipe, a socket, a device, and a symbolic link, which is neither followed
// nor replaced (give the path of the file itself).
func (c *Client) DownloadFile(ctx context.Context, id BatchID, f Format, path string) (written int64, err error) {
	const op = "download results to file"
	if err := checkID(op, id); err != nil {
		return 0, err
	}
	if _, err := f.query(op); err != nil {
		return 0, err
	}
	if path == "" {
		return 0, inputError(op, "path", nil, "is empty; give the file to write")
	}
	exists, err := checkTarget(op, path)
	if err != nil {
		return 0, err
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	if os.IsPathSeparator(path[len(path)-1]) || base == "." || base == ".." { // "out/" too on Windows
		return 0, pathError(op, "path", path, "names a directory; give a file name")
	}
	if fi, err := os.Stat(dir); err != nil {
		switch {
		case errors.Is(err, syscall.ENOTDIR):
			return 0, &causedInputError{InputError: pathError(op, "directory", dir, "is not a directory"), cause: err}
		case errors.Is(err, os.ErrNotExist):
			return 0, &causedInputError{InputError: pathError(op, "directory", dir, "does not exist; create it first"), cause: err}
		}
		return 0, &causedInputError{InputError: pathError(op, "directory", dir, "cannot be used"), cause: err}
	} else if !fi.IsDir() {
		return 0, pathError(op, "directory", dir, "is not a directory")
	}
	if ctx != nil && ctx.Err() != nil {
		return 0, fmt.Errorf("hlrlookup: %s: nothing was written: %w", op, ctx.Err())
	}

	tmp, err := createPartial(dir, base, exists)
	if err != nil {
		return 0, fmt.Errorf("hlrlookup: %s: creating a temporary file beside %s: %w", op, path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close() // may already be closed
			_ = os.Remove(tmpName)
			written = 0
		}
	}()

	body, err := c.download(ctx, op, id, f)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := copyResults(body, newWritebackFile(tmp))
	if err != nil {
		return 0, err
	}
	if body.want > 0 && n != body.want {
		return 0, &cutBodyError{msg: fmt.Sprintf("%s: got %d of %d bytes", body.where, n, body.want)}
	}
	if err = settleMode(op, tmp, path); err != nil {
		return 0, err
	}
	if err = tmp.Sync(); err != nil {
		return 0, fmt.Errorf("hlrlookup: %s: syncing %s: %w", op, tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return 0, fmt.Errorf("hlrlookup: %s: closing %s: %w", op, tmpName, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return 0, fmt.Errorf("hlrlookup: %s: %w", op, err)
	}
	syncDir(dir)
	return n, nil
}

// syncDir makes a rename in dir durable where the system allows; failures
// are ignored (some systems cannot sync a directory).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Results downloads the results of a batch as CSV (GET /batches/{id}/results,
// the service's default format: no selector is sent) and yields one *Result
// per row, streaming: the body is closed when the loop ends or breaks. A
// failure (of the request, an answer that is not results as at Download, or
// a cut or malformed body) is yielded once as (nil, err) and ends the
// sequence.
func (c *Client) Results(ctx context.Context, id BatchID) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		body, err := c.download(ctx, "results", id, FormatCSV)
		if err != nil {
			yield(nil, err)
			return
		}
		defer body.Close()
		for r, err := range decodeCSVResults(body) {
			// A decode error quotes the server's cells: never its echo of the secret.
			if !yield(r, scrubError(err, c.secret)) || err != nil {
				return
			}
		}
	}
}
