//go:build linux || darwin

package hlrlookup_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// TestDownloadFileDevice: a device at the target is refused before any
// request, not replaced by a regular file. The device is made in a
// temporary directory (which needs root): never aim a test at /dev/null.
func TestDownloadFileDevice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o600, 0); err != nil {
		t.Skipf("cannot make a device here: %v", err)
	}
	mt := ioNewMock(t) // no responder: a request would fail, never write
	c := ioClient(t, mt, 0)
	_, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "is a device; DownloadFile writes only a regular file") {
		t.Errorf("error %v, want one naming %s as a device", err, path)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d HTTP calls, want 0", n)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeDevice == 0 {
		t.Errorf("%s is no longer a device: %v %v", path, fi, err)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q", names)
	}
}
