package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

var runCommand = &command{
	name:    "run",
	args:    "FILE",
	summary: "create, upload, start and wait for a batch, then summarise it",
	help: `Run a whole batch: create it, upload FILE, start it, wait for it with a
progress bar (numbers done/total, rate, ETA) on a terminal, then print a
summary of the results: counts by live_status and number type, credits spent.
--out also saves the results; without it they stay on the service (see
'hlrbatch download'). --no-wait stops after the start and prints the batch ID.
Ctrl-C while waiting stops waiting only: the batch keeps running.

` + stdinHelp,
	example: `hlrbatch run numbers.csv --column B --out results.csv
grep -o '+[0-9]*' contacts.txt | hlrbatch run - --no-wait`,
	run: cmdRun,
}

// runParams is what 'run' (and 'demo') do.
type runParams struct {
	file      string // a path, or "-" for standard input
	filename  string // the batch's name
	column    hlrlookup.Column
	arguments *hlrlookup.BatchArguments
	out       string // where to save the results; "" keeps them on the service
	format    hlrlookup.Format
	noWait    bool
	poll      time.Duration // 0 means the SDK's default polling
	json      bool
	demo      bool // the service goes away afterwards: no hints about later commands
}

func cmdRun(ctx context.Context, a *app, c *command, args []string) error {
	inv := a.newInvocation(c)
	inv.apiFlags()
	col := inv.fs.String("column", "A", "which column holds the numbers (`COL`): a letter (A, B, AA) or a zero-based number")
	filename := inv.fs.String("filename", "", "the batch's `NAME` in your account (default FILE's base name)")
	bargs := inv.batchArgs()
	out := inv.fs.String("out", "", "save the results to this `FILE`")
	format := inv.fs.String("format", "csv", "the `FORMAT` of --out: csv or json")
	noWait := inv.fs.Bool("no-wait", false, "start the batch, print its ID and exit without waiting")
	poll := inv.pollFlag(0)
	pos, err := inv.parse(args, 1, 1)
	if err != nil {
		return err
	}
	p := runParams{file: pos[0], filename: *filename, out: *out, noWait: *noWait, poll: *poll, json: inv.json}
	if p.column, err = parseColumn(*col); err != nil {
		return err
	}
	if p.format, err = parseFormat(*format); err != nil {
		return err
	}
	if inv.set("format") && p.out == "" {
		return usagef("--format is the format of the file --out writes: add --out")
	}
	if p.noWait && p.out != "" {
		return usagef("--no-wait and --out do not go together: download later with 'hlrbatch download ID --out FILE'")
	}
	if p.poll < 0 {
		return usagef("--poll-interval must be positive")
	}
	if p.arguments, err = bargs.arguments(); err != nil {
		return err
	}
	if p.filename == "" {
		p.filename = filepath.Base(p.file)
		if p.file == "-" {
			p.filename = "stdin.csv"
		}
	}
	if err := checkOut(p.out); err != nil {
		return err
	}
	if p.file != "-" {
		// Refuse a missing file before creating a batch for it.
		if fi, err := os.Stat(p.file); err != nil {
			return err
		} else if !fi.Mode().IsRegular() {
			return usagef("%s is not a regular file", p.file)
		}
	}
	client, err := inv.client()
	if err != nil {
		return err
	}
	return a.runBatch(ctx, client, p)
}

// checkOut refuses, before a batch is created and paid for, an --out that
// DownloadFile would refuse once the results are ready: anything but a
// regular file or a new name in an existing directory. "" is no --out.
func checkOut(out string) error {
	if out == "" {
		return nil
	}
	if fi, err := os.Lstat(out); err == nil {
		switch m := fi.Mode(); {
		case m.IsDir():
			return usagef("--out %s is a directory: give a file name", out)
		case m&os.ModeSymlink != 0:
			return usagef("--out %s is a symbolic link, which is neither followed nor replaced: give the path of the file itself or a new name", out)
		case !m.IsRegular():
			return usagef("--out %s is not a regular file (%v): give a regular file, which is replaced, or a new name", out, m.Type())
		}
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return usagef("--out %s: its directory %s does not exist or is not a directory", out, filepath.Dir(out))
	}
	return nil
}

