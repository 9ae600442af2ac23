package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

var doctorCommand = &command{
	name:    "doctor",
	summary: "check the wire details the SDK assumes against the live service, and record its answers",
	help: `Check, in one short and safe run against the live service, the wire details
the SDK assumes where the vendor's page is silent (WIRE.md marks them), and
print a table: each check's ID, its WIRE.md rows, and whether the service
confirmed it, contradicted it (with what it did instead, quoted) or did not
show it. Exit code 0 when nothing is contradicted and no step failed, 1
otherwise.

It reads the balance, asks for a batch that does not exist, creates a batch
named hlrbatch-doctor-<UTC time>-<random>, lists a page of one batch (limit, offset),
uploads three numbers that are not phone numbers (BAD_FORMAT: free) and
uploads them again, starts the batch, waits for it (--wait), downloads its
results as CSV and as JSON, with either Accept header, deletes it, and looks
the number 12345 up (HLR, MNP, validate: BAD_FORMAT, free). The batch is
deleted on every path: a failed step, Ctrl-C (a second Ctrl-C leaves it and
prints the command that deletes it).

It first prints this plan and its cost, and asks on a terminal; elsewhere
--yes is required. --record DIR saves every exchange (one file each, and
index.json) with the API key and secret scrubbed, then reads the files back
to check that neither is there. To report a contradiction, send the
maintainers the --json report and the --record directory.

--sandbox checks the instant lookups only, against the vendor's public
sandbox (key and secret "speedtest": no account, not charged; --lookup-url
points it elsewhere); it asks nothing.`,
	example: `hlrbatch doctor
hlrbatch doctor --yes --json --record doctor-record > doctor-report.json
hlrbatch doctor --sandbox`,
	run: cmdDoctor,
}

const (
	// doctorStepTimeout bounds each request of the doctor but the wait.
	doctorStepTimeout = time.Minute
	// doctorDeleteTimeout bounds the deletion of the doctor's batch after
	// Ctrl-C, with a context of its own.
	doctorDeleteTimeout = 15 * time.Second
	// defaultDoctorWait is how long the doctor waits for its batch.
	defaultDoctorWait = 2 * time.Minute
	// sandboxCredential is the sandbox's API key and secret.
	sandboxCredential = "speedtest"
	// doctorBatchPrefix starts the name of the doctor's batch; the time of
	// the run follows.
	doctorBatchPrefix = "hlrbatch-doctor-"
	// doctorMissingID is a batch ID that exists in no account.
	doctorMissingID = hlrlookup.BatchID("0")
)

// doctor is one run of 'hlrbatch doctor'.
type doctor struct {
	a         *app
	client    *hlrlookup.Client
	rec       *recorder
	sandbox   bool
	wait      time.Duration
	poll      time.Duration // 0: the SDK's polling
	batchName string

	id          hlrlookup.BatchID // "" until created
	deleted     bool
	maybeLeft   bool   // the create's outcome is unknown and its batch was not found
	releaseNote func() // the second Ctrl-C's note about the batch

	missing     map[string]string // why a step has no answer
	failures    []stepFailure
	interrupted bool
	refused     bool // the batches service refused the credentials: nothing was checked

	balanceBefore, balanceAfter *float64
	spent                       float64 // credits_spent of the batch's results and the lookups
}

