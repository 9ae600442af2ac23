package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// exitInterrupted is the exit code of a command stopped by Ctrl-C (128+SIGINT).
const exitInterrupted = 130

// interruptContext returns a context that ends at the first SIGINT or SIGTERM,
// so that a command can stop cleanly and say how to carry on. A second signal
// exits at once. stop releases the signals.
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
