package main

import (
	"context"
	"io"
)

// interruptibleReader reads r until ctx ends. A read blocked on a terminal (a
// prompt waiting for an answer, numbers typed by hand) or on a quiet pipe
// then returns ctx's error at once, so that one Ctrl-C stops hlrbatch instead
// of waiting for a line that may never come. The abandoned read finishes in
// the background; its bytes are dropped, as the command is ending.
type interruptibleReader struct {
	ctx context.Context
	r   io.Reader
	buf []byte // reused while no read is abandoned
}

// interruptible returns standard input as an interruptibleReader.
func (a *app) interruptible(ctx context.Context) io.Reader {
	return &interruptibleReader{ctx: ctx, r: a.stdin}
}

// readResult is what one background read returned.
type readResult struct {
	n   int
	err error
}

func (ir *interruptibleReader) Read(p []byte) (int, error) {
	if err := ir.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if cap(ir.buf) < len(p) {
		ir.buf = make([]byte, len(p))
	}
	buf := ir.buf[:len(p)]
	done := make(chan readResult, 1)
	go func() {
		n, err := ir.r.Read(buf)
		done <- readResult{n, err}
	}()
	select {
	case res := <-done:
		return copy(p, buf[:res.n]), res.err
	case <-ir.ctx.Done():
		ir.buf = nil // the abandoned read still owns buf
		return 0, ir.ctx.Err()
	}
}