func cmdDoctor(ctx context.Context, a *app, c *command, args []string) error {
	inv := a.newInvocation(c)
	inv.apiFlags()
	inv.lookupFlag()
	yes := inv.fs.Bool("yes", false, "run without asking (required when standard input is not a terminal)")
	record := inv.fs.String("record", "", "save every exchange, the API key and secret scrubbed, in this new or empty `DIR`")
	sandbox := inv.fs.Bool("sandbox", false, "check the instant lookups only, against the public sandbox (no account, not charged)")
	wait := inv.fs.Duration("wait", defaultDoctorWait, "wait at most `DURATION` for the doctor's batch to complete")
	poll := inv.pollFlag(0)
	if _, err := inv.parse(args, 0, 0); err != nil {
		return err
	}
	switch {
	case *wait <= 0:
		return usagef("--wait must be positive")
	case *poll < 0:
		return usagef("--poll-interval must be positive")
	case *sandbox && (inv.set("base-url") || inv.set("api-key")):
		return usagef("--sandbox checks the instant lookups with the sandbox's own key: --base-url and --api-key have nothing to do")
	}
	if err := checkRecordDir(*record); err != nil {
		return err
	}
	d := &doctor{a: a, sandbox: *sandbox, wait: *wait, poll: *poll, missing: map[string]string{},
		batchName: doctorBatchName(time.Now())}
	var key, secret string
	if d.sandbox {
		key, secret = sandboxCredential, sandboxCredential
		d.rec = newRecorder(a.transport, key, secret)
		client, err := hlrlookup.NewClient(key, secret, hlrlookup.WithUserAgent(userAgent),
			hlrlookup.WithLookupURL(cmp.Or(inv.lookupURL, hlrlookup.SandboxLookupURL)),
			hlrlookup.WithHTTPClient(&http.Client{Transport: d.rec}))
		if err != nil {
			return usagef("%v", err)
		}
		d.client = client
	} else {
		var err error
		if key, secret, err = inv.credentials(); err != nil {
			return err
		}
		d.rec = newRecorder(a.transport, key, secret)
		if d.client, err = inv.clientFor(key, secret, hlrlookup.WithHTTPClient(&http.Client{Transport: d.rec})); err != nil {
			return err
		}
	}

	d.printPlan(a.stderr, *record)
	if !d.sandbox && !*yes {
		if !a.stdinTTY {
			return usagef("standard input is not a terminal, so hlrbatch cannot ask: add --yes to run the doctor (nothing was sent)")
		}
		fmt.Fprint(a.stderr, "Go ahead? [y/N] ")
		answer, _ := bufio.NewReader(a.interruptible(ctx)).ReadString('\n')
		if ctx.Err() != nil {
			fmt.Fprintln(a.stderr)
			return &interruptedError{"interrupted; nothing was sent"}
		}
		if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
			return errors.New("not run: nothing was sent")
		}
	}

	d.run(ctx)
	rep := d.report()
	var recordErr error
	if *record != "" {
		recordErr = d.writeRecord(rep, *record, map[string]string{"the API key": key, "the secret": secret})
	}
	if err := inv.output(rep, func() error { return printDoctorReport(a.stdout, rep) }); err != nil {
		return err
	}
	return d.outcome(rep, recordErr)
}

// doctorBatchName names a run's batch: the prefix, the time, and a random
// part, so that two runs in the same second (two machines of one account)
// never take each other's batch for their own.
func doctorBatchName(now time.Time) string {
	return doctorBatchPrefix + now.UTC().Format("20060102T150405Z") + "-" + rand.Text()[:8]
}

// printPlan says what the doctor will send and what it costs.
func (d *doctor) printPlan(w io.Writer, record string) {
	n := fmt.Sprintf("%q", doctorLookupNumber)
	if d.sandbox {
		fmt.Fprintf(w, `hlrbatch doctor --sandbox checks how the instant lookups answer, against
%s (key and secret "speedtest": no account, not charged), with
3 requests: POST hlr, mnp and validate, each with the number %s.
The batches service and the balance are not checked: they need an account.
`, cell(d.client.LookupURL()), n)
	} else {
		fmt.Fprintf(w, `hlrbatch doctor checks %d wire details the SDK assumes, against
%s (batches) and %s (lookups), with 21 requests
and a poll every few seconds while the batch runs:
  - the balance, before and after (POST /apiv2/balance)
  - GET /batches/%s, a batch that does not exist
  - a batch named %s: create it; list a page of one batch,
    then the next (limit=1, offset=1); upload %d numbers that are not phone
    numbers (%s), then again (to see the refusal); start it; wait for
    it (at most %v); download its results as CSV and as JSON, with Accept:
    text/csv and with Accept: application/json; delete it and check that it is gone
  - one HLR, one MNP and one validate lookup of the number %s
Cost: nothing. A number that is not a phone number comes back BAD_FORMAT, and
a BAD_FORMAT lookup costs nothing (documented); the batches page says nothing of
prices, so the batch should be free as well, but that is not documented. The
report shows the credits the results say were spent, and the balance before
and after.
The batch is deleted on every path: at the end, after a failed step, and at
Ctrl-C (a second Ctrl-C leaves it and prints the command that deletes it).
`, len(assumptions), cell(d.client.BaseURL()), cell(d.client.LookupURL()), doctorMissingID, d.batchName,
			len(doctorNumbers), strings.Join(doctorNumbers, ", "), d.wait, n)
	}
	if record != "" {
		fmt.Fprintf(w, "Every exchange is recorded in %s, the API key and secret scrubbed.\n", record)
	}
}

