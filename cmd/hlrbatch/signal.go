package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
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
// behind; nor without printing the notes registered with exitGuard.holdNote
// (what is left on the service and how to remove it). stop releases the
// signals.
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
			for _, note := range guard.notes() {
				fmt.Fprintf(os.Stderr, "\nhlrbatch: interrupted again; %s\n", note)
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
	note    string        // a note: printed at the early exit, neither waited for nor cleaned up
}

// hold registers work in progress until release is called. If cleanup is
// nil, an early exit waits (within its grace) for release, as the work
// cleans up after itself once its context ends (DownloadFile); otherwise the
// early exit runs cleanup itself.
func (g *exitGuard) hold(cleanup func()) (release func()) {
	return g.register(&exitHold{cleanup: cleanup, done: make(chan struct{})})
}

// holdNote registers, until release is called, a note the exit of a second
// Ctrl-C prints: what the interrupted work leaves behind that the process
// cannot remove in time (the doctor's batch on the service) and the command
// that removes it. The exit neither waits for the work nor cleans it up.
func (g *exitGuard) holdNote(note string) (release func()) {
	return g.register(&exitHold{note: note, done: make(chan struct{})})
}

// register adds h to the work in progress until the returned release is
// called (once; later calls do nothing), which also closes h.done.
func (g *exitGuard) register(h *exitHold) (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := g.next
	g.next++
	g.holds[id] = h
	return sync.OnceFunc(func() {
		g.mu.Lock()
		delete(g.holds, id)
		g.mu.Unlock()
		close(h.done)
	})
}

// notes returns the notes of the work in progress, in the order they were
// registered.
func (g *exitGuard) notes() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]int, 0, len(g.holds))
	for id, h := range g.holds {
		if h.note != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	notes := make([]string, len(ids))
	for i, id := range ids {
		notes[i] = g.holds[id].note
	}
	return notes
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
		if h.note == "" {
			holds = append(holds, h)
		}
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
