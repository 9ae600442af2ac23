package hlrlookup

import (
	"bytes"
	"sync"
)

// This file gives the external test package (hlrlookup_test) what it
// shares with the internal tests; it is compiled only into tests.

// DecodeLookupResults is decodeLookupResults, for BenchmarkLookupDecode.
var DecodeLookupResults = decodeLookupResults

// LogSink is a concurrency-safe log sink for the tests' loggers.
type LogSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *LogSink) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *LogSink) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
