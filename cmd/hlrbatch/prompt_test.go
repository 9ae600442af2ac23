package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// finishes runs f in a goroutine and fails the test if it has not returned
// within a generous bound (a guard against a hang, never a wait for success).
func finishes(t *testing.T, unblock func(), f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		unblock()
		<-done
		t.Fatal("still blocked 10 s after the interrupt")
	}
}

// TestDeletePromptInterrupt presses Ctrl-C once at the confirmation prompt:
// hlrbatch must stop at once (exit 130, a message), not wait for a line.
func TestDeletePromptInterrupt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.loaded(t, nil, sampleNumbers...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe() // a terminal nobody types on
	defer pw.Close()
	stderr := &cancelOnWrite{trigger: "[y/N] ", cancel: cancel}
	var stdout bytes.Buffer
	a := &app{stdin: pr, stdout: &stdout, stderr: stderr, getenv: f.env(), stdinTTY: true}
	var code int
	finishes(t, func() { pw.Close() }, func() { code = a.main(ctx, []string{"delete", id}) })
	got := stderr.buf.String()
	if code != exitInterrupted || !strings.HasSuffix(got, "interrupted; batch 1001 was not deleted\n") {
		t.Errorf("exit %d, stderr %q; want 130 and a message", code, got)
	}
	if _, ok := f.srv.Batch(id); !ok {
		t.Error("the batch was deleted")
	}
}

// blockingReader is standard input that never answers: its first Read
// cancels ctx (the user presses Ctrl-C while hlrbatch waits for input), then
// blocks until release is closed.
type blockingReader struct {
	cancel  context.CancelFunc
	once    sync.Once
	release chan struct{}
}

func (r *blockingReader) Read([]byte) (int, error) {
	r.once.Do(r.cancel)
	<-r.release
	return 0, io.EOF
}

// TestStdinReadInterrupt: the sibling of the prompt, numbers read from a
// standard input that stays silent (typed by hand, a stalled pipe): one
// Ctrl-C ends the command.
func TestStdinReadInterrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(f *fake, t *testing.T) []string
		want string
	}{
		{"upload", func(f *fake, t *testing.T) []string { return []string{"upload", f.loaded(t, nil), "-"} }, "interrupted\n"},
		{"run", func(*fake, *testing.T) []string { return []string{"run", "-"} },
			"interrupted during the upload; batch 1001 was created but not started. Check it with: hlrbatch get 1001\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			args := tc.args(f, t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in := &blockingReader{cancel: cancel, release: make(chan struct{})}
			release := sync.OnceFunc(func() { close(in.release) })
			defer release()
			var stdout, stderr bytes.Buffer
			var code int
			finishes(t, release, func() {
				code = run(ctx, args, in, &stdout, &stderr, f.env())
			})
			if code != exitInterrupted || !strings.HasSuffix(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 130 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}

// TestNotATerminal: /dev/null is a character device but no terminal, so
// delete must not ask there but want --yes, and progress must not redraw.
func TestNotATerminal(t *testing.T) {
	t.Parallel()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if isTerminal(devNull) {
		t.Errorf("isTerminal(%s) = true", os.DevNull)
	}
	if isTerminal(os.NewFile(^uintptr(0), "closed")) || isTerminal((*os.File)(nil)) || isTerminal(&bytes.Buffer{}) {
		t.Error("isTerminal is true for something that is no file")
	}
	f := newFake(t)
	id := f.loaded(t, nil, sampleNumbers...)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"delete", id}, devNull, &stdout, &stderr, f.env())
	want := "standard input is not a terminal, so hlrbatch cannot ask: add --yes to delete batch 1001"
	if code != exitUsage || !strings.Contains(stderr.String(), want) {
		t.Errorf("delete with stdin %s: exit %d, stderr %q; want 2 and %q", os.DevNull, code, stderr.String(), want)
	}
	if _, ok := f.srv.Batch(id); !ok {
		t.Error("the batch was deleted")
	}
}

