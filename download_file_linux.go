package hlrlookup

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWritebackOS asks Linux to start writing n bytes of f at off to disk
// (sync_file_range with SYNC_FILE_RANGE_WRITE: it queues the writeback of
// the range's dirty pages and returns; it makes nothing durable).
func startWritebackOS(f *os.File, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if cerr := rc.Control(func(fd uintptr) {
		err = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	}); cerr != nil {
		return cerr
	}
	return err
}