// run runs the sequence. It stops at the first Ctrl-C (ctx ends), deleting
// the batch with a context of its own; a step that fails stops only the
// steps that need it.
func (d *doctor) run(ctx context.Context) {
	fmt.Fprintln(d.a.stderr)
	c := d.client
	if !d.sandbox {
		_ = d.step(ctx, "balance", "", true, func(ctx context.Context) error {
			b, err := c.Balance(ctx)
			if err == nil {
				d.balanceBefore = &b
			}
			return err
		})
		_ = d.step(ctx, "not-found", "", true, func(ctx context.Context) error {
			_, err := c.GetBatch(ctx, doctorMissingID)
			return err
		})
		if e := d.lastExchange("not-found"); e != nil && e.Status == http.StatusUnauthorized {
			d.refused = true
			fmt.Fprintf(d.a.stderr, "The batches service refused the API key and secret (401): nothing more is sent.\n")
			return
		}
		d.batchSteps(ctx)
	}
	for _, kind := range lookupKinds {
		_ = d.step(ctx, "lookup-"+kind, "", true, func(ctx context.Context) error {
			var (
				results []*hlrlookup.Result
				err     error
				numbers = []string{doctorLookupNumber}
			)
			switch kind {
			case "hlr":
				results, err = c.LookupHLR(ctx, numbers, nil)
			case "mnp":
				results, err = c.LookupMNP(ctx, numbers, nil)
			default:
				results, err = c.ValidateNumbers(ctx, numbers, nil)
			}
			for _, r := range results {
				if r != nil {
					d.spent += r.CreditsSpent
				}
			}
			return err
		})
	}
	if !d.sandbox {
		_ = d.step(ctx, "balance-after", "", true, func(ctx context.Context) error {
			b, err := c.Balance(ctx)
			if err == nil {
				d.balanceAfter = &b
			}
			return err
		})
	}
}

