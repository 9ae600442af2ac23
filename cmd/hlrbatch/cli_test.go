package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/cli")

// fixedNow is the fake service's clock in the golden tests.
var fixedNow = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// fake is a fake service for one test, with helpers to prepare batches.
type fake struct {
	srv    *hlrlookuptest.Server
	client *hlrlookup.Client
	dir    string // a temporary directory for files
}

// newFake starts a fake service with a fixed clock; by default a started
// batch completes 2 numbers per poll.
func newFake(t *testing.T, opts ...hlrlookuptest.ServerOption) *fake {
	t.Helper()
	all := append([]hlrlookuptest.ServerOption{
		hlrlookuptest.WithClock(func() time.Time { return fixedNow }),
		hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(2)),
	}, opts...)
	srv := hlrlookuptest.NewServer(all...)
	t.Cleanup(srv.Close)
	return &fake{srv: srv, client: srv.Client(), dir: t.TempDir()}
}

// env is the environment hlrbatch sees: the fake's credentials and address.
func (f *fake) env(extra ...string) func(string) string {
	m := map[string]string{
		envAPIKey:    hlrlookuptest.APIKey,
		envSecret:    hlrlookuptest.Secret,
		envBaseURL:   f.srv.URL,
		envLookupURL: f.srv.LookupURL(),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return func(k string) string { return m[k] }
}

// loaded creates a batch holding numbers and returns its ID.
func (f *fake) loaded(t *testing.T, args *hlrlookup.BatchArguments, numbers ...string) string {
	t.Helper()
	ctx := context.Background()
	b, err := f.client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "fixture.csv", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if len(numbers) > 0 {
		if err := f.client.UploadNumbers(ctx, b.ID, numbers); err != nil {
			t.Fatal(err)
		}
	}
	return string(b.ID)
}

// started is loaded, then started.
func (f *fake) started(t *testing.T, numbers ...string) string {
	t.Helper()
	id := f.loaded(t, nil, numbers...)
	if err := f.client.StartBatch(context.Background(), hlrlookup.BatchID(id)); err != nil {
		t.Fatal(err)
	}
	return id
}

// complete is started, then polled until complete.
func (f *fake) complete(t *testing.T, numbers ...string) string {
	t.Helper()
	id := f.started(t, numbers...)
	_, err := f.client.WaitForBatch(context.Background(), hlrlookup.BatchID(id),
		&hlrlookup.WaitOptions{PollInterval: time.Millisecond, MaxPollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sampleNumbers are the numbers of the fixtures.
var sampleNumbers = []string{"+447700900001", "+14155550100", "+4915112345678", "+33612345678", "12345"}

// cliResult is what one hlrbatch invocation did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs hlrbatch in-process.
func runCLI(getenv func(string) string, stdin string, args ...string) cliResult {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// normalize replaces what differs between runs: the fake's address and
// temporary directories.
func (f *fake) normalize(s string) string {
	s = strings.ReplaceAll(s, f.srv.URL, "http://FAKE")
	s = strings.ReplaceAll(s, f.dir, "$TMP")
	return s
}

// checkGolden compares an invocation with testdata/cli/NAME.golden, or
// rewrites the file with -update.
func checkGolden(t *testing.T, name string, args []string, stdin string, r cliResult, normalize func(string) string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "$ hlrbatch %s\n", strings.Join(args, " "))
	if stdin != "" {
		fmt.Fprintf(&b, "(stdin: %d lines)\n", strings.Count(stdin, "\n"))
	}
	fmt.Fprintf(&b, "exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
	got := normalize(b.String())
	path := filepath.Join("testdata", "cli", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