// runBatch creates, uploads, starts and waits for a batch, then downloads or
// summarises its results. It is the one code path of 'run' and 'demo'.
func (a *app) runBatch(ctx context.Context, client *hlrlookup.Client, p runParams) error {
	b, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: p.filename, Arguments: p.arguments})
	if err != nil {
		return err
	}
	id := b.ID
	fmt.Fprintf(a.stderr, "Created batch %s (%s)\n", id, p.filename)
	if err := a.uploadInput(ctx, client, id, p.file, p.column); err != nil {
		if ctx.Err() != nil {
			return &interruptedError{fmt.Sprintf("interrupted during the upload; batch %s was created but not started. Check it with: hlrbatch get %s", id, id)}
		}
		return fmt.Errorf("%w\nBatch %s was created but not started; check it with: hlrbatch get %s", err, id, id)
	}
	if err := client.StartBatch(ctx, id); err != nil {
		return fmt.Errorf("%w\nBatch %s holds the data but did not start; try: hlrbatch start %s", err, id, id)
	}
	if b, err = client.GetBatch(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "Started batch %s: %d numbers\n", id, b.NumItems)
	if p.noWait {
		if p.json {
			return printJSON(a.stdout, b)
		}
		fmt.Fprintln(a.stdout, id)
		fmt.Fprintf(a.stderr, "The batch runs on without hlrbatch. Follow it with: hlrbatch wait %s\nThen summarise it with: hlrbatch results %s, or save it with: hlrbatch download %s --out results.csv\n", id, id, id)
		return nil
	}
	if b, err = a.waitBatch(ctx, client, id, p.poll); err != nil {
		return err
	}
	var s *summary
	if p.out != "" {
		release := guard.hold(nil) // DownloadFile removes its temporary file when ctx ends
		n, err := client.DownloadFile(ctx, id, p.format, p.out)
		release()
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Saved the results to %s (%s)\n", p.out, bytesSize(n))
		f, err := os.Open(p.out)
		if err != nil {
			return err
		}
		defer f.Close()
		if s, err = summarize(hlrlookup.ReadResults(f)); err != nil {
			return fmt.Errorf("read %s: %w", p.out, err)
		}
		s.File, s.Format = p.out, p.format
	} else if s, err = summarize(client.Results(ctx, id)); err != nil {
		return err
	}
	s.Batch = b
	if p.json {
		return printJSON(a.stdout, s)
	}
	if err := printSummary(a.stdout, s); err != nil {
		return err
	}
	if p.out == "" && !p.demo {
		fmt.Fprintf(a.stderr, "The results stay on the service; save them with: hlrbatch download %s --out results.csv\n", id)
	}
	return nil
}

var waitCommand = &command{
	name:    "wait",
	args:    "ID",
	summary: "wait for a batch to complete, showing progress",
	help: `Wait for a batch to complete (polling GET /batches/{id}), with a progress bar
(numbers done/total, rate, ETA) on a terminal and a line per change
elsewhere. Ctrl-C stops waiting only: the batch keeps running, and
'hlrbatch wait ID' picks up again. A batch that fails exits with code 1.`,
	example: `hlrbatch wait 1001
hlrbatch wait 1001 --poll-interval 30s && hlrbatch download 1001 --out results.csv`,
	run: apiCommand(1, 1, waitSteps),
}

func waitSteps(inv *invocation) apiSteps[hlrlookup.Batch] {
	poll := inv.pollFlag(0)
	return apiSteps[hlrlookup.Batch]{
		check: func([]string) error {
			if *poll < 0 {
				return usagef("--poll-interval must be positive")
			}
			return nil
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*hlrlookup.Batch, error) {
			return inv.a.waitBatch(ctx, client, hlrlookup.BatchID(pos[0]), *poll)
		},
		text: func(a *app, b *hlrlookup.Batch) error {
			fmt.Fprintf(a.stdout, "Batch %s is %s: %s done\n", b.ID, cell(string(b.Status)), doneString(b))
			fmt.Fprintf(a.stderr, "Next: hlrbatch results %s, or hlrbatch download %s --out results.csv\n", b.ID, b.ID)
			return nil
		},
	}
}

// waitBatch waits for batch id to complete, showing progress on standard
// error. Interrupted, it says how to resume; the batch keeps running.
func (a *app) waitBatch(ctx context.Context, client *hlrlookup.Client, id hlrlookup.BatchID, poll time.Duration) (*hlrlookup.Batch, error) {
	fmt.Fprintf(a.stderr, "Waiting for batch %s (Ctrl-C stops waiting; the batch keeps running)\n", id)
	bar := newProgress(a.progressOut(), a.stderrTTY, true, "batch "+cell(string(id)), items)
	warned := false
	opts := &hlrlookup.WaitOptions{OnProgress: func(b *hlrlookup.Batch) {
		if b.Status == hlrlookup.StatusPaused && !warned {
			warned = true
			bar.finish()
			fmt.Fprintf(a.stderr, "Batch %s is PAUSED and will not progress until resumed: hlrbatch resume %s\n", id, id)
		}
		bar.update(int64(b.NumComplete), int64(b.NumItems))
	}}
	if poll > 0 {
		opts.PollInterval, opts.MaxPollInterval = poll, poll
	}
	b, err := client.WaitForBatch(ctx, id, opts)
	bar.finish()
	if err != nil && ctx.Err() != nil {
		return nil, &interruptedError{fmt.Sprintf("interrupted; the batch keeps running. Resume waiting with: hlrbatch wait %s", id)}
	}
	return b, err
}
