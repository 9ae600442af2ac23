package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// demoNumbers is the sample file of 'hlrbatch demo': names in column A,
// numbers in column B, two of them malformed.
//
//go:embed demo_numbers.csv
var demoNumbers []byte

// demoLookupNumbers are the numbers the demo looks up after its batch: two
// of the sample file's, which look the same as in the batch's results, and
// one the service cannot read.
var demoLookupNumbers = []string{"+447700900001", "+447911123456", "12345"}

// demoBalance is the credit the demo's account starts with, so that the
// balance it shows is a round number less what the demo spent.
const demoBalance = 1000

// demoPerPoll is how many numbers the demo's fake service completes per poll,
// so that the progress bar moves.
const demoPerPoll = 4

var demoCommand = &command{
	name:    "demo",
	summary: "see the whole flow against the built-in fake service, no account needed",
	help: `Run 'hlrbatch run' on a sample file of 40 numbers against the built-in fake
service (package hlrlookuptest, in memory): no account, no credentials, no
credits, and made-up results. It shows the progress and the summary a real
batch gives, then 'hlrbatch lookup' of three numbers and 'hlrbatch balance'
(the fake's account starts with 1000 credits). With --json the batch's summary
is the JSON on standard output; the rest goes to standard error.`,
	example: `hlrbatch demo
hlrbatch demo --out demo_results.csv`,
	run: cmdDemo,
}

func cmdDemo(ctx context.Context, a *app, c *command, args []string) error {
	inv := a.newInvocation(c)
	out := inv.fs.String("out", "", "save the made-up results to this `FILE`")
	format := inv.fs.String("format", "csv", "the `FORMAT` of --out: csv or json")
	poll := inv.pollFlag(250 * time.Millisecond)
	if _, err := inv.parse(args, 0, 0); err != nil {
		return err
	}
	f, err := parseFormat(*format)
	if err != nil {
		return err
	}
	if *poll <= 0 {
		return usagef("--poll-interval must be positive")
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	notice := a.stdout
	if inv.json {
		notice = a.stderr // keep standard output pure JSON
	}
	fmt.Fprintln(notice, "hlrbatch demo: this uses the built-in fake service (in memory: no account, no credits, made-up results).")

	srv := hlrlookuptest.NewServer(hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(demoPerPoll)),
		hlrlookuptest.WithBalance(demoBalance))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "hlrbatch-demo-")
	if err != nil {
		return err
	}
	removeDir := func() { _ = os.RemoveAll(dir) }
	defer guard.hold(removeDir)()
	defer removeDir()
	sample := filepath.Join(dir, "demo_numbers.csv")
	if err := os.WriteFile(sample, demoNumbers, 0o600); err != nil {
		return err
	}
	cmdline := "$ hlrbatch run demo_numbers.csv --column B"
	if *out != "" {
		cmdline += " --out " + *out
	}
	fmt.Fprintln(notice, cmdline)

	client := srv.Client(hlrlookup.WithUserAgent(userAgent))
	err = a.runBatch(ctx, client, runParams{
		file: sample, filename: "demo_numbers.csv", column: hlrlookup.ColumnB,
		out: *out, format: f, poll: *poll, json: inv.json, demo: true,
	})
	if err == nil {
		err = demoLookups(ctx, notice, client)
	}
	var intr *interruptedError
	if errors.As(err, &intr) {
		return &interruptedError{"interrupted; the demo's fake service stopped with it"}
	}
	if err != nil {
		return err
	}
	printDemoNext(notice)
	return nil
}

// demoLookups shows 'hlrbatch lookup' and 'hlrbatch balance' on w.
func demoLookups(ctx context.Context, w io.Writer, client *hlrlookup.Client) error {
	fmt.Fprintf(w, "\n$ hlrbatch lookup %s\n", strings.Join(demoLookupNumbers, " "))
	results, err := client.LookupHLR(ctx, demoLookupNumbers, nil)
	if err != nil {
		return err
	}
	if err := printLookupTable(w, results); err != nil {
		return err
	}
	printLookupTotals(w, hlrlookup.LookupHLR, results)
	fmt.Fprintln(w, "\n$ hlrbatch balance")
	left, err := client.Balance(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s credits\n", credits(left))
	return nil
}

// printDemoNext says how to run a real batch.
func printDemoNext(w io.Writer) {
	fmt.Fprintf(w, `
To run a batch of your own:
  export %s=...  %s=...
  hlrbatch run numbers.csv --column B --out results.csv
  hlrbatch lookup +447700900001
`, envAPIKey, envSecret)
}
