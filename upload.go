package hlrlookup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Column is a zero-based column of an uploaded file: ColumnA (0) is the
// first. The service reads the telephone numbers from this column.
type Column int

// The first 26 columns by their spreadsheet letters.
const (
	ColumnA Column = iota
	ColumnB
	ColumnC
	ColumnD
	ColumnE
	ColumnF
	ColumnG
	ColumnH
	ColumnI
	ColumnJ
	ColumnK
	ColumnL
	ColumnM
	ColumnN
	ColumnO
	ColumnP
	ColumnQ
	ColumnR
	ColumnS
	ColumnT
	ColumnU
	ColumnV
	ColumnW
	ColumnX
	ColumnY
	ColumnZ
)

// MaxColumn is the last column ParseColumn accepts: "XFD", the last column
// of a spreadsheet.
const MaxColumn Column = 16383

// String gives the column's spreadsheet letters: "A", "B", …, "Z", "AA".
// A negative column prints as "Column(-1)".
func (c Column) String() string {
	if c < 0 {
		return "Column(" + strconv.Itoa(int(c)) + ")"
	}
	var buf [16]byte
	i := len(buf)
	for n := int(c) + 1; n > 0; n = (n - 1) / 26 {
		i--
		buf[i] = byte('A' + (n-1)%26)
	}
	return string(buf[i:])
}

// ParseColumn reads a column as spreadsheet letters ("A", "b", "AA", up to
// "XFD"; case does not matter) or as a zero-based decimal number ("0" is
// column A). Surrounding spaces are ignored. It makes no request.
func ParseColumn(s string) (Column, error) {
	const op = "parse column"
	const rule = `must be spreadsheet letters "A" to "XFD" or a zero-based number 0 to 16383`
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, inputError(op, "column", nil, "is empty; "+rule)
	}
	allDigits, allLetters := true, true
	for i := 0; i < len(t); i++ {
		ch := t[i]
		isDigit := ch >= '0' && ch <= '9'
		isLetter := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
		allDigits = allDigits && isDigit
		allLetters = allLetters && isLetter
	}
	switch {
	case allDigits:
		n, err := strconv.Atoi(t)
		if err != nil || n > int(MaxColumn) {
			return 0, inputError(op, "column", s, "is too large; "+rule)
		}
		return Column(n), nil
	case allLetters:
		if len(t) > 3 {
			return 0, inputError(op, "column", s, "is too large; "+rule)
		}
		n := 0
		for i := 0; i < len(t); i++ {
			n = n*26 + int(t[i]|0x20-'a') + 1
		}
		if n-1 > int(MaxColumn) {
			return 0, inputError(op, "column", s, "is too large; "+rule)
		}
		return Column(n - 1), nil
	case strings.HasPrefix(t, "-"):
		return 0, inputError(op, "column", s, "is negative; "+rule)
	default:
		return 0, inputError(op, "column", s, "mixes letters, digits or other characters; "+rule)
	}
}

// Limits of an upload of numbers in the request body (UploadNumbers); larger
// lists must be uploaded as a file.
const (
	MaxBodyBytes   = 2 << 20 // 2 MiB
	MaxBodyNumbers = 100_000
)

// UploadOptions tune UploadFile and Upload. A nil *UploadOptions means the
// defaults: column A, no progress reports.
type UploadOptions struct {
	// Column holds the telephone numbers; ColumnA (0) is the default and is
	// not sent.
	Column Column
	// OnProgress, when set, is called as the body is sent with the bytes sent
	// so far and the total. If the SDK sends the body again after a failure,
	// the count restarts from 0. It is called from the goroutine that writes
	// the request, which may not be the caller's, and must return quickly.
	OnProgress func(sent, total int64)
}

func (o *UploadOptions) orDefault() UploadOptions {
	if o == nil {
		return UploadOptions{}
	}
	return *o
}

