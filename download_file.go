package hlrlookup

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// The file rules of DownloadFile:
//
//   - A new file is created like os.Create does: mode 0666 less the
//     process's umask (0644 under the usual umask 022, 0600 under 077).
//   - An existing regular file is replaced by a new file with the same
//     permission bits (owner and group are those of the caller).
//   - Anything else at the target is refused before any request, naming the
//     path and the rule: a directory, a symbolic link (neither followed nor
//     replaced), a named pipe, a socket or a device.

// newFilePerm is the mode a new results file is created with, before the
// umask: the mode of os.Create.
const newFilePerm fs.FileMode = 0o666

// checkTarget looks at what is at path before anything is downloaded: it
// reports whether a regular file is there to be replaced, and returns an
// *InputError for anything DownloadFile must not replace. Other errors
// (path's directory is missing or is a file) are left to the checks of the
// directory.
func checkTarget(op, path string) (exists bool, err error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return false, nil
	}
	if rule := notRegularRule(fi.Mode()); rule != "" {
		return false, pathError(op, "path", path, rule)
	}
	return true, nil
}

// notRegularRule says why DownloadFile refuses a target of mode m, or ""
// for a regular file.
func notRegularRule(m fs.FileMode) string {
	const only = "; DownloadFile writes only a regular file (replacing it) or a new name"
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "is a directory; give a file name"
	case m&fs.ModeSymlink != 0:
		return "is a symbolic link, which DownloadFile neither follows nor replaces; give the path of the file itself or a new name"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO)" + only
	case m&fs.ModeSocket != 0:
		return "is a socket" + only
	case m&fs.ModeDevice != 0:
		return "is a device" + only
	}
	return "is not a regular file" + only
}

// createPartial creates the temporary file ".<base>.partial-<random>" in
// dir, exclusively. A new target's temporary file gets newFilePerm, which
// the system reduces by the umask; one that replaces an existing file starts
// private (0600) and gets the old file's bits from settleMode.
func createPartial(dir, base string, replacing bool) (*os.File, error) {
	perm := newFilePerm
	if replacing {
		perm = 0o600
	}
	prefix := filepath.Join(dir, "."+base+".partial-")
	for range 100 {
		name := prefix + strconv.FormatUint(rand.Uint64()%1e12, 10)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no unused temporary name %s*", prefix)
}

// settleMode looks at path again once the results are written: something
// that is no regular file may have appeared there since the first look
// (refused), and an existing file's permission bits are copied to tmp as
// they are now. It runs before tmp is synced, so that the mode is durable
// with the data.
func settleMode(op string, tmp *os.File, path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // keeps the mode tmp was created with
	case err != nil:
		return fmt.Errorf("hlrlookup: %s: %w", op, err)
	}
	if rule := notRegularRule(fi.Mode()); rule != "" {
		return pathError(op, "path", path, rule)
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("hlrlookup: %s: %w", op, err)
	}
	return nil
}

// pathError is an *InputError naming a file or directory in full: a path cut
// to 40 bytes would not say which file was refused.
func pathError(op, field, path, rule string) *InputError {
	return &InputError{Op: op, Field: field, Value: strconv.Quote(path), Rule: rule}
}

// writebackChunk is how many bytes DownloadFile writes to its temporary
// file between two requests to the system to start writing them to disk.
// A variable for the tests.
var writebackChunk int64 = 8 << 20

// startWriteback asks the system to start writing n bytes of f at off to
// disk, without waiting for it (Linux: sync_file_range with
// SYNC_FILE_RANGE_WRITE; elsewhere nothing). A variable for the tests.
var startWriteback = startWritebackOS

// writebackFile is DownloadFile's temporary file as the download is copied
// into it: after every writebackChunk bytes it asks the system to start
// writing the range just written back to disk (startWriteback), so that
// the data reach the disk while the rest is downloaded and the final fsync,
// which alone makes them durable, finds little left to write. A failed
// request is not an error of the download (it is advice; the final fsync
// reports what cannot be written): writebackFile stops asking and writes
// on.
type writebackFile struct {
	f     *os.File
	off   int64 // bytes written
	asked int64 // bytes handed to startWriteback
	start func(f *os.File, off, n int64) error
	chunk int64
}

func newWritebackFile(f *os.File) *writebackFile {
	return &writebackFile{f: f, start: startWriteback, chunk: writebackChunk}
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.start != nil && w.off-w.asked >= w.chunk {
		if w.start(w.f, w.asked, w.off-w.asked) != nil {
			w.start = nil
		}
		w.asked = w.off
	}
	return n, err
}
