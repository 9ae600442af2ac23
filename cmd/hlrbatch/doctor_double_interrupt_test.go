//go:build unix

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// TestBinaryDoctorDoubleInterrupt runs the built binary's doctor against a
// fake whose results download and DELETE stall until the client goes away:
// the first Ctrl-C (during the download) makes the doctor delete its batch;
// the second (during the deletion) exits 130 at once, saying which batch is
// left and the command that deletes it. Each Ctrl-C is pressed when the
// fake has the request in hand: no sleeps.
func TestBinaryDoctorDoubleInterrupt(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	f := newFake(t, hlrlookuptest.WithProcessing(hlrlookuptest.Instant()))
	resultsArrived, deleteArrived := make(chan struct{}, 1), make(chan struct{}, 1)
	stall := func(w http.ResponseWriter, r *http.Request, arrived chan struct{}) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/results"):
			stall(w, r, resultsArrived)
		case r.Method == http.MethodDelete:
			stall(w, r, deleteArrived)
		default:
			f.srv.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := f.command(ctx, bin, "doctor", "--yes", "--poll-interval", "1ms")
	cmd.Env = append(cmd.Env, envBaseURL+"="+srv.URL, envLookupURL+"="+srv.URL+"/apiv2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	<-resultsArrived
	_ = cmd.Process.Signal(syscall.SIGINT)
	<-deleteArrived
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	want := "is left on the service; delete it with: hlrbatch delete 1001\n"
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted ||
		!strings.Contains(stderr.String(), "Interrupted: deleting batch 1001") ||
		!strings.Contains(stderr.String(), "hlrbatch: interrupted again; batch 1001 (hlrbatch-doctor-") ||
		!strings.HasSuffix(stderr.String(), want) {
		t.Errorf("exit %d, stderr:\n%s\nwant 130 and %q", code, stderr.String(), want)
	}
	if _, ok := f.srv.Batch("1001"); !ok {
		t.Error("batch 1001 is gone; the message says it is left")
	}
}