// batchSteps creates the doctor's batch, puts it through its paces and
// deletes it, on every path.
func (d *doctor) batchSteps(ctx context.Context) {
	c := d.client
	var b *hlrlookup.Batch
	// Until the create's answer is read, the batch may exist with an ID
	// nobody knows: a second Ctrl-C names it by its name.
	releaseCreating := guard.holdNote(fmt.Sprintf("a batch named %s may have been created; find its ID with: hlrbatch list, and delete it with: hlrbatch delete ID", d.batchName))
	err := d.step(ctx, "create", "", false, func(ctx context.Context) (err error) {
		b, err = c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: d.batchName})
		return err
	})
	if err == nil && b.Filename != "" && b.Filename != d.batchName {
		// The answer describes another batch: deleting it would delete
		// one of the user's. Ours, if created, is found by its name.
		err = fmt.Errorf("the create answered batch %s named %s, not %s", cell(string(b.ID)), quote([]byte(b.Filename)), d.batchName)
		d.fail("create", err)
		err = fmt.Errorf("%w: %w", hlrlookup.ErrOutcomeUnknown, err)
	}
	if err != nil {
		d.skip("the batch was not created", batchStepsAfterCreate...)
		if ctx.Err() != nil || errors.Is(err, hlrlookup.ErrOutcomeUnknown) {
			// The service may have created it all the same: look for it by
			// its name, and delete it.
			b = d.findCreated(ctx)
		}
		if b == nil {
			releaseCreating()
			return
		}
	}
	d.id = b.ID
	id := d.id
	d.releaseNote = guard.holdNote(fmt.Sprintf("batch %s (%s) is left on the service; delete it with: hlrbatch delete %s",
		cell(string(id)), d.batchName, cell(string(id))))
	releaseCreating()
	defer d.deleteBatch(ctx)
	if err != nil {
		return // found after a failed create: only deleted
	}

	blocked := "" // why the rest of the batch's steps cannot run
	step := func(name, accept string, evidence bool, f func(context.Context) error) error {
		if blocked != "" {
			d.skip(blocked, name)
			return errors.New(blocked)
		}
		return d.step(ctx, name, accept, evidence, f)
	}
	get := func(ctx context.Context) error {
		_, err := c.GetBatch(ctx, id)
		return err
	}
	list := func(offset int) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := c.ListBatches(ctx, &hlrlookup.ListOptions{Offset: offset, Limit: 1})
			return err
		}
	}
	upload := func(ctx context.Context) error { return c.UploadNumbers(ctx, id, doctorNumbers) }
	_ = step("get-created", "", false, get)
	_ = step("list-first", "", true, list(0))
	_ = step("list-second", "", true, list(1))
	if err := step("upload", "", true, upload); err != nil {
		blocked = "the upload failed"
	}
	_ = step("get-loaded", "", false, get)
	_ = step("upload-again", "", true, upload)
	if err := step("start", "", false, func(ctx context.Context) error { return c.StartBatch(ctx, id) }); err != nil && blocked == "" {
		blocked = "the batch did not start"
	}
	if blocked == "" {
		blocked = d.waitBatch(ctx)
	} else {
		d.skip(blocked, "wait")
	}
	for _, p := range resultsProbes {
		accept, format := "text/csv", hlrlookup.FormatCSV
		if strings.Contains(p.asked, "application/json") {
			accept = "application/json"
		}
		if p.json {
			format = hlrlookup.FormatJSON
		}
		_ = step(p.step, accept, false, func(ctx context.Context) error {
			dl, err := c.Download(ctx, id, format)
			if err != nil {
				return err
			}
			defer dl.Close()
			rc := &boundedReader{r: dl, left: maxDoctorResults}
			if p.step != "results-csv" {
				_, err = io.Copy(io.Discard, rc)
				return err
			}
			for r, err := range hlrlookup.ReadResults(rc) {
				if err != nil {
					return err
				}
				d.spent += r.CreditsSpent
			}
			return nil
		})
	}
}

// findCreated looks, after a create whose outcome is unknown (interrupted,
// or an answer lost or unreadable), for the doctor's batch by its name, on
// every page of the list, with a context of its own after Ctrl-C. It
// returns the batch if exactly one has the name, else nil, having said so.
func (d *doctor) findCreated(ctx context.Context) *hlrlookup.Batch {
	sctx, cancel := ctx, context.CancelFunc(func() {})
	if ctx.Err() != nil {
		d.interrupted = true
		fmt.Fprintf(d.a.stderr, "Interrupted during the create: looking for a batch named %s to delete it (Ctrl-C again leaves it)\n", d.batchName)
		sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), doctorDeleteTimeout)
	}
	defer cancel()
	var found []*hlrlookup.Batch
	err := d.step(sctx, "find-created", "", false, func(ctx context.Context) error {
		for b, err := range d.client.AllBatches(ctx, &hlrlookup.ListOptions{Limit: 100}) {
			if err != nil {
				return err
			}
			if b.Filename == d.batchName {
				found = append(found, b)
			}
		}
		return nil
	})
	switch {
	case err == nil && len(found) == 1:
		return found[0]
	case err == nil && len(found) == 0:
		fmt.Fprintf(d.a.stderr, "No batch named %s on the service: the create left nothing.\n", d.batchName)
		return nil
	}
	fmt.Fprintf(d.a.stderr, "A batch named %s may have been created; find its ID with: hlrbatch list, and delete it with: hlrbatch delete ID\n", d.batchName)
	d.maybeLeft = true
	return nil
}

