package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

var listCommand = &command{
	name:    "list",
	summary: "list your batches, oldest first",
	help: `List the account's batches (GET /batches/), one page at a time: --offset
and --limit pick the page, --all reads every page.`,
	example: `hlrbatch list
hlrbatch list --all --json`,
	run: apiCommand(0, 0, listSteps),
}

func listSteps(inv *invocation) apiSteps[batchList] {
	offset := inv.fs.Int("offset", 0, "skip the first `N` batches")
	limit := inv.fs.Int("limit", 0, "show at most `N` batches per page (default: the service's, 10)")
	all := inv.fs.Bool("all", false, "read every page")
	return apiSteps[batchList]{
		check: func([]string) error {
			if *offset < 0 || *limit < 0 {
				return usagef("--offset and --limit must not be negative")
			}
			return nil
		},
		call: func(ctx context.Context, client *hlrlookup.Client, _ []string) (*batchList, error) {
			opts := &hlrlookup.ListOptions{Offset: *offset, Limit: *limit}
			var list batchList
			if *all {
				list.Offset = *offset
				for b, err := range client.AllBatches(ctx, opts) {
					if err != nil {
						return nil, err
					}
					list.Batches = append(list.Batches, b)
				}
				list.Total = *offset + len(list.Batches)
			} else {
				page, err := client.ListBatches(ctx, opts)
				if err != nil {
					return nil, err
				}
				list = batchList{Total: page.Total, Offset: page.Offset, Limit: page.Limit, Batches: page.Batches}
			}
			if list.Batches == nil {
				list.Batches = []*hlrlookup.Batch{}
			}
			return &list, nil
		},
		text: func(a *app, list *batchList) error {
			if len(list.Batches) == 0 {
				fmt.Fprintln(a.stderr, "no batches")
				return nil
			}
			if err := printBatchList(a.stdout, list.Batches); err != nil {
				return err
			}
			if next := list.Offset + len(list.Batches); !*all && next < list.Total {
				more := fmt.Sprintf("--offset %d", next)
				if *limit > 0 {
					more += fmt.Sprintf(" --limit %d", *limit)
				}
				fmt.Fprintf(a.stderr, "showing %d-%d of %d; next page: hlrbatch list %s\n", list.Offset+1, next, list.Total, more)
			}
			return nil
		},
	}
}

var getCommand = &command{
	name:    "get",
	args:    "ID",
	summary: "show one batch",
	help:    `Show a batch's status, progress and settings (GET /batches/{id}).`,
	example: `hlrbatch get 1001
hlrbatch get 1001 --json`,
	run: apiCommand(1, 1, getSteps),
}

func getSteps(*invocation) apiSteps[hlrlookup.Batch] {
	return apiSteps[hlrlookup.Batch]{
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*hlrlookup.Batch, error) {
			return client.GetBatch(ctx, hlrlookup.BatchID(pos[0]))
		},
		text: func(a *app, b *hlrlookup.Batch) error { return printBatch(a.stdout, b) },
	}
}

var createCommand = &command{
	name:    "create",
	summary: "create an empty batch",
	help: `Create an empty batch (POST /batches/) and print its ID. Upload data to it
next with 'hlrbatch upload', then start it. 'hlrbatch run' does all of it.`,
	example: `hlrbatch create --filename march.csv --cache-days-private 7`,
	run:     apiCommand(0, 0, createSteps),
}

func createSteps(inv *invocation) apiSteps[hlrlookup.Batch] {
	filename := inv.fs.String("filename", "", "the batch's `NAME` in your account")
	typ := inv.fs.String("type", string(hlrlookup.BatchTypeHLRV2), "the batch `TYPE`: HLR_V2 or HLR_LOOKUP")
	bargs := inv.batchArgs()
	var arguments *hlrlookup.BatchArguments
	return apiSteps[hlrlookup.Batch]{
		check: func([]string) (err error) {
			arguments, err = bargs.arguments()
			return err
		},
		call: func(ctx context.Context, client *hlrlookup.Client, _ []string) (*hlrlookup.Batch, error) {
			return client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: *filename, Type: hlrlookup.BatchType(*typ), Arguments: arguments})
		},
		text: func(a *app, b *hlrlookup.Batch) error {
			fmt.Fprintf(a.stdout, "Created batch %s\n", b.ID)
			fmt.Fprintf(a.stderr, "Next: hlrbatch upload %s FILE\n", b.ID)
			return nil
		},
	}
}

// stateCommand builds start, pause and resume: one PUT, then the batch.
func stateCommand(name, summary, help, done, next string, call func(*hlrlookup.Client, context.Context, hlrlookup.BatchID) error) *command {
	c := &command{name: name, args: "ID", summary: summary, help: help, example: "hlrbatch " + name + " 1001"}
	c.run = apiCommand(1, 1, func(*invocation) apiSteps[hlrlookup.Batch] {
		return apiSteps[hlrlookup.Batch]{
			call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*hlrlookup.Batch, error) {
				id := hlrlookup.BatchID(pos[0])
				if err := call(client, ctx, id); err != nil {
					return nil, err
				}
				return client.GetBatch(ctx, id)
			},
			text: func(a *app, b *hlrlookup.Batch) error {
				fmt.Fprintf(a.stdout, "%s batch %s: %s, %s done\n", done, b.ID, cell(string(b.Status)), doneString(b))
				if next != "" {
					fmt.Fprintf(a.stderr, next+"\n", b.ID)
				}
				return nil
			},
		}
	})
	return c
}

