package hlrlookup

import "os"

// SetWriteback replaces DownloadFile's write-back request and its chunk
// size, for a test that does not run in parallel (it changes them for the
// whole package); restore puts them back.
func SetWriteback(chunk int64, start func(f *os.File, off, n int64) error) (restore func()) {
	oldChunk, oldStart := writebackChunk, startWriteback
	writebackChunk, startWriteback = chunk, start
	return func() { writebackChunk, startWriteback = oldChunk, oldStart }
}

// StartWritebackOS is the system's write-back request.
var StartWritebackOS = startWritebackOS
