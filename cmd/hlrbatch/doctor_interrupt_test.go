package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// ctrlCAt is the fake's transport, except that the first request of step
// presses Ctrl-C (cancels the run's context) before it is sent.
type ctrlCAt struct {
	base   http.RoundTripper
	step   string
	cancel context.CancelFunc
	once   sync.Once
}

func (c *ctrlCAt) RoundTrip(req *http.Request) (*http.Response, error) {
	if p, _ := req.Context().Value(probeKey{}).(probe); p.step == c.step {
		c.once.Do(c.cancel)
	}
	return c.base.RoundTrip(req)
}

// TestDoctorInterrupt presses Ctrl-C once at each stage of the doctor's
// run, as its request goes out: the run stops, the batch is deleted (with a
// context of its own), the report covers what was checked, exit 130.
func TestDoctorInterrupt(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"get-created", "upload", "wait", "results-json", "delete", "lookup-mnp"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			dir := filepath.Join(t.TempDir(), "record")
			r := runDoctor(ctx, f, &ctrlCAt{base: f.srv.Transport(), step: step, cancel: cancel}, f.env(), "",
				"--yes", "--poll-interval", "1ms", "--record", dir)
			want := "interrupted; the report covers the steps before it; batch 1003 was deleted\n"
			if r.code != exitInterrupted || !strings.HasSuffix(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 130 and a last line %q", r.code, r.stderr, want)
			}
			deleting := strings.Contains(r.stderr, "Interrupted: deleting batch 1003 (Ctrl-C again leaves it)\n")
			if deleting != (step != "lookup-mnp") {
				t.Errorf("deleting after the interrupt: %v\nstderr: %s", deleting, r.stderr)
			}
			if _, ok := f.srv.Batch(doctorBatchID); ok {
				t.Error("the doctor's batch is still there")
			}
			if !strings.Contains(r.stdout, "not observed") || !strings.Contains(r.stdout, "interrupted") {
				t.Errorf("the report does not say what was not observed:\n%s", r.stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
				t.Errorf("no record: %v", err)
			}
			// Nothing but the deletion went out after the Ctrl-C.
			reqs := f.srv.Requests()
			if last := reqs[len(reqs)-1]; step != "lookup-mnp" && (last.Method != http.MethodDelete || last.Status != http.StatusOK) {
				t.Errorf("the last request is %s %s -> %d, want the deletion", last.Method, last.Path, last.Status)
			}
		})
	}
}

// TestDoctorStepFails: a failed step stops what needs it, the rest runs,
// the batch is deleted, and the exit code is 1; a batch the doctor cannot
// delete is named with the command that deletes it.
func TestDoctorStepFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   hlrlookuptest.Fault
		stderr  string
		deleted bool
	}{
		{"results", hlrlookuptest.Fault{Path: "/batches/{id}/results", Status: http.StatusForbidden, Times: 4},
			"4 steps failed (see above): the checks that need them are not observed", true},
		{"create", hlrlookuptest.Fault{Method: http.MethodPost, Path: "/batches/", Status: http.StatusBadRequest},
			"1 step failed (see above)", false},
		{"delete", hlrlookuptest.Fault{Method: http.MethodDelete, Path: "/batches/{id}", Status: http.StatusForbidden},
			"hlrbatch: batch 1003 is left on the service; delete it with: hlrbatch delete 1003\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t)
			f.srv.InjectFault(tc.fault)
			rep, r := doctorJSON(t, t.Context(), f, nil)
			if r.code != exitError || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, tc.stderr)
			}
			wantContradicted := ""
			if tc.name == "delete" {
				wantContradicted = "DELETE" // refused: row 20 holds no more
			}
			if got := strings.Join(rep.withVerdict(contradicted), " "); len(rep.Failures) == 0 || got != wantContradicted {
				t.Errorf("failures %+v, contradicted %q, want %q", rep.Failures, got, wantContradicted)
			}
			_, exists := f.srv.Batch(doctorBatchID)
			if tc.name != "create" && exists == tc.deleted {
				t.Errorf("batch exists %v, report %+v", exists, rep.Batch)
			}
			if got := rep.withVerdict(confirmed); len(got) < 3 {
				t.Errorf("the steps that did not need the failed one did not run: confirmed %q", got)
			}
		})
	}
}