// UploadFile uploads the file at path as the batch's data with
// POST /batches/{id}/source (Content-Type text/csv), streaming it with its
// size as Content-Length; the file is never held in memory. opts may be nil.
//
// Only a regular, non-empty, readable file is accepted; anything else is
// refused before a request is made (to send a pipe or a device, open it and
// use Upload). Any 2xx answer, with or without a body, is success. A batch takes data once: if the batch
// already has data the error matches ErrBatchHasData.
//
// If the connection fails after the file was sent, UploadFile asks the batch
// (GetBatch) whether the data arrived instead of guessing: it returns nil if
// it did, and sends the file again if it did not (as often as the retry
// policy allows). If that check itself fails, the error matches
// ErrOutcomeUnknown: check the batch with GetBatch before uploading again.
func (c *Client) UploadFile(ctx context.Context, id BatchID, path string, opts *UploadOptions) error {
	const op = "upload file"
	o := opts.orDefault()
	if err := checkID(op, id); err != nil {
		return err
	}
	if err := checkColumn(op, o.Column); err != nil {
		return err
	}
	if path == "" {
		return inputError(op, "path", nil, "is empty; give the file to upload")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fileError(op, path, err)
	}
	if err := checkRegular(op, path, fi); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fileError(op, path, err)
	}
	defer f.Close()
	fi2, err := f.Stat()
	if err != nil {
		return fileError(op, path, err)
	}
	if err := checkRegular(op, path, fi2); err != nil { // replaced since the first look
		return err
	}
	size := fi2.Size()
	if size == 0 {
		return inputError(op, "file", path, "is empty; nothing to upload")
	}
	src := &uploadSource{
		size:       size,
		replayable: true,
		progress:   o.OnProgress,
		open:       func() (io.Reader, error) { return io.NewSectionReader(f, 0, size), nil },
	}
	return c.uploadOnce(ctx, op, id, src, o.Column)
}

// Upload uploads size bytes read from r as the batch's data with
// POST /batches/{id}/source (Content-Type text/csv, Content-Length size),
// streaming them. opts may be nil.
//
// If r is an io.ReaderAt that can say where it stands (a regular *os.File, a
// *bytes.Reader, …) the body is read with ReadAt from r's current offset
// (when r is also an io.Seeker; else from offset 0), so it can be sent again
// after a failure; r's offset is not moved. Any other reader is read only
// once, from where it stands, and gets a single attempt: no retry on 429 or
// 503, no re-send after a dropped connection (the error then says whether
// the data was stored), and a 307 or 308 redirect is returned as an
// *APIError instead of followed. That includes an *os.File that is not a
// regular file (a pipe such as os.Stdin, a socket, a device), a regular
// file whose size from its offset is less than size (one still growing, or a
// /proc file), and a reader whose Seek fails.
//
// If r ends before size bytes, Upload fails. Bytes beyond size are not read.
// Failures whose outcome is unknown are resolved as described at UploadFile.
func (c *Client) Upload(ctx context.Context, id BatchID, r io.Reader, size int64, opts *UploadOptions) error {
	const op = "upload"
	o := opts.orDefault()
	if err := checkID(op, id); err != nil {
		return err
	}
	if err := checkColumn(op, o.Column); err != nil {
		return err
	}
	if r == nil {
		return inputError(op, "reader", nil, "is nil")
	}
	if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
		// A nil *bytes.Reader or *os.File in a non-nil io.Reader would
		// panic, or fail oddly, once sending starts.
		return inputError(op, "reader", nil, fmt.Sprintf("is a nil %T", r))
	}
	if size <= 0 {
		return inputError(op, "size", size, "must be positive: the number of bytes to upload")
	}
	src := &uploadSource{size: size, progress: o.OnProgress}
	if open := replayableSection(r, size); open != nil {
		src.replayable = true
		src.open = open
	} else {
		// Called once to probe the body and once for the single attempt; only
		// the attempt reads.
		src.open = func() (io.Reader, error) { return r, nil }
	}
	return c.uploadOnce(ctx, op, id, src, o.Column)
}