var startCommand = stateCommand("start", "start a batch that has data",
	`Start processing a batch that has data (PUT /batches/{id}/ with status
PROCESSING). Follow it with 'hlrbatch wait ID'.`,
	"Started", "Follow it with: hlrbatch wait %s", (*hlrlookup.Client).StartBatch)

var pauseCommand = stateCommand("pause", "pause a running batch",
	`Pause a running batch (PUT /batches/{id}/ with status PAUSED). Nothing is
lost: 'hlrbatch resume ID' carries on where it stopped.`,
	"Paused", "Resume it with: hlrbatch resume %s", (*hlrlookup.Client).PauseBatch)

var resumeCommand = stateCommand("resume", "resume a paused batch",
	`Resume a paused batch (PUT /batches/{id}/ with status PROCESSING).`,
	"Resumed", "Follow it with: hlrbatch wait %s", (*hlrlookup.Client).StartBatch)

var scheduleCommand = &command{
	name:    "schedule",
	args:    "ID TIME",
	summary: "make a batch start by itself later",
	help: `Make a batch start by itself at TIME (PUT /batches/{id}/ with scheduledStart).
TIME is RFC 3339 ("2026-07-01T09:00:00Z", "2026-07-01T09:00:00+02:00") or
"in" and a duration ("in 2h", "in 90m", "in 1h30m"). It must be in the future.`,
	example: `hlrbatch schedule 1001 "in 2h"
hlrbatch schedule 1001 2026-07-01T09:00:00Z`,
	run: apiCommand(2, 3, scheduleSteps),
}

func scheduleSteps(*invocation) apiSteps[hlrlookup.Batch] {
	var start time.Time
	return apiSteps[hlrlookup.Batch]{
		check: func(pos []string) (err error) {
			// Accept "in 2h" as one argument or as two ("in", "2h").
			start, err = parseStartTime(strings.Join(pos[1:], " "), time.Now())
			return err
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*hlrlookup.Batch, error) {
			id := hlrlookup.BatchID(pos[0])
			if err := client.ScheduleBatch(ctx, id, start); err != nil {
				return nil, err
			}
			return client.GetBatch(ctx, id)
		},
		text: func(a *app, b *hlrlookup.Batch) error {
			fmt.Fprintf(a.stdout, "Scheduled batch %s to start at %s\n", b.ID, timeString(start))
			return nil
		},
	}
}

// parseStartTime reads RFC 3339 or "in DURATION" relative to now.
func parseStartTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "in "); ok {
		d, err := time.ParseDuration(strings.ReplaceAll(rest, " ", ""))
		if err != nil {
			return time.Time{}, usagef("bad TIME %q: after \"in\" give a duration such as 2h, 90m or 1h30m", s)
		}
		if d <= 0 {
			return time.Time{}, usagef("bad TIME %q: the duration must be positive", s)
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("bad TIME %q: give RFC 3339 (2026-07-01T09:00:00Z) or \"in 2h\"", s)
	}
	if !t.After(now) {
		return time.Time{}, usagef("bad TIME %q: it is in the past; use 'hlrbatch start' to start now", s)
	}
	return t, nil
}

var deleteCommand = &command{
	name:    "delete",
	args:    "ID",
	summary: "delete a batch and its results for good",
	help: `Delete a batch and its results for good (DELETE /batches/{id}); they cannot
be recovered, so download the results first. On a terminal it asks first;
elsewhere (scripts) --yes is required.`,
	example: `hlrbatch delete 1001
hlrbatch delete 1001 --yes`,
	run: apiCommand(1, 1, deleteSteps),
}

// deleted is the JSON form of a deleted batch.
type deleted struct {
	Deleted bool              `json:"deleted"`
	ID      hlrlookup.BatchID `json:"id"`
}

func deleteSteps(inv *invocation) apiSteps[deleted] {
	a := inv.a
	yes := inv.fs.Bool("yes", false, "do not ask for confirmation")
	return apiSteps[deleted]{
		check: func(pos []string) error {
			if !*yes && !a.stdinTTY {
				return usagef("standard input is not a terminal, so hlrbatch cannot ask: add --yes to delete batch %s", pos[0])
			}
			return nil
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*deleted, error) {
			id := hlrlookup.BatchID(pos[0])
			if !*yes {
				b, err := client.GetBatch(ctx, id)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(a.stderr, "Delete batch %s (%s, %s, %s done) and its results for good? [y/N] ",
					b.ID, dash(b.Filename), b.Status, doneString(b))
				answer, _ := bufio.NewReader(a.interruptible(ctx)).ReadString('\n')
				if ctx.Err() != nil {
					fmt.Fprintln(a.stderr)
					return nil, &interruptedError{fmt.Sprintf("interrupted; batch %s was not deleted", id)}
				}
				if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
					return nil, fmt.Errorf("not deleted: batch %s is unchanged", id)
				}
			}
			if err := client.DeleteBatch(ctx, id); err != nil {
				return nil, err
			}
			return &deleted{Deleted: true, ID: id}, nil
		},
		text: func(a *app, d *deleted) error {
			fmt.Fprintf(a.stdout, "Deleted batch %s\n", d.ID)
			return nil
		},
	}
}
