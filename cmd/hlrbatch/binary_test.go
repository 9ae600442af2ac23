package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// built is the binary, built once for all the tests that run it.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds hlrbatch into a temporary directory, once.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "hlrbatch-test-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "hlrbatch")
		if runtime.GOOS == "windows" {
			built.bin += ".exe"
		}
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// command returns an exec.Cmd for the binary with the fake's credentials in
// its environment and no other HLRLOOKUP_ variables.
func (f *fake) command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HLRLOOKUP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		envAPIKey+"="+hlrlookuptest.APIKey, envSecret+"="+hlrlookuptest.Secret, envBaseURL+"="+f.srv.URL)
	return cmd
}

// TestBinary runs the built binary: exit codes, standard input and Ctrl-C.
func TestBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	t.Run("exit codes", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		id := f.loaded(t, nil, sampleNumbers...)
		for _, tc := range []struct {
			args []string
			code int
			want string // on stdout or stderr
		}{
			{[]string{"list"}, 0, "1001  READY"},
			{[]string{"get", id, "--json"}, 0, `"status": "READY"`},
			{[]string{"get", "4242"}, 1, "hlrbatch: hlrlookup: get batch: GET /batches/4242: 404"},
			{[]string{"get"}, 2, "missing arguments"},
			{[]string{"list", "--nope"}, 2, "not defined: --nope"},
			{[]string{"nope"}, 2, `unknown command "nope"`},
			{[]string{}, 2, "Usage:"},
			{[]string{"--help"}, 0, "Usage:"},
		} {
			var stdout, stderr bytes.Buffer
			cmd := f.command(context.Background(), bin, tc.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("hlrbatch %q: exit %d, want %d\nstderr: %s", tc.args, got, tc.code, stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.want) {
				t.Errorf("hlrbatch %q: output lacks %q:\n%s", tc.args, tc.want, out)
			}
		}
	})

	t.Run("stdin", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		cmd := f.command(context.Background(), bin, "run", "-", "--poll-interval", "1ms", "--json")
		cmd.Stdin = strings.NewReader(strings.Join(sampleNumbers, "\n") + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v\nstderr: %s", err, stderr.String())
		}
		if !strings.Contains(string(out), `"rows": 5`) || !strings.Contains(stderr.String(), "Uploaded 5 numbers from standard input in the request body") {
			t.Errorf("stdout %s\nstderr %s", out, stderr.String())
		}
		if got := f.srv.Numbers("1001"); strings.Join(got, " ") != strings.Join(sampleNumbers, " ") {
			t.Errorf("stored numbers %q", got)
		}
	})

	t.Run("interrupt during wait", func(t *testing.T) {
		t.Parallel()
		if runtime.GOOS == "windows" {
			t.Skip("no SIGINT on Windows")
		}
		f := newFake(t, hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(1)))
		numbers := make([]string, 500)
		for i := range numbers {
			numbers[i] = "+447700900001"
		}
		id := f.started(t, numbers...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := f.command(ctx, bin, "wait", id, "--poll-interval", "20ms")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		progressLine := regexp.MustCompile(`^batch ` + id + `: \d+/500 `)
		sc := bufio.NewScanner(stderr)
		var seen []string
		for sc.Scan() {
			seen = append(seen, sc.Text())
			if progressLine.MatchString(sc.Text()) {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() {
			seen = append(seen, sc.Text())
		}
		err = cmd.Wait()
		all := strings.Join(seen, "\n")
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("exit %d (%v), want 130\nstderr:\n%s", code, err, all)
		}
		want := "interrupted; the batch keeps running. Resume waiting with: hlrbatch wait " + id
		if !strings.HasSuffix(all, want) {
			t.Errorf("stderr does not end with %q:\n%s", want, all)
		}
		if stdout.Len() != 0 {
			t.Errorf("stdout %q", stdout.String())
		}
		b, ok := f.srv.Batch(id)
		if !ok || b.Status != hlrlookuptest.StatusProcessing || b.NumComplete >= b.NumItems {
			t.Errorf("batch after the interrupt: %+v, exists %v", b, ok)
		}
		for _, r := range f.srv.Requests() {
			if r.Method != "GET" && r.Method != "POST" && r.Method != "PUT" {
				t.Errorf("unexpected request %s", r)
			}
		}
	})
}