// replayableSection gives a factory of readers of the size bytes from r's
// offset when r can be read there again (ReadAt at a known offset), or nil
// when r must be read once as a stream: an *os.File that is not a regular
// file (ReadAt and Seek of a pipe or a socket fail; a device need not give
// the same bytes twice), a regular file whose size from its offset is less
// than size (it may be growing, or be generated as /proc files are), and a
// reader whose Seek fails.
func replayableSection(r io.Reader, size int64) func() (io.Reader, error) {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		return nil
	}
	var fileSize int64 = -1
	if f, isFile := r.(*os.File); isFile {
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		fileSize = fi.Size()
	}
	var off int64
	if s, ok := r.(io.Seeker); ok {
		var err error
		if off, err = s.Seek(0, io.SeekCurrent); err != nil {
			return nil // where it stands is unknown: read it as a stream
		}
	}
	if fileSize >= 0 && size > fileSize-off {
		// Stat does not vouch for the bytes (a file still growing, or one
		// of /proc whose size reads 0): read what comes, once.
		return nil
	}
	return func() (io.Reader, error) { return io.NewSectionReader(ra, off, size), nil }
}

// UploadNumbers uploads telephone numbers as the batch's data with
// POST /batches/{id}/source, one number per line (Content-Type text/csv).
// Each number is trimmed of surrounding spaces.
//
// It refuses, before any request: an empty list, more than MaxBodyNumbers
// numbers, an empty number, a number containing a comma, a quote or a line
// break, and a body larger than MaxBodyBytes. Upload a file (UploadFile) for
// larger lists. Failures whose outcome is unknown are resolved as described
// at UploadFile.
func (c *Client) UploadNumbers(ctx context.Context, id BatchID, numbers []string) error {
	const op = "upload numbers"
	if err := checkID(op, id); err != nil {
		return err
	}
	switch {
	case len(numbers) == 0:
		return inputError(op, "numbers", nil, "the list is empty; nothing to upload")
	case len(numbers) > MaxBodyNumbers:
		return inputError(op, "numbers", nil, fmt.Sprintf(
			"%d numbers are more than the %d the service takes in a request body; upload them as a file with UploadFile instead",
			len(numbers), MaxBodyNumbers))
	}
	// The form of the body is assumed (the vendor's page lost its example):
	// one number per line, no header, sent as text/csv like a file (see
	// uploadOnce). It is built only here.
	// Build the body, then check it whole with vectorised searches; only when
	// one finds something are the numbers walked to name the culprit.
	body := make([]byte, 0, min(len(numbers)*16, MaxBodyBytes+1))
	for i, n := range numbers {
		t := strings.TrimSpace(n)
		if t == "" {
			return inputError(op, fmt.Sprintf("number at index %d", i), nil, "is empty")
		}
		body = append(body, t...)
		body = append(body, '\n')
	}
	if bytes.IndexByte(body, ',') >= 0 || bytes.IndexByte(body, '"') >= 0 || bytes.IndexByte(body, '\r') >= 0 ||
		bytes.Count(body, []byte{'\n'}) != len(numbers) {
		for i, n := range numbers {
			t := strings.TrimSpace(n)
			if j := strings.IndexAny(t, ",\"\r\n"); j >= 0 {
				return inputError(op, fmt.Sprintf("number at index %d", i), t,
					fmt.Sprintf("contains %q; a number must not contain a comma, a quote or a line break", t[j]))
			}
		}
	}
	if len(body) > MaxBodyBytes {
		return inputError(op, "numbers", nil, fmt.Sprintf(
			"the body would be %d bytes, more than the %d bytes (2 MiB) the service takes; upload them as a file with UploadFile instead",
			len(body), MaxBodyBytes))
	}
	src := &uploadSource{
		size:       int64(len(body)),
		replayable: true,
		open:       func() (io.Reader, error) { return bytes.NewReader(body), nil },
	}
	return c.uploadOnce(ctx, op, id, src, ColumnA)
}

func checkColumn(op string, col Column) error {
	if col < 0 {
		return inputError(op, "column", int(col), "is negative; columns count from 0 (ColumnA)")
	}
	return nil
}

// checkRegular refuses anything but a regular file: a directory, a named
// pipe, a socket or a device could block or never end.
func checkRegular(op, path string, fi fs.FileInfo) error {
	m := fi.Mode()
	var what string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "is a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "is a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "is a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		what = "is a device"
	default:
		what = "is not a regular file"
	}
	return inputError(op, "path", path, what+"; only a regular file can be uploaded (to send a stream once, open it and use Upload)")
}