// TestDoctorWaitBound: a batch still running when --wait runs out is
// deleted, said to be still running, and its results' checks are not
// observed; the run still exits 0 (nothing contradicted). On the bubble's
// clock, the two minutes and the SDK's own polling take no time.
func TestDoctorWaitBound(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := doctorFake(t, hlrlookuptest.WithClock(time.Now), hlrlookuptest.WithProcessing(hlrlookuptest.Rate(0.001)))
		start := time.Now()
		rep, r := doctorJSON(t, t.Context(), f, nil, "--poll-interval", "0")
		if waited := time.Since(start); waited < defaultDoctorWait || waited > defaultDoctorWait+time.Minute {
			t.Errorf("waited %v, want about %v", waited, defaultDoctorWait)
		}
		want := "the batch was still PROCESSING, 0/3 (0%) done, after --wait 2m0s: its results are not checked"
		if r.code != exitOK || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant 0 and %q", r.code, r.stderr, want)
		}
		var unseen []string
		for _, c := range rep.Checks {
			if c.Verdict == notObserved {
				unseen = append(unseen, c.ID)
				if !strings.Contains(c.Detail, "still PROCESSING") {
					t.Errorf("%s: %s", c.ID, c.Detail)
				}
			}
		}
		if strings.Join(unseen, " ") != "JSON-SELECTOR CSV-COLUMNS JSON-ENVELOPE" {
			t.Errorf("not observed: %q", unseen)
		}
		if _, ok := f.srv.Batch(doctorBatchID); ok {
			t.Error("the doctor's batch is still there")
		}
	})
}

// TestDoctorPromptInterrupt presses Ctrl-C at the doctor's question: exit
// 130 at once, nothing sent.
func TestDoctorPromptInterrupt(t *testing.T) {
	t.Parallel()
	f := doctorFake(t)
	before := len(f.srv.Requests())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := &blockingReader{cancel: cancel, release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(in.release) })
	defer release()
	var out, errOut strings.Builder
	a := newApp(in, &out, &errOut, f.env())
	a.transport, a.stdinTTY = f.srv.Transport(), true
	var code int
	finishes(t, release, func() { code = a.main(ctx, []string{"doctor"}) })
	if code != exitInterrupted || !strings.HasSuffix(errOut.String(), "interrupted; nothing was sent\n") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if n := len(f.srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestExitGuardNotes: a note is printed by the exit of a second Ctrl-C
// until released; the exit neither runs nor waits for it.
func TestExitGuardNotes(t *testing.T) {
	t.Parallel()
	g := &exitGuard{holds: map[int]*exitHold{}}
	release1 := g.holdNote("batch 1 is left")
	release2 := g.holdNote("batch 2 is left")
	if got := g.notes(); strings.Join(got, "|") != "batch 1 is left|batch 2 is left" {
		t.Errorf("notes %q", got)
	}
	if got := g.cleanUp(time.Hour); got != nothingToClean {
		t.Errorf("cleanUp with notes only = %v, want nothingToClean at once", got)
	}
	release1()
	release1()
	if got := g.notes(); strings.Join(got, "|") != "batch 2 is left" {
		t.Errorf("notes after a release %q", got)
	}
	release2()
	if got := g.notes(); len(got) != 0 {
		t.Errorf("notes after both releases %q", got)
	}
}

// createLost is the fake's transport, except that the create reaches the
// fake (which creates the batch) and its answer is lost: Ctrl-C is pressed
// (cancel) while it is on its way, or the answer is replaced by a 502.
type createLost struct {
	base   http.RoundTripper
	cancel context.CancelFunc // nil: a 502
	notes  []string           // what a second Ctrl-C would print, during the create
}

func (c *createLost) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if p, _ := req.Context().Value(probeKey{}).(probe); p.step != "create" || err != nil {
		return resp, err
	}
	_ = resp.Body.Close()
	c.notes = guard.notes()
	if c.cancel != nil {
		c.cancel()
		return nil, context.Canceled
	}
	return &http.Response{StatusCode: http.StatusBadGateway, Status: "502 Bad Gateway", Header: http.Header{},
		Body: http.NoBody, Request: req}, nil
}

