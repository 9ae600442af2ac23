package hlrlookup_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// pieceReader gives data n bytes per Read, as a network body does.
type pieceReader struct {
	data []byte
	n    int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	k := copy(b[:min(len(b), p.n)], p.data)
	p.data = p.data[k:]
	return k, nil
}

// writebackCall is one request DownloadFile made to start writing back.
type writebackCall struct {
	off, n int64
	size   int64 // the file's size at the time
	name   string
}

// TestDownloadFileWriteback: while the results are downloaded, DownloadFile
// asks the system to start writing back each range of at least the chunk
// size just written, in order, from the start of the temporary file, never
// beyond what is written, and leaves the tail to the final fsync. A failed
// request is not fatal: the download completes, and DownloadFile stops
// asking. It changes the package's write-back hook, so it does not run in
// parallel.
func TestDownloadFileWriteback(t *testing.T) {
	const chunk, piece = 1000, 700
	body := bytes.Repeat([]byte("0123456789abcdef,\n"), 500) // 9,000 bytes
	tests := []struct {
		name      string
		fail      error
		wantCalls int
	}{
		{"each chunk written is handed over", nil, 6},
		{"a failed request is not fatal and not repeated", errors.New("sync_file_range: not supported"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []writebackCall
			restore := hlrlookup.SetWriteback(chunk, func(f *os.File, off, n int64) error {
				fi, err := f.Stat()
				if err != nil {
					t.Error(err)
					return err
				}
				calls = append(calls, writebackCall{off, n, fi.Size(), f.Name()})
				return tt.fail
			})
			defer restore()
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, bodyResponder(func() io.ReadCloser {
				return io.NopCloser(&pieceReader{data: body, n: piece})
			}, int64(len(body))))
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			n, err := ioClient(t, mt, 0).DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path)
			if err != nil || n != int64(len(body)) {
				t.Fatalf("DownloadFile: %d bytes, %v", n, err)
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, body) {
				t.Fatalf("the file holds %d bytes (%v), want the %d of the body", len(got), err, len(body))
			}
			if names := dirEntries(t, dir); len(names) != 1 {
				t.Errorf("the directory holds %q", names)
			}
			if len(calls) != tt.wantCalls {
				t.Fatalf("%d write-back requests %+v, want %d", len(calls), calls, tt.wantCalls)
			}
			next := int64(0)
			for _, c := range calls {
				if c.off != next || c.n < chunk || c.off+c.n > c.size {
					t.Errorf("request for %d bytes at %d with %d written (the previous ended at %d): want the next %d or more bytes written", c.n, c.off, c.size, next, chunk)
				}
				if base := filepath.Base(c.name); !strings.HasPrefix(base, ".results.csv.partial-") {
					t.Errorf("request for %s, want the temporary file", base)
				}
				next = c.off + c.n
			}
			if tt.fail == nil && int64(len(body))-next >= chunk {
				t.Errorf("the requests end at %d of %d bytes: a whole chunk was left", next, len(body))
			}
		})
	}
}

// TestStartWritebackOS: the system's request (sync_file_range on Linux, nothing
// elsewhere) succeeds on a regular file's written range.
func TestStartWritebackOS(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := hlrlookup.StartWritebackOS(f, 0, 1<<20); err != nil {
		t.Errorf("StartWritebackOS: %v", err)
	}
}
