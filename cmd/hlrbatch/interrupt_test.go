package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// cancelOnWrite is standard error that cancels a context (like Ctrl-C) once
// the output holds trigger.
type cancelOnWrite struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	cancel  context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.trigger) {
		w.cancel()
	}
	return n, err
}

// TestInterrupt cancels commands the way Ctrl-C does, once they show
// progress: exit 130, a message saying how to carry on, nothing deleted.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	numbers := make([]string, 300)
	for i := range numbers {
		numbers[i] = "+447700900001"
	}
	tests := []struct {
		name    string
		args    func(f *fake, t *testing.T) []string
		stdin   string
		trigger string
		want    string
	}{
		{name: "run", stdin: strings.Join(numbers, "\n"), trigger: "batch 1001: ",
			args: func(*fake, *testing.T) []string { return []string{"run", "-", "--poll-interval", "2ms"} },
			want: "interrupted; the batch keeps running. Resume waiting with: hlrbatch wait 1001\n"},
		{name: "wait", trigger: "batch 1001: ",
			args: func(f *fake, t *testing.T) []string {
				return []string{"wait", f.started(t, numbers...), "--poll-interval", "2ms"}
			},
			want: "interrupted; the batch keeps running. Resume waiting with: hlrbatch wait 1001\n"},
		{name: "demo", trigger: "batch 1001: ",
			args: func(*fake, *testing.T) []string { return []string{"demo", "--poll-interval", "2ms"} },
			want: "interrupted; the demo's fake service stopped with it\n"},
		{name: "run file", trigger: "Waiting for batch",
			args: func(*fake, *testing.T) []string {
				return []string{"run", filepath.Join("testdata", "cli", "numbers.csv"), "--column", "B", "--poll-interval", "1h"}
			},
			want: "interrupted; the batch keeps running. Resume waiting with: hlrbatch wait 1001\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(1)))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr := &cancelOnWrite{trigger: tc.trigger, cancel: cancel}
			var stdout bytes.Buffer
			code := run(ctx, tc.args(f, t), strings.NewReader(tc.stdin), &stdout, stderr, f.env())
			got := stderr.buf.String()
			if code != exitInterrupted || !strings.HasSuffix(got, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 130 and a last line %q", code, got, tc.want)
			}
			if tc.name == "demo" {
				return // its notice is on stdout; its fake service is its own
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q", stdout.String())
			}
			b, ok := f.srv.Batch("1001")
			if !ok || b.Status != hlrlookuptest.StatusProcessing {
				t.Errorf("batch 1001 after the interrupt: %+v, exists %v", b, ok)
			}
		})
	}
}
