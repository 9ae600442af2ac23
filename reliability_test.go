package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"text/tabwriter"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// The fault matrix: every operation against every fault a network or a
// struggling service produces. Each cell gets its own fake and its own
// client, so faults never leak between cells, and each looks for the API
// secret in everything the cell produced (the secret hunt). The rows whose
// waits the clock decides (Retry-After, deadlines) run inside a
// testing/synctest bubble on the fake's in-memory transport, where a wait of
// seconds takes none; one of their cells (relRealSocketCell) runs on a real
// socket and waits out the real second. The other rows (dropped connections,
// cut bodies, refused connections) run on the real-socket fake, with waits
// kept tiny.

// relNumbers are the numbers every batch of the matrix holds.
var relNumbers = []string{"+447700900001", "+447700900002", "+447700900003"}

// relTiny is the retry policy of most rows: the default's shape, tiny waits.
var relTiny = hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

// relWaitOpts polls quickly.
var relWaitOpts = &hlrlookup.WaitOptions{PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond}

// relKind groups operations that behave alike under faults.
type relKind int

const (
	relCreate   relKind = iota // POST, not safe to repeat
	relUpload                  // POST, settled by reading the batch
	relRead                    // GET of metadata, and the balance (a POST safe to repeat)
	relCommand                 // PUT and DELETE
	relDownload                // GET of the results
	relWaitKind                // polling GET
	relLookup                  // instant lookup POST: charged, repeated only from the private cache
)

// relCell is what an operation needs and leaves behind in one cell.
type relCell struct {
	id        hlrlookup.BatchID
	dir       string // a private directory (upload source, download target)
	reference []byte // the results as downloaded before any fault
	got       []byte // what the operation returned or wrote
	batch     *hlrlookup.Batch
	n         int // results yielded, batches listed
	results   []*hlrlookup.Result
	credits   float64
}

// relOp is one operation of the matrix.
type relOp struct {
	name    string
	kind    relKind
	method  string
	pattern string // the fake's route pattern the faults target
	// state is the batch state the operation needs: "" (none), "NEW",
	// "READY", "PROCESSING" or "COMPLETE".
	state string
	run   func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error
	// check asserts the operation's effect after a success.
	check func(t *testing.T, srv *hlrlookuptest.Server, cell *relCell)
}

func relStatus(want string) func(*testing.T, *hlrlookuptest.Server, *relCell) {
	return func(t *testing.T, srv *hlrlookuptest.Server, cell *relCell) {
		t.Helper()
		if st, ok := srv.Batch(string(cell.id)); !ok || st.Status != want {
			t.Errorf("batch %s: status %q (exists %v), want %q", cell.id, st.Status, ok, want)
		}
	}
}

func relStoredOnce(t *testing.T, srv *hlrlookuptest.Server, cell *relCell) {
	t.Helper()
	st, ok := srv.Batch(string(cell.id))
	if !ok {
		t.Fatalf("batch %s is gone", cell.id)
	}
	if got := srv.Numbers(string(cell.id)); !slices.Equal(got, relNumbers) {
		t.Errorf("stored numbers %q, want %q exactly once", got, relNumbers)
	}
	if st.Uploads != 1 || st.NumItems != len(relNumbers) {
		t.Errorf("batch holds %d uploads, %d items; want 1 upload of %d", st.Uploads, st.NumItems, len(relNumbers))
	}
}

func relSameResults(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
	t.Helper()
	if len(cell.reference) == 0 || !bytes.Equal(cell.got, cell.reference) {
		t.Errorf("downloaded %d bytes, want the %d bytes of the results", len(cell.got), len(cell.reference))
	}
}

