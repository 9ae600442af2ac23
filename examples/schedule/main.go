// Command schedule schedules a batch to start later, lets it start by
// itself, pauses it, shows that a paused batch makes no progress, and resumes
// it until it is complete.
//
//	go run ./examples/schedule
//
// Against the built-in fake service the wait for the scheduled start takes no
// time: the program moves the fake service's clock forward instead of
// sleeping, and says so. With HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET set it
// really waits (two minutes) and uses real credits.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// delay is how far ahead the batch is scheduled.
const delay = 2 * time.Minute

func main() {
	// The fake completes 5 numbers per poll, so the pause is visible.
	exampleenv.Run(run, hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(5)))
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client
	input, err := exampleenv.Testdata("numbers.csv")
	if err != nil {
		return err
	}
	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "numbers.csv"})
	if err != nil {
		return err
	}
	if err := client.UploadFile(ctx, batch.ID, input, nil); err != nil {
		return err
	}
	if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Created batch %s and uploaded numbers.csv: %d numbers, status %s.\n", batch.ID, batch.NumItems, batch.Status)

	// Schedule: the service starts the batch by itself at that time.
	if err := client.ScheduleBatch(ctx, batch.ID, env.Now().Add(delay)); err != nil {
		return err
	}
	if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Scheduled it to start in %s: status %s.\n", until(env, batch.ScheduledStart), batch.Status)

	if env.UsingFake() {
		fmt.Printf("Waiting %s for the scheduled start (the fake service's clock is moved forward instead of sleeping).\n", delay)
	} else {
		fmt.Printf("Waiting %s for the scheduled start.\n", delay)
	}
	if err := env.Sleep(ctx, delay); err != nil {
		return err
	}

	// Look at the batch until it has made some progress.
	for {
		if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
			return err
		}
		if batch.NumComplete > 0 || batch.Status.Done() {
			break
		}
		if err := sleep(ctx, env.PollInterval()); err != nil {
			return err
		}
	}
	fmt.Printf("It started by itself: status %s, %d/%d numbers done.\n", batch.Status, batch.NumComplete, batch.NumItems)
	if batch.Status.Done() {
		fmt.Println("It finished before it could be paused.")
	} else {
		if err := client.PauseBatch(ctx, batch.ID); err != nil {
			return err
		}
		if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
			return err
		}
		fmt.Printf("Paused it: status %s, %d/%d numbers done.\n", batch.Status, batch.NumComplete, batch.NumItems)
		if err := sleep(ctx, env.PollInterval()); err != nil {
			return err
		}
		if batch, err = client.GetBatch(ctx, batch.ID); err != nil {
			return err
		}
		fmt.Printf("Still paused a moment later: status %s, %d/%d numbers done.\n", batch.Status, batch.NumComplete, batch.NumItems)

		if err := client.StartBatch(ctx, batch.ID); err != nil {
			return err
		}
		fmt.Println("Resumed it.")
	}

	batch, err = client.WaitForBatch(ctx, batch.ID, env.WaitOptions(func(b *hlrlookup.Batch) {
		fmt.Printf("  progress: %d/%d numbers (%.0f%%)\n", b.NumComplete, b.NumItems, 100*b.Progress())
	}))
	if err != nil {
		return err
	}
	fmt.Printf("Batch %s is %s.\n", batch.ID, batch.Status)

	if err := client.DeleteBatch(ctx, batch.ID); err != nil {
		return err
	}
	fmt.Printf("Deleted batch %s.\n", batch.ID)
	return nil
}

// until says how long from the service's now until t, in whole seconds.
func until(env *exampleenv.Env, t *time.Time) string {
	if t == nil {
		return "(no scheduled start reported)"
	}
	return t.Sub(env.Now()).Round(time.Second).String()
}

// sleep waits d of real time, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
