package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestLookupStdinInterrupt checks that one Ctrl-C stops 'hlrbatch lookup -'
// while it waits for more numbers on standard input: exit 130 at once,
// nothing looked up.
func TestLookupStdinInterrupt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	stdin, typing := io.Pipe()
	defer typing.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"lookup", "-"}, stdin, &stdout, &stderr, f.env()) }()
	// The write returns once hlrbatch has read the line; it then waits for
	// the next one, which never comes.
	if _, err := io.WriteString(typing, "+447700900001\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code := <-done; code != exitInterrupted || !strings.HasPrefix(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want exit 130 and an interrupted message", code, stderr.String())
	}
	if n := f.srv.Charges("+447700900001"); n != 0 {
		t.Errorf("charged %d times for a number read before Ctrl-C", n)
	}
}