var relOps = []relOp{
	{name: "create", kind: relCreate, method: http.MethodPost, pattern: "/batches/",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "matrix.csv"})
			cell.batch = b
			return err
		},
		check: func(t *testing.T, srv *hlrlookuptest.Server, cell *relCell) {
			if cell.batch == nil || cell.batch.ID == "" || cell.batch.Filename != "matrix.csv" {
				t.Errorf("created %+v", cell.batch)
			}
		}},
	{name: "get", kind: relRead, method: http.MethodGet, pattern: "/batches/{id}", state: "NEW",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			b, err := c.GetBatch(ctx, cell.id)
			cell.batch = b
			return err
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if cell.batch == nil || cell.batch.ID != cell.id {
				t.Errorf("got %+v, want batch %s", cell.batch, cell.id)
			}
		}},
	{name: "list", kind: relRead, method: http.MethodGet, pattern: "/batches/", state: "NEW",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			l, err := c.ListBatches(ctx, nil)
			if l != nil {
				cell.n = len(l.Batches)
			}
			return err
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if cell.n != 1 {
				t.Errorf("listed %d batches, want 1", cell.n)
			}
		}},
	{name: "upload file", kind: relUpload, method: http.MethodPost, pattern: "/batches/{id}/source", state: "NEW",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.UploadFile(ctx, cell.id, filepath.Join(cell.dir, "numbers.csv"), nil)
		},
		check: relStoredOnce},
	{name: "upload numbers", kind: relUpload, method: http.MethodPost, pattern: "/batches/{id}/source", state: "NEW",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.UploadNumbers(ctx, cell.id, relNumbers)
		},
		check: relStoredOnce},
	{name: "start", kind: relCommand, method: http.MethodPut, pattern: "/batches/{id}", state: "READY",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.StartBatch(ctx, cell.id)
		},
		check: relStatus(hlrlookuptest.StatusProcessing)},
	{name: "pause", kind: relCommand, method: http.MethodPut, pattern: "/batches/{id}", state: "PROCESSING",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.PauseBatch(ctx, cell.id)
		},
		check: relStatus(hlrlookuptest.StatusPaused)},
	{name: "schedule", kind: relCommand, method: http.MethodPut, pattern: "/batches/{id}", state: "READY",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.ScheduleBatch(ctx, cell.id, time.Now().Add(time.Hour))
		},
		check: relStatus(hlrlookuptest.StatusScheduled)},
	{name: "delete", kind: relCommand, method: http.MethodDelete, pattern: "/batches/{id}", state: "NEW",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			return c.DeleteBatch(ctx, cell.id)
		},
		check: func(t *testing.T, srv *hlrlookuptest.Server, cell *relCell) {
			if _, ok := srv.Batch(string(cell.id)); ok {
				t.Errorf("batch %s still exists", cell.id)
			}
		}},
	{name: "download to writer", kind: relDownload, method: http.MethodGet, pattern: "/batches/{id}/results", state: "COMPLETE",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			var buf bytes.Buffer
			n, err := c.DownloadTo(ctx, cell.id, hlrlookup.FormatCSV, &buf)
			if err == nil && n != int64(buf.Len()) {
				return fmt.Errorf("DownloadTo says %d bytes, wrote %d", n, buf.Len())
			}
			cell.got = buf.Bytes()
			return err
		},
		check: relSameResults},
	{name: "download to file", kind: relDownload, method: http.MethodGet, pattern: "/batches/{id}/results", state: "COMPLETE",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			target := filepath.Join(cell.dir, "results.csv")
			n, err := c.DownloadFile(ctx, cell.id, hlrlookup.FormatCSV, target)
			if err == nil {
				cell.got, _ = os.ReadFile(target)
				if n != int64(len(cell.got)) {
					return fmt.Errorf("DownloadFile says %d bytes, the file has %d", n, len(cell.got))
				}
			}
			return err
		},
		check: relSameResults},
	{name: "results", kind: relDownload, method: http.MethodGet, pattern: "/batches/{id}/results", state: "COMPLETE",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			for r, err := range c.Results(ctx, cell.id) {
				if err != nil {
					return err
				}
				if r.TelephoneNumber == "" {
					return fmt.Errorf("result %d has no number", cell.n)
				}
				cell.n++
			}
			return nil
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if cell.n != len(relNumbers) {
				t.Errorf("%d results, want %d", cell.n, len(relNumbers))
			}
		}},
	{name: "wait", kind: relWaitKind, method: http.MethodGet, pattern: "/batches/{id}", state: "PROCESSING",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			b, err := c.WaitForBatch(ctx, cell.id, relWaitOpts)
			cell.batch = b
			return err
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if cell.batch == nil || !cell.batch.Status.Complete() || cell.batch.NumComplete != len(relNumbers) {
				t.Errorf("waited for %+v", cell.batch)
			}
		}},
	relLookupOp("lookup HLR", hlrlookup.LookupHLR, (*hlrlookup.Client).LookupHLR),
	relLookupOp("lookup MNP", hlrlookup.LookupMNP, (*hlrlookup.Client).LookupMNP),
	relLookupOp("validate", hlrlookup.LookupValidate, (*hlrlookup.Client).ValidateNumbers),
	{name: "balance", kind: relRead, method: http.MethodPost, pattern: "/apiv2/balance",
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			var err error
			cell.credits, err = c.Balance(ctx)
			return err
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if cell.credits != hlrlookuptest.DefaultBalance {
				t.Errorf("balance %v, want %v", cell.credits, float64(hlrlookuptest.DefaultBalance))
			}
		}},
}

