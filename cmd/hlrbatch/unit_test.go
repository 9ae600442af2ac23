package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

func TestParseStartTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: "in 2h", want: now.Add(2 * time.Hour)},
		{in: "in 90m", want: now.Add(90 * time.Minute)},
		{in: "  in 1h 30m ", want: now.Add(90 * time.Minute)},
		{in: "2026-07-01T09:00:00Z", want: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)},
		{in: "2026-07-01T11:00:00+02:00", want: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)},
		{in: "in two hours", wantErr: "after \"in\" give a duration"},
		{in: "in -5m", wantErr: "must be positive"},
		{in: "tomorrow", wantErr: "give RFC 3339"},
		{in: "2026-06-01T08:59:59Z", wantErr: "in the past"},
		{in: "2026-06-01T09:00:00Z", wantErr: "in the past"},
	}
	for _, tc := range tests {
		got, err := parseStartTime(tc.in, now)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseStartTime(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseStartTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantPos  string
		wantOut  string
		wantJSON bool
		wantErr  bool
	}{
		{args: []string{"a.csv", "--out", "r.csv", "--json"}, wantPos: "a.csv", wantOut: "r.csv", wantJSON: true},
		{args: []string{"--out=r.csv", "-", "--json"}, wantPos: "-", wantOut: "r.csv", wantJSON: true},
		{args: []string{"--json", "--", "--out"}, wantPos: "--out", wantJSON: true},
		{args: []string{"x", "y"}, wantErr: true},
		{args: []string{}, wantErr: true},
		{args: []string{"x", "--nope"}, wantErr: true},
	}
	for _, tc := range tests {
		a := &app{stdout: &bytes.Buffer{}}
		inv := a.newInvocation(&command{name: "t"})
		out := inv.fs.String("out", "", "")
		pos, err := inv.parse(tc.args, 1, 1)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parse(%q) succeeded", tc.args)
			}
			continue
		}
		if err != nil || pos[0] != tc.wantPos || *out != tc.wantOut || inv.json != tc.wantJSON {
			t.Errorf("parse(%q) = %q, out %q, json %v, err %v", tc.args, pos, *out, inv.json, err)
		}
	}
}

