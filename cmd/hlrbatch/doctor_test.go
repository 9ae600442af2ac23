package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// doctorFake is a fake service for the doctor, in memory, with a fixed
// clock, and two batches of the account's own already there, so that a
// page of one batch and the next can show.
func doctorFake(t *testing.T, opts ...hlrlookuptest.ServerOption) *fake {
	t.Helper()
	all := append([]hlrlookuptest.ServerOption{hlrlookuptest.WithoutNetwork(),
		hlrlookuptest.WithClock(func() time.Time { return fixedNow })}, opts...)
	srv := hlrlookuptest.NewServer(all...)
	t.Cleanup(srv.Close)
	f := &fake{srv: srv, client: srv.Client(), dir: t.TempDir()}
	f.loaded(t, nil, sampleNumbers[:2]...)
	f.loaded(t, nil)
	return f
}

// doctorBatchID is the ID of the doctor's batch on a doctorFake.
const doctorBatchID = "1003"

// runDoctor runs 'hlrbatch doctor ARGS' in-process against f's service,
// through transport (f's own if nil), with standard input stdin (not a
// terminal).
func runDoctor(ctx context.Context, f *fake, transport http.RoundTripper, env func(string) string, stdin string, args ...string) cliResult {
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut, env)
	a.transport = transport
	if transport == nil {
		a.transport = f.srv.Transport()
	}
	code := a.main(ctx, append([]string{"doctor"}, args...))
	a.stdout.(*controlEscaper).flush()
	a.stderr.(*controlEscaper).flush()
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// doctorJSON runs the doctor with --json and decodes its report.
func doctorJSON(t *testing.T, ctx context.Context, f *fake, transport http.RoundTripper, args ...string) (*doctorReport, cliResult) {
	t.Helper()
	r := runDoctor(ctx, f, transport, f.env(), "", append([]string{"--yes", "--json", "--poll-interval", "1ms"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("exit %d, stdout is not a report: %v\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	return &rep, r
}

// withVerdict returns the IDs of the checks with verdict v.
func (rep *doctorReport) withVerdict(v verdict) []string {
	var ids []string
	for _, c := range rep.Checks {
		if c.Verdict == v {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// TestDoctorVariants runs the doctor against the fake and against each of
// its variants: the default confirms every check; a variant contradicts
// exactly the one check of the wire detail it changes, and leaves no other
// check unobserved; the batch is gone every time.
func TestDoctorVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []hlrlookuptest.ServerOption
		want string // the contradicted checks, in the table's order; "" for none
	}{
		{"default", nil, ""},
		{"numeric IDs", []hlrlookuptest.ServerOption{hlrlookuptest.WithNumericIDs()}, "BATCH-ID"},
		{"JSON results envelope", []hlrlookuptest.ServerOption{hlrlookuptest.WithJSONEnvelope(hlrlookuptest.EnvelopeResults)}, "JSON-ENVELOPE"},
		{"JSON body envelope", []hlrlookuptest.ServerOption{hlrlookuptest.WithJSONEnvelope(hlrlookuptest.EnvelopeBody)}, "JSON-ENVELOPE"},
		{"lookup body envelope", []hlrlookuptest.ServerOption{hlrlookuptest.WithLookupEnvelope(hlrlookuptest.EnvelopeBody)}, "LOOKUP-ENVELOPE"},
		{"JSON by Accept", []hlrlookuptest.ServerOption{hlrlookuptest.WithJSONByAccept()}, "JSON-SELECTOR"},
		{"JSON by Accept, body envelope", []hlrlookuptest.ServerOption{hlrlookuptest.WithJSONByAccept(),
			hlrlookuptest.WithJSONEnvelope(hlrlookuptest.EnvelopeBody)}, "JSON-SELECTOR JSON-ENVELOPE"},
		{"pre-start statuses", []hlrlookuptest.ServerOption{hlrlookuptest.WithPreStartStatuses("CREATED", "UPLOADED")}, "STATUSES"},
		{"pre-start statuses the SDK knows", []hlrlookuptest.ServerOption{hlrlookuptest.WithPreStartStatuses("PAUSED", "COMPLETE")}, "STATUSES"},
		{"loaded status only", []hlrlookuptest.ServerOption{hlrlookuptest.WithPreStartStatuses("", "WAITING")}, "STATUSES"},
		{"page and per_page", []hlrlookuptest.ServerOption{hlrlookuptest.WithListPaging(hlrlookuptest.ListByPage)}, "LIST-PAGING"},
		{"error bodies: message", []hlrlookuptest.ServerOption{hlrlookuptest.WithErrorBodies(hlrlookuptest.ErrorBodyMessage)}, "ERROR-BODY"},
		{"error bodies: text", []hlrlookuptest.ServerOption{hlrlookuptest.WithErrorBodies(hlrlookuptest.ErrorBodyText)}, "ERROR-BODY"},
		{"error bodies: JSend", []hlrlookuptest.ServerOption{hlrlookuptest.WithErrorBodies(hlrlookuptest.ErrorBodyStatusCode)}, "ERROR-BODY"},
		{"data loaded: 400", []hlrlookuptest.ServerOption{hlrlookuptest.WithDataAlreadyLoadedStatus(400)}, "DATA-LOADED"},
		{"data loaded: 422", []hlrlookuptest.ServerOption{hlrlookuptest.WithDataAlreadyLoadedStatus(422)}, "DATA-LOADED"},
		{"data loaded: 200", []hlrlookuptest.ServerOption{hlrlookuptest.WithDataAlreadyLoadedStatus(200)}, "DATA-LOADED"},
		{"data loaded: 400, text", []hlrlookuptest.ServerOption{hlrlookuptest.WithDataAlreadyLoadedStatus(400),
			hlrlookuptest.WithErrorBodies(hlrlookuptest.ErrorBodyText)}, "ERROR-BODY DATA-LOADED"},
		{"balance in a body envelope", []hlrlookuptest.ServerOption{hlrlookuptest.WithBalanceAnswer(hlrlookuptest.BalanceAnswerBody)}, "BALANCE"},
		{"balance as balance", []hlrlookuptest.ServerOption{hlrlookuptest.WithBalanceAnswer(hlrlookuptest.BalanceAnswerBalance)}, "BALANCE"},
		{"balance in lower case (within L3)", []hlrlookuptest.ServerOption{hlrlookuptest.WithBalanceAnswer(hlrlookuptest.BalanceAnswerLowerCase)}, ""},
		{"HLR without disposable_number", []hlrlookuptest.ServerOption{hlrlookuptest.WithoutLookupFields(hlrlookup.LookupHLR, "disposable_number")}, "LOOKUP-RECORDS"},
		{"HLR without its type", []hlrlookuptest.ServerOption{hlrlookuptest.WithoutLookupFields(hlrlookup.LookupHLR, "telephone_number_type", "credits_spent")}, "LOOKUP-RECORDS"},
		{"MNP without is_ported", []hlrlookuptest.ServerOption{hlrlookuptest.WithoutLookupFields(hlrlookup.LookupMNP, "is_ported")}, "LOOKUP-RECORDS"},
		{"validate without an MCC-MNC", []hlrlookuptest.ServerOption{hlrlookuptest.WithoutLookupFields(hlrlookup.LookupValidate, "original_network_details.mccmnc")}, "LOOKUP-RECORDS"},
		{"HLR is_ported renamed", []hlrlookuptest.ServerOption{hlrlookuptest.WithLookupFieldRenamed(hlrlookup.LookupHLR, "is_ported", "ported")}, "LOOKUP-RECORDS"},
		{"MNP telephone_number renamed", []hlrlookuptest.ServerOption{hlrlookuptest.WithLookupFieldRenamed(hlrlookup.LookupMNP, "request_parameters.telephone_number", "number")}, "LOOKUP-RECORDS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t, tc.opts...)
			rep, r := doctorJSON(t, t.Context(), f, nil)
			var want []string
			wantCode := exitOK
			if tc.want != "" {
				want, wantCode = strings.Fields(tc.want), exitError
			}
			if got := rep.withVerdict(contradicted); !slices.Equal(got, want) {
				t.Errorf("contradicted %q, want %q\n%s", got, want, r.stdout)
			}
			if got := rep.withVerdict(notObserved); len(got) > 0 {
				t.Errorf("not observed: %q\n%s", got, r.stdout)
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, wantCode, r.stderr)
			}
			if len(rep.Failures) > 0 {
				t.Errorf("failures %+v", rep.Failures)
			}
			if _, ok := f.srv.Batch(doctorBatchID); ok || rep.Batch == nil || !rep.Batch.Deleted {
				t.Errorf("the doctor's batch is still there (report: %+v)", rep.Batch)
			}
			if n := len(rep.Checks); n != len(assumptions) {
				t.Errorf("%d checks, want %d", n, len(assumptions))
			}
		})
	}
}

// doctorName matches the doctor's batch name, whose time varies.
var doctorName = regexp.MustCompile(`hlrbatch-doctor-\d{8}T\d{6}Z(-[A-Z2-7]{8})?`)

// TestDoctorGolden pins the doctor's output: the plan, the steps and the
// report, with everything confirmed and with contradictions; its refusal
// without --yes where it cannot ask; the sandbox.
func TestDoctorGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []hlrlookuptest.ServerOption
		env  []string
		args []string
		code int
	}{
		{name: "doctor", args: []string{"--yes", "--poll-interval", "1ms"}},
		{name: "doctor_contradicted", opts: []hlrlookuptest.ServerOption{hlrlookuptest.WithNumericIDs(),
			hlrlookuptest.WithLookupEnvelope(hlrlookuptest.EnvelopeBody)},
			args: []string{"--yes", "--poll-interval", "1ms"}, code: exitError},
		{name: "doctor_not_terminal", args: []string{"--poll-interval", "1ms"}, code: exitUsage},
		{name: "doctor_unauthorized", env: []string{envSecret, "wrong-secret"}, args: []string{"--yes"}, code: exitError},
		{name: "doctor_sandbox", opts: []hlrlookuptest.ServerOption{hlrlookuptest.WithAccount(sandboxCredential, sandboxCredential)},
			args: []string{"--sandbox", "--lookup-url", "LOOKUP_URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t, tc.opts...)
			args := slices.Clone(tc.args)
			for i, a := range args {
				args[i] = strings.ReplaceAll(a, "LOOKUP_URL", f.srv.LookupURL())
			}
			before := len(f.srv.Requests())
			r := runDoctor(t.Context(), f, nil, f.env(tc.env...), "", args...)
			normalize := func(s string) string {
				return doctorName.ReplaceAllString(f.normalize(s), "hlrbatch-doctor-(time)")
			}
			checkGolden(t, tc.name, append([]string{"doctor"}, tc.args...), "", r, normalize)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			requests := f.srv.Requests()[before:]
			switch tc.name {
			case "doctor_not_terminal":
				if len(requests) != 0 {
					t.Errorf("%d requests sent without --yes", len(requests))
				}
			case "doctor_unauthorized":
				if len(requests) != 2 {
					t.Errorf("%d requests sent with the wrong secret, want 2", len(requests))
				}
			case "doctor_sandbox":
				for _, req := range requests {
					if !strings.HasPrefix(req.Path, "/apiv2/") {
						t.Errorf("--sandbox sent %s %s", req.Method, req.Path)
					}
				}
			}
		})
	}
}

// TestDoctorPrompt answers the doctor's question on a terminal: "n" sends
// nothing, "y" runs it.
func TestDoctorPrompt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer string
		code   int
	}{{"n\n", exitError}, {"\n", exitError}, {"y\n", exitOK}} {
		f := doctorFake(t)
		before := len(f.srv.Requests())
		var out, errOut bytes.Buffer
		a := newApp(strings.NewReader(tc.answer), &out, &errOut, f.env())
		a.transport, a.stdinTTY = f.srv.Transport(), true
		code := a.main(t.Context(), []string{"doctor", "--poll-interval", "1ms"})
		sent := len(f.srv.Requests()) - before
		if code != tc.code || !strings.Contains(errOut.String(), "Go ahead? [y/N] ") {
			t.Errorf("answer %q: exit %d, want %d\nstderr: %s", tc.answer, code, tc.code, errOut.String())
		}
		if (sent > 0) != (tc.code == exitOK) {
			t.Errorf("answer %q: %d requests sent", tc.answer, sent)
		}
	}
}

// TestDoctorUsage refuses bad command lines before sending anything.
func TestDoctorUsage(t *testing.T) {
	t.Parallel()
	notEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(notEmpty, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--wait", "0s"},
		{"--poll-interval", "-1s"},
		{"--record", notEmpty},
		{"--record", filepath.Join(notEmpty, "x")},
		{"--record", filepath.Join(notEmpty, "no", "such")},
		{"--sandbox", "--base-url", "https://example.com"},
		{"extra"},
	} {
		f := doctorFake(t)
		before := len(f.srv.Requests())
		r := runDoctor(t.Context(), f, nil, f.env(), "", append([]string{"--yes"}, args...)...)
		if r.code != exitUsage || len(f.srv.Requests()) != before {
			t.Errorf("doctor %q: exit %d, %d requests\nstderr: %s", args, r.code, len(f.srv.Requests())-before, r.stderr)
		}
	}
	f := doctorFake(t)
	r := runDoctor(t.Context(), f, nil, f.env(envSecret, ""), "", "--yes")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no credentials") {
		t.Errorf("no secret: exit %d, stderr %s", r.code, r.stderr)
	}
}