// relLookupOp is the matrix's operation for an instant lookup of relNumbers
// with call, the LookupOptions left nil (the SDK's defaults).
func relLookupOp(name string, kind hlrlookup.LookupKind, call func(*hlrlookup.Client, context.Context, []string, *hlrlookup.LookupOptions) ([]*hlrlookup.Result, error)) relOp {
	return relOp{name: name, kind: relLookup, method: http.MethodPost, pattern: "/apiv2/" + string(kind),
		run: func(ctx context.Context, c *hlrlookup.Client, cell *relCell) error {
			var err error
			cell.results, err = call(c, ctx, relNumbers, nil)
			return err
		},
		check: func(t *testing.T, _ *hlrlookuptest.Server, cell *relCell) {
			if len(cell.results) != len(relNumbers) {
				t.Fatalf("%d results, want %d", len(cell.results), len(relNumbers))
			}
			for i, r := range cell.results {
				if r == nil || r.TelephoneNumber != relNumbers[i] || !r.OK() {
					t.Errorf("result %d for %s: %+v", i, relNumbers[i], r)
				}
			}
		}}
}

// relWant is the expected outcome of one cell.
type relWant struct {
	ok         bool
	sent       int     // requests of the faulted kind the fake received
	is         []error // sentinels the error must match
	not        []error // sentinels it must not match
	apiStatus  int     // the *APIError's status; 0: no *APIError expected
	requestErr bool    // a *RequestError must be in the chain
	notSent    bool    // ... with Sent false
	batches    int     // create: batches on the fake afterwards
	charged    int     // lookups after an error: the fake's Charges of every number (after a success: 1)
	minElapsed time.Duration
}

// relFault is one row of the matrix.
type relFault struct {
	name        string
	faults      []hlrlookuptest.Fault // Method and Path are filled in from the operation
	refused     bool                  // the client talks to a closed port instead
	clock       bool                  // waits on the clock: run in a synctest bubble, in memory
	policy      hlrlookup.RetryPolicy
	timeout     time.Duration // a deadline on the call's context
	noKeepAlive bool
	maxElapsed  time.Duration
	want        func(op relOp) relWant
}

