package main

import (
	"context"
	"fmt"
	"os"

	"github.com/seed682fd871/hlrlookup"
)

var uploadCommand = &command{
	name:    "upload",
	args:    "ID FILE",
	summary: "upload numbers to a batch that has no data yet",
	help: `Upload FILE as the data of batch ID (POST /batches/{id}/source), streamed, with
a progress bar on a terminal. A batch takes data once. --column says which
column of a CSV file holds the numbers.

` + stdinHelp,
	example: `hlrbatch upload 1001 customers.csv --column B
cut -d, -f2 customers.csv | hlrbatch upload 1001 -`,
	run: apiCommand(2, 2, uploadSteps),
}

func uploadSteps(inv *invocation) apiSteps[hlrlookup.Batch] {
	col := inv.fs.String("column", "A", "which column holds the numbers (`COL`): a letter (A, B, AA) or a zero-based number")
	var (
		column hlrlookup.Column
		file   string
	)
	return apiSteps[hlrlookup.Batch]{
		check: func(pos []string) (err error) {
			file = pos[1]
			column, err = parseColumn(*col)
			return err
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*hlrlookup.Batch, error) {
			id := hlrlookup.BatchID(pos[0])
			if err := inv.a.uploadInput(ctx, client, id, file, column); err != nil {
				return nil, err
			}
			return client.GetBatch(ctx, id)
		},
		text: func(a *app, b *hlrlookup.Batch) error {
			fmt.Fprintf(a.stdout, "Uploaded %s to batch %s: %d numbers\n", displayName(file), b.ID, b.NumItems)
			fmt.Fprintf(a.stderr, "Start it with: hlrbatch start %s\n", b.ID)
			return nil
		},
	}
}

// displayName names an input file for messages.
func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

// completeBatch reads batch id and refuses, with the next step, one whose
// results are not ready.
func completeBatch(ctx context.Context, client *hlrlookup.Client, id hlrlookup.BatchID) (*hlrlookup.Batch, error) {
	b, err := client.GetBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if !b.Status.Complete() {
		return nil, fmt.Errorf("batch %s is %s, %s done: results are ready once it is COMPLETE; wait for it with: hlrbatch wait %s",
			b.ID, cell(string(b.Status)), doneString(b), b.ID)
	}
	return b, nil
}

// parseFormat reads --format.
func parseFormat(s string) (hlrlookup.Format, error) {
	switch f := hlrlookup.Format(s); f {
	case hlrlookup.FormatCSV, hlrlookup.FormatJSON:
		return f, nil
	}
	return "", usagef("bad --format %q: give csv or json", s)
}

var downloadCommand = &command{
	name:    "download",
	args:    "ID",
	summary: "download a batch's results",
	help: `Download the results of a complete batch (GET /batches/{id}/results) as CSV
or JSON. With --out the file appears only once it is whole (never a partial
file under that name); without it the results stream to standard output.
With --json and no --out the results are printed as JSON.`,
	example: `hlrbatch download 1001 --out results.csv
hlrbatch download 1001 --format json > results.json`,
	run: apiCommand(1, 1, downloadSteps),
}

// saved is the JSON form of results saved to a file.
type saved struct {
	BatchID hlrlookup.BatchID `json:"batch_id"`
	Bytes   int64             `json:"bytes"`
	File    string            `json:"file"`
	Format  hlrlookup.Format  `json:"format"`
}

func downloadSteps(inv *invocation) apiSteps[saved] {
	format := inv.fs.String("format", "csv", "the results `FORMAT`: csv or json")
	out := inv.fs.String("out", "", "save to this `FILE` instead of standard output")
	var f hlrlookup.Format
	toStdout := false
	return apiSteps[saved]{
		check: func([]string) (err error) {
			if f, err = parseFormat(*format); err != nil {
				return err
			}
			toStdout = *out == "" || *out == "-"
			if inv.json && toStdout {
				if inv.set("format") && f != hlrlookup.FormatJSON {
					return usagef("--json prints the results as JSON; it cannot be combined with --format %s unless --out is given", f)
				}
				f = hlrlookup.FormatJSON
			}
			return nil
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*saved, error) {
			b, err := completeBatch(ctx, client, hlrlookup.BatchID(pos[0]))
			if err != nil {
				return nil, err
			}
			if toStdout {
				_, err := client.DownloadTo(ctx, b.ID, f, inv.a.resultsOut())
				return nil, err // the results are the output
			}
			release := guard.hold(nil) // DownloadFile removes its temporary file when ctx ends
			n, err := client.DownloadFile(ctx, b.ID, f, *out)
			release()
			if err != nil {
				return nil, err
			}
			return &saved{BatchID: b.ID, Bytes: n, File: *out, Format: f}, nil
		},
		text: func(a *app, s *saved) error {
			fmt.Fprintf(a.stdout, "Saved the results of batch %s to %s (%s, %s)\n", s.BatchID, s.File, s.Format, bytesSize(s.Bytes))
			return nil
		},
	}
}

var resultsCommand = &command{
	name:    "results",
	args:    "ID | --file FILE",
	summary: "summarise a batch's results",
	help: `Summarise the results of a complete batch: rows, credits spent, lookup errors,
and counts by live_status and telephone_number_type. ID streams the results
from the service (GET /batches/{id}/results) without saving them; --file reads
a saved download (CSV or JSON) instead and needs no credentials.`,
	example: `hlrbatch results 1001
hlrbatch results --file results.csv --json`,
	run: cmdResults,
}

func cmdResults(ctx context.Context, a *app, c *command, args []string) error {
	inv := a.newInvocation(c)
	inv.apiFlags()
	file := inv.fs.String("file", "", "summarise this saved results `FILE` instead")
	pos, err := inv.parse(args, 0, 1)
	if err != nil {
		return err
	}
	var s *summary
	switch {
	case *file != "" && len(pos) == 1:
		return usagef("give either ID or --file, not both")
	case *file != "":
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		if s, err = summarize(hlrlookup.ReadResults(f)); err != nil {
			return fmt.Errorf("read %s: %w", *file, err)
		}
		s.File = *file
	case len(pos) == 1:
		client, err := inv.client()
		if err != nil {
			return err
		}
		b, err := completeBatch(ctx, client, hlrlookup.BatchID(pos[0]))
		if err != nil {
			return err
		}
		if s, err = summarize(client.Results(ctx, b.ID)); err != nil {
			return err
		}
		s.Batch = b
	default:
		return usagef("give a batch ID or --file")
	}
	return inv.output(s, func() error { return printSummary(a.stdout, s) })
}
