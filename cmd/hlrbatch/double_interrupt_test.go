//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// slowResults serves the fake, except that a results download sends its
// headers and a first part of the body, says so on arrived, then stalls
// until the client goes away: a slow server in the middle of a download.
func slowResults(t *testing.T, f *fake) (url string, arrived <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/results") {
			f.srv.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Length", "1000000")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "telephone_number,live_status\n+447700900001,LIVE\n")
		w.(http.Flusher).Flush()
		ch <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// TestBinaryDoubleInterrupt presses Ctrl-C twice in quick succession while
// the built binary saves results with --out (download and run), over and
// over: exit 130, and never a partial file left beside the target.
func TestBinaryDoubleInterrupt(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	f := newFake(t, hlrlookuptest.WithProcessing(hlrlookuptest.Instant()))
	id := f.complete(t, sampleNumbers...)
	url, arrived := slowResults(t, f)
	const runs = 20
	for i := range runs {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.csv")
		args := []string{"download", id, "--out", out}
		var stdin string
		if i%2 == 1 {
			args = []string{"run", "-", "--poll-interval", "1ms", "--out", out}
			stdin = strings.Join(sampleNumbers, "\n")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := f.command(ctx, bin, args...)
		cmd.Env = append(cmd.Env, envBaseURL+"="+url)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		<-arrived
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
		cancel()
		code := cmd.ProcessState.ExitCode()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if code != exitInterrupted || len(entries) != 0 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("run %d (%s): exit %d, left %q\nstderr: %s", i, args[0], code, names, stderr.String())
		}
	}
}