var relFaults = []relFault{
	{name: "503 twice", policy: relTiny,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 503, Times: 2}},
		want: func(op relOp) relWant {
			return relWant{ok: true, sent: 3, batches: 1}
		}},
	{name: "500 three times", policy: relTiny,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 500, Times: 3}},
		want: func(op relOp) relWant {
			if op.kind == relCreate { // a 500 may hide a created batch: never repeated
				return relWant{sent: 1, apiStatus: 500, is: []error{hlrlookup.ErrOutcomeUnknown, hlrlookup.ErrServer}}
			}
			return relWant{ok: true, sent: 4} // uploads: resent after reading the batch
		}},
	{name: "429 Retry-After 1", clock: true, policy: hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 3 * time.Second},
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 429, RetryAfter: "1"}},
		want: func(op relOp) relWant {
			return relWant{ok: true, sent: 2, batches: 1, minElapsed: 900 * time.Millisecond}
		}},
	{name: "429 Retry-After date", clock: true, policy: hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 3 * time.Second},
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 429, RetryAfter: "+2s"}},
		want: func(op relOp) relWant {
			// The date has whole seconds: the wait is between 1s and 2s.
			return relWant{ok: true, sent: 2, batches: 1, minElapsed: 500 * time.Millisecond}
		}},
	{name: "429 Retry-After 3600, capped", clock: true, policy: relTiny, maxElapsed: 2 * time.Second,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 429, RetryAfter: "3600"}},
		want: func(op relOp) relWant {
			return relWant{ok: true, sent: 2, batches: 1}
		}},
	{name: "429 Retry-After 3600 > deadline", clock: true, timeout: 5 * time.Second, maxElapsed: time.Second,
		policy: hlrlookup.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Hour},
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStatus, Status: 429, RetryAfter: "3600"}},
		want: func(op relOp) relWant {
			if op.kind == relWaitKind { // the next poll succeeds
				return relWant{ok: true, sent: 2}
			}
			return relWant{sent: 1, apiStatus: 429, is: []error{hlrlookup.ErrRateLimited}, not: []error{hlrlookup.ErrOutcomeUnknown}}
		}},
	{name: "connection refused", refused: true, policy: relTiny, maxElapsed: 5 * time.Second,
		want: func(op relOp) relWant {
			return relWant{sent: 0, requestErr: true, notSent: true, not: []error{hlrlookup.ErrOutcomeUnknown}}
		}},
	{name: "hang-up before applying", policy: relTiny, noKeepAlive: true,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultHangUpBefore}},
		want: func(op relOp) relWant {
			if op.kind == relCreate {
				return relWant{sent: 1, requestErr: true, is: []error{hlrlookup.ErrOutcomeUnknown}, batches: 0}
			}
			return relWant{ok: true, sent: 2}
		}},
	{name: "hang-up after applying", policy: relTiny, noKeepAlive: true,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultHangUpAfter}},
		want: func(op relOp) relWant {
			switch op.kind {
			case relCreate:
				return relWant{sent: 1, requestErr: true, is: []error{hlrlookup.ErrOutcomeUnknown}, batches: 1}
			case relUpload: // settled by reading the batch: stored, not sent again
				return relWant{ok: true, sent: 1}
			}
			return relWant{ok: true, sent: 2}
		}},
	{name: "body cut short", policy: relTiny,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultCutBody}},
		want: func(op relOp) relWant {
			switch op.kind {
			case relCreate: // created, but its ID never arrived
				return relWant{sent: 1, is: []error{hlrlookup.ErrOutcomeUnknown}, batches: 1}
			case relUpload, relCommand: // the answer's body is not needed
				return relWant{ok: true, sent: 1}
			case relDownload: // a stream cannot be taken back: the caller decides
				return relWant{sent: 1, is: []error{hlrlookup.ErrUnexpectedResponse, io.ErrUnexpectedEOF}}
			}
			return relWant{ok: true, sent: 2} // metadata reads are read again
		}},
	{name: "stall, deadline 300ms", clock: true, policy: relTiny, timeout: 300 * time.Millisecond, maxElapsed: 2 * time.Second,
		faults: []hlrlookuptest.Fault{{Kind: hlrlookuptest.FaultStall}},
		want: func(op relOp) relWant {
			w := relWant{sent: 1, is: []error{context.DeadlineExceeded}}
			if op.kind == relCreate || op.kind == relUpload || op.kind == relLookup { // sent: it may have arrived
				w.is = append(w.is, hlrlookup.ErrOutcomeUnknown)
			}
			return w
		}},
}

// relRealSocketCell is the one cell of a clock row that runs on a real
// socket, in real time: the Retry-After the bubble fakes, really waited out.
var relRealSocketCell = [2]string{"429 Retry-After 1", "get"}

// relEnv is what every cell of one run shares.
type relEnv struct {
	apiKey, secret string
	logger         *slog.Logger // nil: none
}

// relResult is what one cell observed.
type relResult struct {
	op, fault string
	err       error
	elapsed   time.Duration
	sent      int
	applied   int
	batches   int
	charges   []int // lookups: the fake's Charges of each of relNumbers
	log       []hlrlookuptest.Request
	client    *hlrlookup.Client
}

