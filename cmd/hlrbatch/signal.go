package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// exitInterrupted is the exit code of a command stopped by Ctrl-C (128+SIGINT).
const exitInterrupted = 130

// cleanupGrace bounds how long a second Ctrl-C waits for temporary files to
// be removed before hlrbatch exits anyway.
const cleanupGrace = 5 * time.Second

// interruptContext returns a context that ends at the first SIGINT or SIGTERM,
// so that a command can stop cleanly and say how to carry on. A second signal
// exits without waiting for the command, but never before the temporary
// files registered with exitGuard are removed (within cleanupGrace): a quick
// double Ctrl-C must not leave a partial results file or spooled numbers
// behind. stop releases the signals.
func interruptContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-signals:
			cancel()
		case <-done:
			return
		}
		select {
		case <-signals:
			switch guard.cleanUp(cleanupGrace) {
			case cleanedUp:
				fmt.Fprintln(os.Stderr, "\nhlrbatch: interrupted again; temporary files removed")
			case gaveUp:
				fmt.Fprintf(os.Stderr, "\nhlrbatch: interrupted again; gave up waiting %v for temporary files to be removed\n", cleanupGrace)
			}
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}

// guard is the process's exitGuard.
var guard = &exitGuard{holds: map[int]*exitHold{}}

// exitGuard tracks work that leaves a temporary file behind if the process
// exits in its middle, so that the exit of a second Ctrl-C can clean up first.
type exitGuard struct {
	mu    sync.Mutex
	next  int
	holds map[int]*exitHold
}

// exitHold is one piece of guarded work.
type exitHold struct {
	cleanup func()        // removes the work's temporary files; nil: wait for done
	done    chan struct{} // closed by release
}

// hold registers work in progress until release is called. If cleanup is
// nil, an early exit waits (within its grace) for release, as the work
// cleans up after itself once its context ends (DownloadFile); otherwise the
// early exit runs cleanup itself.
func (g *exitGuard) hold(cleanup func()) (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := g.next
	g.next++
	h := &exitHold{cleanup: cleanup, done: make(chan struct{})}
	g.holds[id] = h
	return sync.OnceFunc(func() {
		g.mu.Lock()
		delete(g.holds, id)
		g.mu.Unlock()
		close(h.done)
	})
}

// cleanupResult says how cleanUp went.
type cleanupResult int

const (
	nothingToClean cleanupResult = iota // no work in progress
	cleanedUp                           // all of it cleaned up
	gaveUp                              // some work did not finish within the grace
)

// cleanUp runs the cleanups of the work in progress and waits, up to grace
// in all, for the work that cleans up after itself to finish.
func (g *exitGuard) cleanUp(grace time.Duration) cleanupResult {
	g.mu.Lock()
	holds := make([]*exitHold, 0, len(g.holds))
	for _, h := range g.holds {
		holds = append(holds, h)
	}
	g.mu.Unlock()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for _, h := range holds {
		if h.cleanup != nil {
			h.cleanup()
			continue
		}
		select {
		case <-h.done:
		case <-deadline.C:
			return gaveUp
		}
	}
	if len(holds) == 0 {
		return nothingToClean
	}
	return cleanedUp
}