// TestDoctorCreateOutcomeUnknown: the create reached the service, but its
// answer (the batch's ID) did not reach the doctor: Ctrl-C during the
// create, or a 502. The batch exists all the same; the doctor finds it by
// its name and deletes it.
func TestDoctorCreateOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, interrupt := range []bool{true, false} {
		t.Run(map[bool]string{true: "Ctrl-C", false: "502"}[interrupt], func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			lost := &createLost{base: f.srv.Transport()}
			if interrupt {
				lost.cancel = cancel
			}
			r := runDoctor(ctx, f, lost, f.env(), "", "--yes", "--poll-interval", "1ms")
			if _, ok := f.srv.Batch(doctorBatchID); ok {
				t.Errorf("the doctor's batch is left on the service\nstderr:\n%s", r.stderr)
			}
			if !slices.ContainsFunc(lost.notes, func(n string) bool {
				return strings.Contains(n, "may have been created; find its ID with: hlrbatch list")
			}) {
				t.Errorf("during the create, a second Ctrl-C would print %q: nothing of the batch", lost.notes)
			}
			wantCode, want := exitError, "1 step failed"
			if interrupt {
				wantCode, want = exitInterrupted, "interrupted; the report covers the steps before it; batch 1003 was deleted\n"
			}
			if r.code != wantCode || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "is left") {
				t.Errorf("exit %d, stderr:\n%s\nwant %d and %q", r.code, r.stderr, wantCode, want)
			}
		})
	}
}

// TestDoctorBatchNamesDiffer: two runs in the same second (one bubble's
// clock stands still) name their batches differently, so that a run that
// looks for its batch by name never finds the other's.
func TestDoctorBatchNamesDiffer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var names []string
		for range 2 {
			f := doctorFake(t)
			rep, r := doctorJSON(t, t.Context(), f, nil)
			if rep.Batch == nil {
				t.Fatalf("no batch in the report; stderr:\n%s", r.stderr)
			}
			names = append(names, rep.Batch.Filename)
		}
		if names[0] == names[1] {
			t.Errorf("both runs named their batch %q", names[0])
		}
	})
}

// endless is a body that never ends (up to a bound of its own, so that a
// doctor that reads on fails rather than hangs): it counts what was read.
type endless struct{ read *atomic.Int64 }

func (e endless) Read(p []byte) (int, error) {
	if e.read.Add(int64(len(p))) > 64<<20 {
		return 0, errors.New("endless: 64 MiB read")
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func (e endless) Close() error { return nil }

// endlessResults is the fake's transport, except that every results
// download answers 200 with a body that never ends.
type endlessResults struct {
	base http.RoundTripper
	read *atomic.Int64
}

func (t endlessResults) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/results") {
		return t.base.RoundTrip(req)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/csv"}},
		Body: endless{t.read}, ContentLength: -1, Request: req}, nil
}

// TestDoctorResultsBounded: a results download that never ends is read to
// a bound, not to the step's deadline; the steps fail, the batch is deleted.
func TestDoctorResultsBounded(t *testing.T) {
	t.Parallel()
	f := doctorFake(t)
	var read atomic.Int64
	rep, r := doctorJSON(t, t.Context(), f, endlessResults{base: f.srv.Transport(), read: &read})
	if n := read.Load(); n > 4*(maxRecordedBody+readAheadSlack+maxDoctorResults) {
		t.Errorf("read %d MiB of the results", n>>20)
	}
	if len(rep.Failures) != 4 || !strings.Contains(rep.Failures[0].Error, "go on past 1024 KiB") {
		t.Errorf("failures %+v\nstderr: %s", rep.Failures, r.stderr)
	}
	if _, ok := f.srv.Batch(doctorBatchID); ok {
		t.Error("the doctor's batch is still there")
	}
}

// otherBatchCreated is the fake's transport, except that the create's
// answer (after the fake created the doctor's batch) describes batch 1001,
// one of the account's own.
type otherBatchCreated struct{ base http.RoundTripper }

func (t otherBatchCreated) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if p, _ := req.Context().Value(probeKey{}).(probe); p.step != "create" || err != nil {
		return resp, err
	}
	_ = resp.Body.Close()
	body := `{"id":"1001","filename":"fixture.csv","type":"HLR_V2","status":"COMPLETE"}`
	resp.Body = io.NopCloser(strings.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestDoctorDeletesOnlyItsOwnBatch: a create answered with another batch
// (one of the user's) does not make the doctor delete that one; its own,
// found by name, is deleted.
func TestDoctorDeletesOnlyItsOwnBatch(t *testing.T) {
	t.Parallel()
	f := doctorFake(t)
	r := runDoctor(t.Context(), f, otherBatchCreated{f.srv.Transport()}, f.env(), "", "--yes", "--poll-interval", "1ms")
	if _, ok := f.srv.Batch("1001"); !ok {
		t.Errorf("the doctor deleted batch 1001, the user's\nstderr:\n%s", r.stderr)
	}
	if _, ok := f.srv.Batch(doctorBatchID); ok {
		t.Errorf("the doctor's batch is left\nstderr:\n%s", r.stderr)
	}
	if r.code != exitError || !strings.Contains(r.stderr, `the create answered batch 1001 named "fixture.csv"`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