// relRefusedURL returns a loopback address where nothing listens. It uses
// 127.0.0.2 where the system allows, where no fake of this test listens,
// so the freed port cannot be taken by a parallel test.
func relRefusedURL(t *testing.T) string {
	t.Helper()
	for _, host := range []string{"127.0.0.2", "127.0.0.1"} {
		l, err := net.Listen("tcp", host+":0")
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		_ = l.Close()
		return "http://" + addr
	}
	t.Fatal("cannot find a closed loopback port")
	return ""
}

// relMatches reports whether a logged request is the one the faults target.
func relMatches(op relOp, id hlrlookup.BatchID, r hlrlookuptest.Request) bool {
	want := strings.ReplaceAll(op.pattern, "{id}", string(id))
	return r.Method == op.method && strings.TrimSuffix(r.Path, "/") == strings.TrimSuffix(want, "/")
}

// relTransport is the option that routes a client to the fake: none for the
// real-socket fake (the SDK's own transport dials it), its Transport for the
// in-memory one.
func relTransport(srv *hlrlookuptest.Server, inMemory bool) []hlrlookup.Option {
	opts := []hlrlookup.Option{hlrlookup.WithBaseURL(srv.URL), hlrlookup.WithLookupURL(srv.LookupURL())}
	if inMemory {
		opts = append(opts, hlrlookup.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
	}
	return opts
}

// relSetup brings a fresh fake to the state the operation needs.
func relSetup(t *testing.T, srv *hlrlookuptest.Server, inMemory bool, env relEnv, op relOp, cell *relCell) {
	t.Helper()
	ctx := t.Context()
	c, err := hlrlookup.NewClient(env.apiKey, env.secret, relTransport(srv, inMemory)...)
	if err != nil {
		t.Fatal(err)
	}
	cell.dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(cell.dir, "numbers.csv"), []byte(strings.Join(relNumbers, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if op.state == "" {
		return
	}
	b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "matrix.csv"})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	cell.id = b.ID
	if op.state == "NEW" {
		return
	}
	if err := c.UploadNumbers(ctx, b.ID, relNumbers); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if op.state == "READY" {
		return
	}
	if err := c.StartBatch(ctx, b.ID); err != nil {
		t.Fatalf("setup: %v", err)
	}
	if op.state == "PROCESSING" {
		return
	}
	if _, err := c.WaitForBatch(ctx, b.ID, relWaitOpts); err != nil {
		t.Fatalf("setup: %v", err)
	}
	var buf bytes.Buffer
	if _, err := c.DownloadTo(ctx, b.ID, hlrlookup.FormatCSV, &buf); err != nil {
		t.Fatalf("setup: %v", err)
	}
	cell.reference = buf.Bytes()
}

// relRunCell runs one operation under one fault on its own fake: in memory
// when inMemory (inside a synctest bubble), else on a loopback socket.
func relRunCell(t *testing.T, env relEnv, op relOp, f relFault, inMemory bool) (relResult, *relCell, *hlrlookuptest.Server) {
	t.Helper()
	// PerPoll processing keeps a started batch PROCESSING until it is read,
	// so that start, pause and wait have something to do.
	srvOpts := []hlrlookuptest.ServerOption{hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(100)),
		hlrlookuptest.WithAccount(env.apiKey, env.secret)}
	if inMemory {
		srvOpts = append(srvOpts, hlrlookuptest.WithoutNetwork())
	}
	srv := hlrlookuptest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	cell := &relCell{}
	relSetup(t, srv, inMemory, env, op, cell)
	srv.ResetRequests()

	opts := relTransport(srv, inMemory)
	if f.refused {
		refused := relRefusedURL(t)
		opts = []hlrlookup.Option{hlrlookup.WithBaseURL(refused), hlrlookup.WithLookupURL(refused + "/apiv2")}
	}
	opts = append(opts, hlrlookup.WithRetryPolicy(f.policy))
	if env.logger != nil {
		opts = append(opts, hlrlookup.WithLogger(env.logger))
	}
	if f.noKeepAlive {
		// net/http silently resends a bodyless GET once when a reused
		// keep-alive connection is hung up; without keep-alive every attempt
		// the fake logs is one the SDK made.
		opts = append(opts, hlrlookup.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
	}
	c, err := hlrlookup.NewClient(env.apiKey, env.secret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range f.faults {
		fl.Method, fl.Path = op.method, strings.ReplaceAll(op.pattern, "{id}", string(cell.id))
		if fl.RetryAfter == "+2s" {
			fl.RetryAfter = time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}
		srv.InjectFault(fl)
	}

	ctx := t.Context()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	start := time.Now()
	err = op.run(ctx, c, cell)
	res := relResult{op: op.name, fault: f.name, err: err, elapsed: time.Since(start), client: c}
	res.log = srv.Requests()
	for _, r := range res.log {
		if relMatches(op, cell.id, r) {
			res.sent++
			if r.Applied {
				res.applied++
			}
		}
	}
	if op.kind == relLookup {
		for _, n := range relNumbers {
			res.charges = append(res.charges, srv.Charges(n))
		}
	}
	for i := 1001; i < 1010; i++ {
		if _, ok := srv.Batch(fmt.Sprint(i)); ok {
			res.batches++
		}
	}
	return res, cell, srv
}

// relDescribe names an outcome for the printed matrix.
func relDescribe(op relOp, res relResult, fileLeft bool) string {
	var s string
	switch err := res.err; {
	case err == nil:
		s = fmt.Sprintf("ok, sent %d", res.sent)
	case errors.Is(err, hlrlookup.ErrOutcomeUnknown):
		s = "ErrOutcomeUnknown"
	case errors.Is(err, context.DeadlineExceeded):
		s = "DeadlineExceeded"
	case errors.Is(err, hlrlookup.ErrUnexpectedResponse):
		s = "ErrUnexpectedResponse"
	default:
		var (
			ae *hlrlookup.APIError
			re *hlrlookup.RequestError
		)
		if errors.As(err, &ae) {
			s = fmt.Sprintf("APIError %d", ae.StatusCode)
		} else if errors.As(err, &re) {
			s = fmt.Sprintf("RequestError (sent=%v)", re.Sent)
		} else {
			s = fmt.Sprintf("untyped %T", err)
		}
	}
	if res.err != nil {
		var (
			ae *hlrlookup.APIError
			re *hlrlookup.RequestError
		)
		if errors.As(res.err, &ae) && !strings.HasPrefix(s, "APIError") {
			s += fmt.Sprintf(" (%d)", ae.StatusCode)
		}
		if errors.As(res.err, &re) && res.sent == 0 {
			s += fmt.Sprintf(", %d attempts", re.Attempts)
		} else {
			s += fmt.Sprintf(", sent %d", res.sent)
		}
	}
	switch op.kind {
	case relCreate:
		s += fmt.Sprintf(", %d batch", res.batches)
		if res.batches != 1 {
			s += "es"
		}
	case relUpload:
		if res.err == nil {
			s += ", stored once"
		}
	case relLookup:
		switch {
		case slices.Max(res.charges) == 0:
			s += ", none charged"
		case slices.Min(res.charges) == 1 && slices.Max(res.charges) == 1:
			s += ", each charged once"
		default:
			s += fmt.Sprintf(", charges %v", res.charges)
		}
	}
	if op.name == "download to file" && res.err != nil && !fileLeft {
		s += ", no file"
	}
	return s
}

// relCheckTyped fails unless err is one of the SDK's typed errors.
func relCheckTyped(t *testing.T, err error) {
	t.Helper()
	var (
		ae *hlrlookup.APIError
		re *hlrlookup.RequestError
	)
	isAPI, isReq := errors.As(err, &ae), errors.As(err, &re)
	if !isAPI && !isReq && !errors.Is(err, hlrlookup.ErrOutcomeUnknown) && !errors.Is(err, hlrlookup.ErrUnexpectedResponse) {
		t.Errorf("error %T is not classified: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), "hlrlookup: ") {
		t.Errorf("error does not say where it comes from: %v", err)
	}
}

// TestFaultMatrix runs every cell of the matrix and checks its outcome.
// Every cell also hunts for the secret, with a debug logger: in the error
// (and every error in its chain, in every format), the client's formatting
// and the fake's log; and, once all cells ran, in the logs of all.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	logs := &hlrlookup.LogSink{}
	env := relEnv{apiKey: "leak-test-key", secret: secSecret,
		logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	var (
		mu       sync.Mutex
		outcomes = map[[2]string]string{}
		failures int
	)
	// The clock rows keep exactly one real-socket cell: relRealSocketCell
	// must name a cell of a clock row, or the real wait silently goes.
	realSocket := 0
	for _, f := range relFaults {
		for _, op := range relOps {
			if f.clock && [2]string{f.name, op.name} == relRealSocketCell {
				realSocket++
			}
		}
	}
	if realSocket != 1 {
		t.Errorf("relRealSocketCell %q names %d cells of the clock rows, want 1", relRealSocketCell, realSocket)
	}
	t.Run("cells", func(t *testing.T) {
		for _, f := range relFaults {
			for _, op := range relOps {
				t.Run(f.name+"/"+op.name, func(t *testing.T) {
					t.Parallel()
					inMemory := f.clock && [2]string{f.name, op.name} != relRealSocketCell
					cell := func(t *testing.T) {
						relCheckCell(t, env, op, f, inMemory, func(outcome string, failed bool) {
							mu.Lock()
							defer mu.Unlock()
							outcomes[[2]string{op.name, f.name}] = outcome
							if failed {
								failures++
							}
						})
					}
					if inMemory {
						synctest.Test(t, cell)
					} else {
						cell(t)
					}
				})
			}
		}
	})

	// The matrix, operation by fault.
	var b strings.Builder
	relPrintMatrix(&b, outcomes)
	t.Log("fault matrix (operation x fault -> outcome; sent = requests of that operation the fake received):\n" + b.String())

	all := logs.String()
	secFind(t, "logs", all)
	// The hunt must be able to fail: the logs were written, at debug level,
	// and the failures were many.
	if !strings.Contains(all, "level=DEBUG") || !strings.Contains(all, "will retry") || !strings.Contains(all, "leak") {
		t.Errorf("the debug logs are missing:\n%.500s", all)
	}
	if failures < 40 {
		t.Errorf("only %d failing cells; the matrix did not run", failures)
	}
}

// relCheckCell runs one cell and checks its outcome, then hunts for the
// secret in all it produced; report receives the outcome for the printed
// matrix and whether the operation failed.
func relCheckCell(t *testing.T, env relEnv, op relOp, f relFault, inMemory bool, report func(outcome string, failed bool)) {
	want := f.want(op)
	res, cell, srv := relRunCell(t, env, op, f, inMemory)
	relHuntSecret(t, env, res)
	fileLeft := false
	if op.name == "download to file" {
		entries, _ := os.ReadDir(cell.dir)
		for _, e := range entries {
			switch {
			case e.Name() == "numbers.csv":
			case e.Name() == "results.csv" && res.err == nil:
			default:
				fileLeft = true
				t.Errorf("left %s in the target directory after %v", e.Name(), res.err)
			}
		}
	}
	report(relDescribe(op, res, fileLeft), res.err != nil)

	if res.sent != want.sent {
		t.Errorf("the fake got %d %s %s requests, want %d; log:\n%s", res.sent, op.method, op.pattern, want.sent, relLogString(res.log))
	}
	if want.minElapsed > 0 && res.elapsed < want.minElapsed {
		t.Errorf("took %s; Retry-After asked for at least %s", res.elapsed, want.minElapsed)
	}
	if f.maxElapsed > 0 && res.elapsed > f.maxElapsed {
		t.Errorf("took %s, want at most %s", res.elapsed, f.maxElapsed)
	}
	if op.kind == relLookup {
		// Never charged twice; charged once exactly when the results came
		// back (the rows' faults never leave a lookup applied without an
		// answer the repeat can fetch from the private cache).
		wantCharges := want.charged
		if want.ok {
			wantCharges = 1
		}
		for i, n := range res.charges {
			if n != wantCharges {
				t.Errorf("%s charged %d times, want %d (every number 0 or 1); log:\n%s", relNumbers[i], n, wantCharges, relLogString(res.log))
			}
		}
		if len(res.charges) != len(relNumbers) {
			t.Errorf("charges of %d numbers, want %d", len(res.charges), len(relNumbers))
		}
	}
	if op.kind == relCreate && res.batches != want.batches {
		t.Errorf("%d batches on the fake, want %d (sent %d, applied %d)", res.batches, want.batches, res.sent, res.applied)
	}
	if want.ok {
		if res.err != nil {
			t.Fatalf("failed: %v; log:\n%s", res.err, relLogString(res.log))
		}
		op.check(t, srv, cell)
		return
	}
	if res.err == nil {
		t.Fatalf("succeeded; want an error; log:\n%s", relLogString(res.log))
	}
	relCheckTyped(t, res.err)
	for _, s := range want.is {
		if !errors.Is(res.err, s) {
			t.Errorf("error does not match %v: %v", s, res.err)
		}
	}
	for _, s := range want.not {
		if errors.Is(res.err, s) {
			t.Errorf("error matches %v: %v", s, res.err)
		}
	}
	if want.apiStatus != 0 {
		var ae *hlrlookup.APIError
		if !errors.As(res.err, &ae) || ae.StatusCode != want.apiStatus {
			t.Errorf("want an *APIError %d in the chain: %v", want.apiStatus, res.err)
		}
	}
	if want.requestErr {
		var re *hlrlookup.RequestError
		switch {
		case !errors.As(res.err, &re):
			t.Errorf("want a *RequestError in the chain: %v", res.err)
		case want.notSent && (re.Sent || re.Attempts != f.policy.MaxRetries+1):
			t.Errorf("RequestError Sent %v after %d attempts; want not sent, %d attempts", re.Sent, re.Attempts, f.policy.MaxRetries+1)
		}
	}
	if op.kind == relUpload {
		if st, ok := srv.Batch(string(cell.id)); ok && (st.Uploads != 0 || st.NumItems != 0) {
			t.Errorf("the upload failed but the batch holds %d items", st.NumItems)
		}
	}
}

// relPrintMatrix writes the outcomes as an aligned table, one row per
// operation and fault.
func relPrintMatrix(w io.Writer, outcomes map[[2]string]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tfault\toutcome")
	fmt.Fprintln(tw, "---------\t-----\t-------")
	for _, op := range relOps {
		for _, f := range relFaults {
			if o, ok := outcomes[[2]string{op.name, f.name}]; ok {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", op.name, f.name, o)
			}
		}
	}
	_ = tw.Flush()
}

func relLogString(log []hlrlookuptest.Request) string {
	var b strings.Builder
	for _, r := range log {
		b.WriteString("  ")
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestDeleteNotFoundAfterRetry: a 404 on a retry counts as "deleted by our
// earlier attempt" only when that attempt may have acted; after a 429 or
// 503, which the service answers without acting, the 404 is the truth.
func TestDeleteNotFoundAfterRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    hlrlookuptest.Fault
		existing bool
		wantErr  error // nil: success
	}{
		{"503, then 404 for a batch that never existed", hlrlookuptest.Fault{Status: 503}, false, hlrlookup.ErrBatchNotFound},
		{"429, then 404 for a batch that never existed", hlrlookuptest.Fault{Status: 429}, false, hlrlookup.ErrBatchNotFound},
		{"502, then 404: the gateway may have passed it on", hlrlookuptest.Fault{Status: 502}, false, nil},
		{"no answer, then 404: cannot be told from a delete that arrived", hlrlookuptest.Fault{Kind: hlrlookuptest.FaultHangUpBefore}, false, nil},
		{"applied, no answer, then 404", hlrlookuptest.Fault{Kind: hlrlookuptest.FaultHangUpAfter}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			c := srv.Client(hlrlookup.WithRetryPolicy(relTiny),
				hlrlookup.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
			id := hlrlookup.BatchID("9999")
			if tt.existing {
				b, err := c.CreateBatch(t.Context(), hlrlookup.NewBatch{})
				if err != nil {
					t.Fatal(err)
				}
				id = b.ID
			}
			tt.fault.Method = http.MethodDelete
			srv.InjectFault(tt.fault)
			err := c.DeleteBatch(t.Context(), id)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("DeleteBatch: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("DeleteBatch = %v, want %v", err, tt.wantErr)
			}
			if n := len(srv.Requests()) - map[bool]int{true: 1, false: 0}[tt.existing]; n != 2 {
				t.Errorf("%d DELETE requests, want 2", n)
			}
			if _, ok := srv.Batch(string(id)); ok {
				t.Errorf("batch %s still exists", id)
			}
		})
	}
}