func TestProgressRender(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		updates [][2]int64 // done, total
		after   time.Duration
		want    string
	}{
		{name: "start", updates: [][2]int64{{0, 120}}, want: "batch 7 [                            ] 0/120   0%"},
		{name: "rate and eta", updates: [][2]int64{{0, 120}, {40, 120}}, after: 4 * time.Second,
			want: "batch 7 [=========>                  ] 40/120  33%  10/s  ETA 8s"},
		{name: "done", updates: [][2]int64{{20, 120}, {120, 120}}, after: 10 * time.Second,
			want: "batch 7 [============================] 120/120 100%  10/s"},
		{name: "empty batch", updates: [][2]int64{{0, 0}}, want: "batch 7 [                            ] 0/0   0%"},
	}
	for _, tc := range tests {
		now := t0
		p := newProgress(&bytes.Buffer{}, true, false, "batch 7", items)
		p.now = func() time.Time { return now }
		for i, u := range tc.updates {
			if i > 0 {
				now = now.Add(tc.after)
			}
			p.update(u[0], u[1])
		}
		last := tc.updates[len(tc.updates)-1]
		if got := p.render(last[0], last[1], now); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestProgressModes(t *testing.T) {
	t.Parallel()
	var tty, lines, quiet bytes.Buffer
	for _, p := range []*progress{
		newProgress(&tty, true, true, "b", items),
		newProgress(&lines, false, true, "b", items),
		newProgress(&quiet, false, false, "b", items),
	} {
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		p.now = func() time.Time { now = now.Add(time.Second); return now } // slower than the redraw limit
		p.update(1, 4)
		p.update(1, 4)
		p.update(4, 4)
		p.finish()
	}
	if got := tty.String(); !strings.HasPrefix(got, "\rb [") || strings.Count(got, "\r") != 3 || !strings.HasSuffix(got, "\n") {
		t.Errorf("terminal output %q", got)
	}
	if got, want := lines.String(), "b: 1/4 (25%)\nb: 4/4 (100%)\n"; got != want {
		t.Errorf("line output %q, want %q", got, want)
	}
	if quiet.Len() != 0 {
		t.Errorf("quiet output %q", quiet.String())
	}
}

// TestProgressRedrawRate feeds a bar a count every 10 ms of a fake clock: it
// redraws ten times a second, shows the total at once, and a count held back
// by the limit when it finishes.
func TestProgressRedrawRate(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	p := newProgress(&out, true, false, "b", items)
	p.now = func() time.Time { return now }
	for i := range 200 { // two seconds
		p.update(int64(i), 1000)
		now = now.Add(10 * time.Millisecond)
	}
	if got := strings.Count(out.String(), "\r"); got != 20 {
		t.Errorf("%d redraws in 2 s of updates every 10 ms, want 20 (ten a second): %q", got, out.String())
	}
	p.update(1000, 1000) // 10 ms after the count of 199
	if got := out.String(); strings.Count(got, "\r") != 21 || !strings.Contains(got[strings.LastIndex(got, "\r"):], " 1000/1000 100%") {
		t.Errorf("the total was not drawn at once: %q", got[strings.LastIndex(got, "\r"):])
	}

	out.Reset()
	p = newProgress(&out, true, false, "b", items)
	p.now = func() time.Time { return now }
	p.update(1, 4)
	now = now.Add(time.Millisecond)
	p.update(2, 4) // too soon: held back
	if got := strings.Count(out.String(), "\r"); got != 1 {
		t.Errorf("%d redraws 1 ms apart, want 1: %q", got, out.String())
	}
	p.finish()
	if got := out.String(); strings.Count(got, "\r") != 2 || !strings.Contains(got, " 2/4  50%") || !strings.HasSuffix(got, "\n") {
		t.Errorf("finish did not show the last count: %q", got)
	}
}

func TestBytesSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := bytesSize(in); got != want {
			t.Errorf("bytesSize(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestDeletePrompt runs delete as on a terminal: only "y" or "yes" deletes.
func TestDeletePrompt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer  string
		code    int
		deleted bool
	}{{"y\n", 0, true}, {"YES\n", 0, true}, {"n\n", 1, false}, {"\n", 1, false}, {"", 1, false}} {
		f := newFake(t)
		id := f.loaded(t, nil, sampleNumbers...)
		var out, errOut bytes.Buffer
		a := &app{stdin: strings.NewReader(tc.answer), stdout: &out, stderr: &errOut, getenv: f.env(), stdinTTY: true}
		code := a.main(context.Background(), []string{"delete", id})
		_, exists := f.srv.Batch(id)
		if code != tc.code || exists == tc.deleted {
			t.Errorf("answer %q: exit %d, exists %v\nstderr: %s", tc.answer, code, exists, errOut.String())
		}
		if want := "Delete batch 1001 (fixture.csv, READY, 0/5 (0%) done) and its results for good? [y/N] "; !strings.HasPrefix(errOut.String(), want) {
			t.Errorf("prompt %q, want %q", errOut.String(), want)
		}
	}
}

// TestStdinSpool checks which way standard input is uploaded: in the body
// up to the limits, as a spooled file beyond them or for CSV.
func TestStdinSpool(t *testing.T) {
	t.Parallel()
	var many strings.Builder
	for i := range 100_001 {
		fmt.Fprintf(&many, "+4477009%05d\n", i)
	}
	tests := []struct {
		name, stdin string
		args        []string
		wantMsg     string
		wantNumbers int
	}{
		{"body", "+447700900001\n\n +14155550100 \n", nil, "in the request body", 2},
		{"limit", strings.Repeat("+447700900001\n", 100_000), nil, "in the request body", 100_000},
		{"over limit", many.String(), nil, "uploading it as a file", 100_001},
		{"csv", "Alice,+447700900001\nBob,+14155550100\n", []string{"--column", "B"}, "uploading it as a file", 2},
		{"commas", "+447700900001,x\n", nil, "uploading it as a file", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t) // no upload limit, as the service takes files of any size
			id := f.loaded(t, nil)
			r := runCLI(f.env(), tc.stdin, append([]string{"upload", id, "-"}, tc.args...)...)
			if r.code != 0 || !strings.Contains(r.stderr, tc.wantMsg) {
				t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, tc.wantMsg)
			}
			if got := len(f.srv.Numbers(id)); got != tc.wantNumbers {
				t.Errorf("stored %d numbers, want %d", got, tc.wantNumbers)
			}
		})
	}
}

// TestRunStdinOverBodyLimit runs the documented path for more numbers than
// a request body holds end to end against the fake: spooled, uploaded as a
// file, run, and every number in the results.
func TestRunStdinOverBodyLimit(t *testing.T) {
	t.Parallel()
	var many strings.Builder
	for i := range hlrlookup.MaxBodyNumbers + 1 {
		fmt.Fprintf(&many, "+4477009%05d\n", i)
	}
	f := newFake(t, hlrlookuptest.WithProcessing(hlrlookuptest.Instant()))
	r := runCLI(f.env(), many.String(), "run", "-", "--json")
	if r.code != 0 || !strings.Contains(r.stderr, "uploading it as a file") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.Rows != hlrlookup.MaxBodyNumbers+1 {
		t.Errorf("summary %+v, %v; want %d rows", s, err, hlrlookup.MaxBodyNumbers+1)
	}
}
