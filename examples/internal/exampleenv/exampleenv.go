// Package exampleenv is the setup shared by the example programs: it gives
// them a client for the real service when HLRLOOKUP_API_KEY and
// HLRLOOKUP_SECRET are set, and otherwise starts the built-in fake service of
// package hlrlookuptest and points the client at it.
package exampleenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// FakeNotice is the first line an example prints when it uses the fake.
const FakeNotice = "Using the built-in fake service (set HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET to use the real one)."

// Env is what an example runs against.
type Env struct {
	// Client talks to the real service or to Fake.
	Client *hlrlookup.Client
	// Fake is the built-in fake service, or nil when Client talks to the
	// real one.
	Fake *hlrlookuptest.Server

	clock *clock // the fake's clock; nil for the real service
}

// Run sets up the environment, prints on the first line which service is
// used, calls run, and exits: 0 on success, 1 after printing the error.
// fakeOpts configure the fake service (processing speed, …); a clock that
// only Sleep moves is set before them.
func Run(run func(ctx context.Context, env *Env) error, fakeOpts ...hlrlookuptest.ServerOption) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	env, err := setup(fakeOpts)
	if err == nil {
		err = run(ctx, env)
		env.close()
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// setup builds the client and prints the first line.
func setup(fakeOpts []hlrlookuptest.ServerOption) (*Env, error) {
	key, secret := os.Getenv("HLRLOOKUP_API_KEY"), os.Getenv("HLRLOOKUP_SECRET")
	switch {
	case key != "" && secret != "":
		client, err := hlrlookup.NewClient(key, secret)
		if err != nil {
			return nil, err
		}
		fmt.Printf("Using the real service at %s with API key %s.\n", client.BaseURL(), client.APIKey())
		return &Env{Client: client}, nil
	case key != "" || secret != "":
		return nil, errors.New("set both HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET, or neither to use the built-in fake service")
	}
	fmt.Println(FakeNotice)
	// The fake's clock stands still unless Sleep moves it, so that what the
	// examples print does not depend on the time of day or the machine's speed.
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	srv := hlrlookuptest.NewServer(append([]hlrlookuptest.ServerOption{hlrlookuptest.WithClock(c.Now)}, fakeOpts...)...)
	return &Env{Client: srv.Client(), Fake: srv, clock: c}, nil
}

// close stops the fake service, if any.
func (e *Env) close() {
	if e.Fake != nil {
		e.Fake.Close()
	}
}

// UsingFake reports whether the example talks to the built-in fake service.
func (e *Env) UsingFake() bool { return e.Fake != nil }

// WaitOptions returns the options for WaitForBatch: a short poll interval
// against the fake, so that the examples finish at once, and the SDK's
// defaults against the real service. onProgress may be nil.
func (e *Env) WaitOptions(onProgress func(*hlrlookup.Batch)) *hlrlookup.WaitOptions {
	opts := &hlrlookup.WaitOptions{OnProgress: onProgress}
	if e.UsingFake() {
		opts.PollInterval = e.PollInterval()
		opts.MaxPollInterval = e.PollInterval()
	}
	return opts
}

// PollInterval is how long an example waits between two looks at a batch
// when it polls by itself: 10ms against the fake, the SDK's
// DefaultPollInterval against the real service.
func (e *Env) PollInterval() time.Duration {
	if e.UsingFake() {
		return 10 * time.Millisecond
	}
	return hlrlookup.DefaultPollInterval
}

// Now is the service's time: the fake's clock, or the real time.
func (e *Env) Now() time.Time {
	if e.clock != nil {
		return e.clock.Now()
	}
	return time.Now()
}

// Sleep lets d pass on the service's clock: against the fake it moves the
// fake's clock forward at once; against the real service it sleeps, or
// returns early with ctx's error.
func (e *Env) Sleep(ctx context.Context, d time.Duration) error {
	if e.clock != nil {
		e.clock.advance(d)
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Testdata finds the sample input testdata/name in the working directory or
// one of its parents, so that an example runs from the repository root
// (go run ./examples/quickstart) as well as from its own directory. It
// returns the path relative to the working directory.
func Testdata(name string) (string, error) {
	rel := filepath.Join("testdata", name)
	for range 4 {
		if st, err := os.Stat(rel); err == nil && st.Mode().IsRegular() {
			return rel, nil
		}
		rel = filepath.Join("..", rel)
	}
	return "", fmt.Errorf("cannot find testdata/%s: run the example from the repository root", name)
}

// clock is a clock that only advance moves; it is safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