// fileError reports a file that cannot be used, as an *InputError that also
// unwraps to the cause (so errors.Is(err, fs.ErrNotExist) works).
func fileError(op, path string, err error) error {
	rule := "cannot be read"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rule = "does not exist"
	case errors.Is(err, fs.ErrPermission):
		rule = "cannot be read: permission denied"
	}
	return &causedInputError{InputError: inputError(op, "file", path, rule), cause: err}
}

// causedInputError is an *InputError with the error that caused it.
type causedInputError struct {
	*InputError
	cause error
}

func (e *causedInputError) Error() string   { return e.InputError.Error() + ": " + e.cause.Error() }
func (e *causedInputError) Unwrap() []error { return []error{e.InputError, e.cause} }

// uploadSource is the body of an upload: open gives a fresh reader from the
// start for each attempt (replayable) or the one reader there is.
type uploadSource struct {
	open       func() (io.Reader, error)
	size       int64
	replayable bool
	progress   func(sent, total int64)

	mu    sync.Mutex
	short error // set when a reader ended before size bytes
}

// body is the request's body factory: every call starts a new count.
func (s *uploadSource) body() (io.Reader, error) {
	r, err := s.open()
	if err != nil {
		return nil, err
	}
	return &uploadReader{r: r, src: s, left: s.size}, nil
}

func (s *uploadSource) shortErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.short
}

// uploadReader reads exactly src.size bytes, reports progress, and turns an
// early end into an error instead of a short request. It has no Close, so
// neither retryablehttp nor net/http closes the caller's reader.
type uploadReader struct {
	r    io.Reader
	src  *uploadSource
	left int64
	sent int64
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > u.left {
		p = p[:u.left]
	}
	n, err := u.r.Read(p)
	u.left -= int64(n)
	u.sent += int64(n)
	if n > 0 && u.src.progress != nil {
		u.src.progress(u.sent, u.src.size)
	}
	if err == io.EOF && u.left > 0 {
		err = fmt.Errorf("the data ended after %d of %d bytes: %w", u.sent, u.src.size, io.ErrUnexpectedEOF)
		u.src.mu.Lock()
		u.src.short = err
		u.src.mu.Unlock()
	} else if err == io.EOF || err == nil && u.left == 0 {
		err = io.EOF
	}
	return n, err
}

// uploadQuery is the query of POST /batches/{id}/source: the zero-based
// column holding the numbers (documented: "&column=", 0 for column A), not
// sent for column A, the service's default.
type uploadQuery struct {
	Column int `url:"column,omitempty"`
}

// uploadOnce sends src to POST batches/{id}/source so that the batch gets the
// data exactly once: a failure whose outcome is unknown is settled by
// resolveUpload (retry.go), which says whether to send the data again.
func (c *Client) uploadOnce(ctx context.Context, op string, id BatchID, src *uploadSource, column Column) error {
	// A nil or finished context is refused by send, before anything is sent.
	r := &request{
		op:          op,
		method:      http.MethodPost,
		path:        batchPath(id, "/source"),
		body:        src.body,
		contentType: "text/csv", // as a real client sends a file
		size:        src.size,
		mode:        retryUnsafe,
	}
	q, err := encodeQuery(op, uploadQuery{Column: int(column)})
	if err != nil {
		return err
	}
	r.query = q
	if !src.replayable {
		r.mode = retryNever
	}
	resends := 0
	for {
		resp, err := c.send(ctx, r)
		if short := src.shortErr(); short != nil {
			if resp != nil {
				drainClose(resp.Body)
			}
			return fmt.Errorf("hlrlookup: %s: batch %s: the upload was not completed and can be tried again with the whole data: %w", op, id, short)
		}
		if err == nil {
			drainClose(resp.Body)
			return nil
		}
		resend, err := c.resolveUpload(ctx, op, id, err, resends, src.replayable)
		if !resend {
			return err
		}
		resends++
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hlrlookup: upload not stored; sending again",
			slog.String("op", op), slog.String("batch", string(id)), slog.Int("resend", resends))
	}
}