// maxDoctorResults bounds a results download of the doctor's batch: the
// results of three numbers are a few KiB; a service that sends more (or
// never stops) is not read on.
const maxDoctorResults = 1 << 20

// boundedReader reads at most left bytes of r, then fails.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("the results of %s go on past %d KiB: not read further", plural(len(doctorNumbers), "number"), maxDoctorResults>>10)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// batchStepsAfterCreate are the batch's steps, after its creation.
var batchStepsAfterCreate = []string{"get-created", "list-first", "list-second", "upload", "get-loaded", "upload-again",
	"start", "wait", "results-csv", "results-csv-accept-json", "results-json", "results-json-accept-csv", "delete", "get-deleted"}

// waitBatch waits, at most d.wait, for the batch to complete; it returns
// why the results cannot be read, or "".
func (d *doctor) waitBatch(ctx context.Context) string {
	if ctx.Err() != nil {
		d.interrupted = true
		d.skip("interrupted", "wait")
		return "interrupted"
	}
	wctx, cancel := context.WithTimeout(withProbe(ctx, "wait", ""), d.wait)
	defer cancel()
	opts := &hlrlookup.WaitOptions{}
	if d.poll > 0 {
		opts.PollInterval, opts.MaxPollInterval = d.poll, d.poll
	}
	polls := 0
	var last *hlrlookup.Batch
	opts.OnProgress = func(b *hlrlookup.Batch) {
		polls++
		last = b
	}
	b, err := d.client.WaitForBatch(wctx, d.id, opts)
	switch {
	case err == nil:
		d.progress("wait", fmt.Sprintf("%s after %s", cell(string(b.Status)), plural(polls, "poll")))
		return ""
	case ctx.Err() != nil:
		d.interrupted = true
		d.skip("interrupted", "wait")
		return "interrupted"
	case wctx.Err() != nil:
		status := "not complete"
		if last != nil {
			status = cell(string(last.Status)) + ", " + doneString(last) + " done,"
		}
		why := fmt.Sprintf("the batch was still %s after --wait %v", status, d.wait)
		d.missing["wait"] = why
		d.progress("wait", why+": its results are not checked (a longer --wait gives it more time)")
		return why
	}
	d.fail("wait", err)
	return "the batch did not complete"
}

// deleteBatch deletes the doctor's batch, with a context of its own after
// Ctrl-C, and checks that it is gone.
func (d *doctor) deleteBatch(ctx context.Context) {
	if d.id == "" || d.deleted {
		return
	}
	id := d.id
	del := func(ctx context.Context) error {
		err := d.client.DeleteBatch(ctx, id)
		if errors.Is(err, hlrlookup.ErrBatchNotFound) {
			return nil // an earlier attempt, cut short, did it
		}
		return err
	}
	var err error
	if ctx.Err() == nil {
		err = d.step(ctx, "delete", "", false, del)
	}
	if ctx.Err() != nil {
		d.interrupted = true
		fmt.Fprintf(d.a.stderr, "Interrupted: deleting batch %s (Ctrl-C again leaves it)\n", cell(string(id)))
		fresh, cancel := context.WithTimeout(context.WithoutCancel(ctx), doctorDeleteTimeout)
		err = d.step(fresh, "delete", "", false, del)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(d.a.stderr, "Could not delete batch %s; delete it with: hlrbatch delete %s\n", cell(string(id)), cell(string(id)))
		return
	}
	d.deleted = true
	d.releaseNote()
	if ctx.Err() == nil {
		_ = d.step(ctx, "get-deleted", "", true, func(ctx context.Context) error {
			_, err := d.client.GetBatch(ctx, id)
			return err
		})
	} else {
		d.skip("interrupted", "get-deleted")
	}
}

