package hlrlookup

import (
	"context"
	"fmt"
	"time"
)

// WaitOptions tunes WaitForBatch.
type WaitOptions struct {
	PollInterval    time.Duration // first interval; grows to MaxPollInterval (default 5s)
	MaxPollInterval time.Duration // the longest interval (default 1m)
	OnProgress      func(*Batch)  // called after every successful poll
}

// Defaults for WaitOptions.
const (
	DefaultPollInterval    = 5 * time.Second
	DefaultMaxPollInterval = time.Minute
	// pollGrowth multiplies the interval after each poll.
	pollGrowth = 1.5
)

// WaitForBatch polls a batch (GET /batches/{id}) until it is complete and
// returns it. The interval starts at PollInterval and grows by half each poll
// up to MaxPollInterval. A batch that ends FAILED, ERROR or CANCELLED returns
// with an error matching ErrBatchFailed. Temporary failures of a poll (429,
// 5xx, a dropped connection) are ridden out up to five in a row. An answer
// that is not the batch asked for, or has no status, ends the wait with an
// error matching ErrUnexpectedResponse. It returns as soon as ctx ends, with
// the last batch seen.
func (c *Client) WaitForBatch(ctx context.Context, id BatchID, opts *WaitOptions) (*Batch, error) {
	const op = "wait for batch"
	if err := checkID(op, id); err != nil {
		return nil, err
	}
	var o WaitOptions
	if opts != nil {
		o = *opts
	}
	if o.PollInterval < 0 {
		return nil, inputError(op, "PollInterval", o.PollInterval, "must not be negative")
	}
	if o.MaxPollInterval < 0 {
		return nil, inputError(op, "MaxPollInterval", o.MaxPollInterval, "must not be negative")
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = max(DefaultMaxPollInterval, o.PollInterval)
	}
	if o.PollInterval > o.MaxPollInterval {
		return nil, inputError(op, "PollInterval", o.PollInterval, fmt.Sprintf("must not be longer than MaxPollInterval %s", o.MaxPollInterval))
	}

	var last *Batch
	failures := 0
	interval := o.PollInterval
	for {
		b, err := c.GetBatch(ctx, id)
		switch {
		case err == nil && b.Status == "":
			// Without a status the batch would look unfinished forever.
			return last, fmt.Errorf("hlrlookup: %s %s: %w: the answer has no status", op, id, ErrUnexpectedResponse)
		case err == nil:
			failures = 0
			last = b
			if o.OnProgress != nil {
				o.OnProgress(b)
			}
			if b.Status.Complete() {
				return b, nil
			}
			if b.Status.Failed() {
				return b, fmt.Errorf("hlrlookup: %s %s: %w: status %s after %d of %d numbers", op, id, ErrBatchFailed, b.Status, b.NumComplete, b.NumItems)
			}
		case ctx.Err() != nil:
			return last, err
		case pollTolerates(err, failures):
			failures++
		default:
			return last, err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return last, fmt.Errorf("hlrlookup: %s %s: %w", op, id, ctx.Err())
		case <-t.C:
		}
		interval = nextPollInterval(interval, o.MaxPollInterval)
	}
}

// nextPollInterval grows interval by pollGrowth, saturating at limit: a
// product too large for a Duration is the limit, never a wrapped negative.
func nextPollInterval(interval, limit time.Duration) time.Duration {
	next := float64(interval) * pollGrowth
	if next >= float64(limit) {
		return limit
	}
	return time.Duration(next)
}
