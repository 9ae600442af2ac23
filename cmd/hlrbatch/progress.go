package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// barWidth is the width of a progress bar's track, in characters.
const barWidth = 28

// redrawEvery is the least time between two redraws of a bar: at most ten a
// second, however often the count changes (an upload reports every chunk).
const redrawEvery = 100 * time.Millisecond

// progress shows how far a task has come on standard error. On a terminal it
// redraws one line: a bar, done/total, percent, rate and ETA. Elsewhere (a
// pipe, a log file) it either prints a plain line each time the count changes
// (lines) or nothing, so logs stay readable. The bar redraws at most once
// per redrawEvery; the last count always shows (at once when it reaches the
// total, else when the bar finishes). It is safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	lines bool
	label string
	unit  func(int64) string // formats a count: items or bytes
	now   func() time.Time

	started bool
	t0      time.Time // first update
	n0      int64     // count at the first update
	last    int64     // count of the last plain line
	drawn   bool      // a bar line is on the screen
	drawnAt time.Time // when it was drawn

	pending     bool // a count came too soon after the last redraw
	pendingDone int64
	pendingOf   int64
}

// newProgress returns a progress display labelled label.
func newProgress(w io.Writer, tty, lines bool, label string, unit func(int64) string) *progress {
	return &progress{w: w, tty: tty, lines: lines, label: label, unit: unit, now: time.Now, last: -1}
}

// update shows done out of total.
func (p *progress) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.started {
		p.started, p.t0, p.n0 = true, now, done
	}
	switch {
	case p.tty && p.drawn && done < total && now.Sub(p.drawnAt) < redrawEvery:
		p.pending, p.pendingDone, p.pendingOf = true, done, total
	case p.tty:
		p.draw(done, total, now)
	case p.lines && done != p.last:
		fmt.Fprintf(p.w, "%s: %s/%s (%s)\n", p.label, p.unit(done), p.unit(total), percent(done, total))
		p.last = done
	}
}

// finish ends the bar's line, if one is drawn.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending {
		p.draw(p.pendingDone, p.pendingOf, p.now())
	}
	if p.drawn {
		io.WriteString(p.w, "\n")
		p.drawn = false
	}
}

// draw redraws the bar's line at time now.
func (p *progress) draw(done, total int64, now time.Time) {
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.render(done, total, now))
	p.drawn, p.drawnAt, p.pending = true, now, false
}

// render draws one line of the bar at time now.
func (p *progress) render(done, total int64, now time.Time) string {
	var b strings.Builder
	b.WriteString(p.label)
	b.WriteString(" [")
	filled := 0
	if total > 0 {
		filled = int(min(done, total) * barWidth / total)
	}
	b.WriteString(strings.Repeat("=", filled))
	if filled < barWidth {
		if done > 0 {
			b.WriteString(">")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(strings.Repeat(" ", barWidth-filled-1))
	}
	fmt.Fprintf(&b, "] %s/%s %4s", p.unit(done), p.unit(total), percent(done, total))
	elapsed := now.Sub(p.t0)
	if elapsed > 0 && done > p.n0 {
		rate := float64(done-p.n0) / elapsed.Seconds()
		fmt.Fprintf(&b, "  %s/s", p.unit(int64(rate+0.5)))
		if total > done {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, "  ETA %s", eta.Round(time.Second))
		}
	}
	return b.String()
}

// percent formats done/total as a whole percentage.
func percent(done, total int64) string {
	if total <= 0 {
		return "0%"
	}
	return strconv.FormatInt(min(done, total)*100/total, 10) + "%"
}

// items formats a count of numbers.
func items(n int64) string { return strconv.FormatInt(n, 10) }

// bytesSize formats a count of bytes: "512 B", "1.5 KiB", "3.2 MiB".
func bytesSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}