// step runs one step with its probe (the step's name, the Accept header to
// send) and a deadline, and says how it went. When evidence is set, an
// error with an answer is no failure: the answer is what the checks read
// (an error answer, or one the SDK cannot read, which the step's line
// says). Once ctx has ended (Ctrl-C) nothing more runs.
func (d *doctor) step(ctx context.Context, name, accept string, evidence bool, f func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		d.interrupted = true
		d.skip("interrupted", name)
		return err
	}
	sctx, cancel := context.WithTimeout(withProbe(ctx, name, accept), doctorStepTimeout)
	defer cancel()
	err := f(sctx)
	var apiErr *hlrlookup.APIError
	switch {
	case err == nil:
		d.progress(name, "")
	case ctx.Err() != nil:
		d.interrupted = true
		d.skip("interrupted", name)
	case evidence && errors.As(err, &apiErr):
		d.progress(name, "")
	case evidence && d.answered(name):
		d.progress(name, "the SDK cannot read the answer: "+cell(err.Error()))
	default:
		d.fail(name, err)
	}
	return err
}

// answered reports whether the last request of step got an answer.
func (d *doctor) answered(step string) bool {
	e := d.lastExchange(step)
	return e != nil && e.Status != 0
}

// progress prints a step's line on standard error: its last request and
// the answer's status, and a note.
func (d *doctor) progress(name, note string) {
	line := fmt.Sprintf("  %-24s", name)
	if e := d.lastExchange(name); e != nil {
		line += " " + e.Method + " " + displayURL(e)
		if e.Status != 0 {
			line += fmt.Sprintf(" -> %d", e.Status)
		}
	}
	if note != "" {
		line += ": " + note
	}
	if what := d.rec.holds(line); what != "" {
		line = fmt.Sprintf("  %-24s (withheld: the line held %s)", name, what)
	}
	fmt.Fprintln(d.a.stderr, line)
}

// fail records a step that failed and says so.
func (d *doctor) fail(name string, err error) {
	msg := cell(err.Error())
	d.failures = append(d.failures, stepFailure{Step: name, Error: msg})
	d.missing[name] = name + " failed: " + msg
	d.progress(name, "failed: "+msg)
}

// skip records why steps did not run.
func (d *doctor) skip(why string, names ...string) {
	for _, n := range names {
		if d.missing[n] == "" {
			d.missing[n] = why
		}
	}
}

// lastExchange returns the last exchange of step.
func (d *doctor) lastExchange(step string) *exchange {
	all := d.rec.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Step == step {
			return all[i]
		}
	}
	return nil
}

