//go:build unix

package hlrlookup_test

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/seed682fd871/hlrlookup"
)

// TestDownloadFileUmask sets the process's umask, so it does not run in
// parallel: a new results file follows the umask (never a fixed 0644), and
// a replaced file keeps its own bits whatever the umask.
func TestDownloadFileUmask(t *testing.T) {
	tests := []struct {
		name     string
		umask    int
		existing fs.FileMode // 0: no file yet
		want     fs.FileMode
	}{
		{"new file, umask 077", 0o077, 0, 0o600},
		{"new file, umask 027", 0o027, 0, 0o640},
		{"new file, umask 022", 0o022, 0, 0o644},
		{"existing 0600, umask 022", 0o022, 0o600, 0o600},
		{"existing 0604, umask 077", 0o077, 0o604, 0o604},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := syscall.Umask(tt.umask)
			defer syscall.Umask(old)
			path := filepath.Join(t.TempDir(), "results.csv")
			if tt.existing != 0 {
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			mt := ioNewMock(t)
			mt.RegisterResponder(http.MethodGet, ioResultsURL, httpmock.NewStringResponder(http.StatusOK, "a,b\n1,2\n"))
			c := ioClient(t, mt, 0)
			if _, err := c.DownloadFile(t.Context(), "42", hlrlookup.FormatCSV, path); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode(); got != tt.want {
				t.Errorf("mode %v, want %v", got, tt.want)
			}
		})
	}
}