// TestExitGuard: the exit of a second Ctrl-C runs the registered cleanups,
// waits for work that cleans up after itself, and gives up after the grace.
func TestExitGuard(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := &exitGuard{holds: map[int]*exitHold{}}
		if got := g.cleanUp(time.Second); got != nothingToClean {
			t.Errorf("cleanUp with no work = %v", got)
		}
		removed := false
		releaseSpool := g.hold(func() { removed = true })
		releaseDownload := g.hold(nil)
		go func() {
			time.Sleep(2 * time.Second) // the download's own cleanup takes a while
			releaseDownload()
		}()
		start := time.Now()
		if got := g.cleanUp(5 * time.Second); got != cleanedUp {
			t.Errorf("cleanUp = %v, want cleanedUp", got)
		}
		if d := time.Since(start); d != 2*time.Second || !removed {
			t.Errorf("cleanUp returned after %v, spool removed %v; want 2s and true", d, removed)
		}
		releaseSpool()
		releaseSpool() // twice is harmless

		stuck := g.hold(nil)
		defer stuck()
		start = time.Now()
		if got := g.cleanUp(5 * time.Second); got != gaveUp {
			t.Errorf("cleanUp with stuck work = %v, want gaveUp", got)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("cleanUp with stuck work returned after %v, want the 5s grace", d)
		}
	})
}

// TestFlagErrorsDoubleDash: every flag error names the flag as users type
// it, with two dashes.
func TestFlagErrorsDoubleDash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"upload", "1001", "f.csv", "--column"}, "hlrbatch upload: flag needs an argument: --column\n"},
		{[]string{"upload", "1001", "f.csv", "-column"}, "hlrbatch upload: flag needs an argument: --column\n"},
		{[]string{"list", "--offset", "x"}, `hlrbatch list: invalid value "x" for flag --offset: parse error` + "\n"},
		{[]string{"list", "--offset=-x"}, `hlrbatch list: invalid value "-x" for flag --offset: parse error` + "\n"},
		{[]string{"delete", "1001", "--yes=maybe"}, `hlrbatch delete: invalid boolean value "maybe" for --yes: parse error` + "\n"},
		{[]string{"wait", "1001", "--poll-interval", "soon"}, `hlrbatch wait: invalid value "soon" for flag --poll-interval: parse error` + "\n"},
		{[]string{"list", "--nope"}, "hlrbatch list: flag provided but not defined: --nope\n"},
		{[]string{"list", "-nope"}, "hlrbatch list: flag provided but not defined: --nope\n"},
		// The value is quoted as typed, even when it looks like a flag error.
		{[]string{"list", "--offset=for -x"}, `hlrbatch list: invalid value "for -x" for flag --offset: parse error` + "\n"},
		{[]string{"list", `--offset=\" for flag -q`}, `hlrbatch list: invalid value "\\\" for flag -q" for flag --offset: parse error` + "\n"},
		{[]string{"delete", "1001", "--yes=for -z"}, `hlrbatch delete: invalid boolean value "for -z" for --yes: parse error` + "\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
		if code != exitUsage || !strings.HasPrefix(stderr.String(), tc.want) {
			t.Errorf("hlrbatch %q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestRunOutCheckedFirst: an --out that DownloadFile would refuse after the
// batch ran (and cost credits) is refused before anything is created.
func TestRunOutCheckedFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	numbers := filepath.Join("testdata", "cli", "numbers.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", numbers, "--column", "B", "--out", link}, "is a symbolic link"},
		{[]string{"run", numbers, "--column", "B", "--out", dir}, "is a directory"},
		{[]string{"run", numbers, "--column", "B", "--out", filepath.Join(dir, "no", "r.csv")}, "does not exist"},
		{[]string{"demo", "--out", link}, "is a symbolic link"},
	} {
		f := newFake(t)
		r := runCLI(f.env(), "", tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("hlrbatch %q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if reqs := f.srv.Requests(); len(reqs) != 0 {
			t.Errorf("hlrbatch %q: %d requests, want none", tc.args, len(reqs))
		}
	}
	if got, _ := os.ReadFile(real); string(got) != "keep" {
		t.Errorf("the link's target holds %q", got)
	}
}