// displayURL is an exchange's path and query without the credentials'
// parameters, for messages.
func displayURL(e *exchange) string {
	p, rawQuery, _ := strings.Cut(e.URL, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return cell(e.URL)
	}
	for k := range q {
		if isCredentialParam(k) {
			delete(q, k)
		}
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return cell(p)
}

// report decides every check from what was recorded.
func (d *doctor) report() *doctorReport {
	rep := &doctorReport{SDKVersion: hlrlookup.Version, Mode: "live", LookupURL: d.client.LookupURL(),
		Failures: append([]stepFailure{}, d.failures...), Interrupted: d.interrupted}
	if d.sandbox {
		rep.Mode = "sandbox"
	} else {
		rep.BatchesURL = d.client.BaseURL()
		rep.Cost = &doctorCost{ResultsCredits: d.spent, BalanceBefore: d.balanceBefore, BalanceAfter: d.balanceAfter}
	}
	if d.id != "" || d.maybeLeft {
		rep.Batch = &doctorBatch{ID: d.id, Filename: d.batchName, Deleted: d.deleted}
	}
	rep.decideAll(newEvidence(d.rec.all(), d.missing, d.sandbox))
	if d.refused {
		for i := range rep.Checks {
			rep.Checks[i].Verdict, rep.Checks[i].Detail = notObserved, errRefused.Error()
		}
		rep.Confirmed, rep.Contradict, rep.NotObserved = 0, 0, len(rep.Checks)
	}
	// What the checks quote was scrubbed; what the scrubber's list missed,
	// the check of the record's files finds, and it is not shown.
	for i, c := range rep.Checks {
		if what := d.rec.holds(c.Detail); what != "" {
			rep.Checks[i].Detail = "(withheld: the detail held " + what + "; the record has the exchange, vetted)"
		}
	}
	for i, f := range rep.Failures {
		if what := d.rec.holds(f.Error); what != "" {
			rep.Failures[i].Error = "(withheld: the error held " + what + ")"
		}
	}
	return rep
}

// errRefused ends a run whose credentials the batches service refused.
var errRefused = fmt.Errorf("the batches service refused the API key and secret (401): check %s and %s", envAPIKey, envSecret)

// writeRecord writes the exchanges to dir, reads every file back and
// removes any that holds a credential.
func (d *doctor) writeRecord(rep *doctorReport, dir string, credentials map[string]string) error {
	exchanges := d.rec.all()
	for i, e := range exchanges {
		exchanges[i] = d.rec.vetted(e)
	}
	names, err := writeRecord(dir, exchanges, rep.SDKVersion)
	if err != nil {
		return fmt.Errorf("--record %s: %w", dir, err)
	}
	found, err := checkRecordFiles(dir, names, credentials)
	if err != nil {
		return fmt.Errorf("--record %s: reading the files back: %w", dir, err)
	}
	rep.Record = &recordSummary{Dir: dir, Exchanges: len(exchanges), Files: names, SecretFree: len(found) == 0}
	if len(found) == 0 {
		fmt.Fprintf(d.a.stderr, "\nRecorded %s in %s (a file each, and index.json).\n"+
			"Read back: no file holds the API key or the secret (looked for as they are,\n"+
			"percent-encoded, JSON- and HTML-escaped, in hex and in base64, and inside\n"+
			"compressed bodies).\n",
			plural(len(exchanges), "exchange"), dir)
		return nil
	}
	var lines []string
	for _, name := range names {
		if what, bad := found[name]; bad {
			_ = os.Remove(filepath.Join(dir, name))
			rep.Record.Removed = append(rep.Record.Removed, name)
			lines = append(lines, fmt.Sprintf("%s held %s", name, what))
		}
	}
	return fmt.Errorf("--record %s: the check found a credential in %s; those files were removed, do not send the rest before reading them: %s",
		dir, plural(len(found), "file"), strings.Join(lines, "; "))
}

// outcome is the run's error: nil when no step failed, nothing is
// contradicted, the batch is gone and the record is clean.
func (d *doctor) outcome(rep *doctorReport, recordErr error) error {
	var errs []error
	left := ""
	if d.id != "" && !d.deleted {
		left = fmt.Sprintf("batch %s is left on the service; delete it with: hlrbatch delete %s", cell(string(d.id)), cell(string(d.id)))
	}
	if d.maybeLeft {
		left = fmt.Sprintf("a batch named %s may have been created; find its ID with: hlrbatch list, and delete it with: hlrbatch delete ID", d.batchName)
	}
	if d.interrupted {
		msg := "interrupted; the report covers the steps before it"
		switch {
		case left != "":
			msg += "; " + left
		case d.id != "":
			msg += fmt.Sprintf("; batch %s was deleted", cell(string(d.id)))
		}
		if recordErr != nil {
			msg += "\n" + recordErr.Error()
		}
		return &interruptedError{msg}
	}
	if left != "" {
		errs = append(errs, errors.New(left))
	}
	if d.refused {
		errs = append(errs, errRefused)
	}
	if recordErr != nil {
		errs = append(errs, recordErr)
	}
	if rep.Contradict > 0 {
		errs = append(errs, fmt.Errorf("%d of %d checks contradicted: %s", rep.Contradict, len(rep.Checks), doctorMaintainersHint(rep)))
	}
	if n := len(rep.Failures); n > 0 {
		errs = append(errs, fmt.Errorf("%s failed (see above): the checks that need them are not observed", plural(n, "step")))
	}
	return errors.Join(errs...)
}
