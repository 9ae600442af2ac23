package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// options are the command's flags.
type options struct {
	rows, runs int
	warmUps    int // runs of every program before the measured ones
	data       string
	only       []string
	noStrace   bool
	buildFlags []string // more flags for go build
	binDir     string   // where the programs are built and kept ("": a temporary directory)
}

// progsPkg is the import path of the benchmark's Go programs.
const progsPkg = "github.com/seed682fd871/hlrlookup/internal/wholebench/progs"

//go:embed python_json.py
var pythonJSON []byte

// workload is one line of the table: the SDK's side and its peers.
type workload struct {
	name, title string
	json        bool // reads the JSON download (else the CSV)
	sides       []*side
}

// side is one program of a workload.
type side struct {
	name    string  // as shown in the table
	prog    string  // its Go program under progs ("" for python3 or curl)
	sdk     bool    // the SDK's side (the first of its workload)
	target  float64 // for a peer: the SDK's median over this side's must be at most this (0: none)
	absent  string  // why the side does not run ("" when it does)
	command func(e *env, out string) *exec.Cmd
	writes  bool // writes out, whose size the driver checks
	times   []time.Duration
	rssKB   []int64
}

// env is what the sides' commands need.
type env struct {
	bin, base         string // built programs; the server's base URL
	rows, live        int
	csvSize, jsonSize int64
	csvPath, jsonPath string // the data the server serves
}

// dataPath is the file w's download is served from.
func (e *env) dataPath(w *workload) string {
	if w.json {
		return e.jsonPath
	}
	return e.csvPath
}

// warmCache reads path through, so that the file is in the page cache
// when a side downloads it: which side follows a program that pushed it out
// (a peer that held 4 GB) must not decide who waits for the disk. A small
// buffer keeps the driver's peak RSS, the floor of every program's, small.
func warmCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, make([]byte, 64<<10))
	return err
}

func (e *env) prog(name string, args ...string) *exec.Cmd {
	return exec.Command(filepath.Join(e.bin, name), append([]string{"-base", e.base}, args...)...)
}

func (e *env) counts() []string {
	return []string{"-rows", strconv.Itoa(e.rows), "-live", strconv.Itoa(e.live)}
}

// workloads builds the workloads, finding python3 and curl on PATH.
func workloads() []*workload {
	python, pyErr := pythonPath()
	curl, curlErr := exec.LookPath("curl")
	absent := func(err error, what string) string {
		if err != nil {
			return what + " is not on PATH"
		}
		return ""
	}
	return []*workload{
		{name: "typed-csv", title: "typed CSV results (`Results`, count LIVE)", sides: []*side{
			{name: "SDK: `Client.Results`", prog: "sdk-results-csv", sdk: true, command: func(e *env, _ string) *exec.Cmd {
				return e.prog("sdk-results-csv", e.counts()...)
			}},
			{name: "`encoding/csv` records, one column checked", prog: "go-csv-records", target: 0.8, command: func(e *env, _ string) *exec.Cmd {
				return e.prog("go-csv-records", e.counts()...)
			}},
		}},
		{name: "typed-json", title: "typed JSON results (`DownloadFile` + `ReadResults`)", json: true, sides: []*side{
			{name: "SDK: `DownloadFile` + `ReadResults`", prog: "sdk-json", sdk: true, writes: true, command: func(e *env, out string) *exec.Cmd {
				return e.prog("sdk-json", append(e.counts(), "-out", out)...)
			}},
			{name: "Python `urllib` + `json.loads`", target: 0.25, absent: absent(pyErr, "python3"), command: func(e *env, _ string) *exec.Cmd {
				return exec.Command(python, filepath.Join(e.bin, "python_json.py"), e.base+"/batches/1001/results?format=json", strconv.Itoa(e.rows), strconv.Itoa(e.live))
			}},
			{name: "Go `net/http` + `encoding/json` into `[]struct`", prog: "go-json", command: func(e *env, _ string) *exec.Cmd {
				return e.prog("go-json", e.counts()...)
			}},
		}},
		{name: "download-csv", title: "`DownloadFile`, CSV", sides: []*side{
			{name: "SDK: `DownloadFile`", prog: "sdk-download-csv", sdk: true, writes: true, command: func(e *env, out string) *exec.Cmd {
				return e.prog("sdk-download-csv", "-out", out)
			}},
			{name: "`curl -s -o`", target: 1.0, writes: true, absent: absent(curlErr, "curl"), command: func(e *env, out string) *exec.Cmd {
				return exec.Command(curl, "-s", "--noproxy", "*", "-o", out, e.base+"/batches/1001/results")
			}},
			{name: "Go `net/http` + `io.Copy` to a file", prog: "go-download-csv", writes: true, command: func(e *env, out string) *exec.Cmd {
				return e.prog("go-download-csv", "-out", out)
			}},
		}},
	}
}

// pythonPath finds python3 and asks it for its own executable, so that a
// wrapper on PATH (such as pyenv's shim, a shell script that starts a
// second program) does not count in its time.
func pythonPath() (string, error) {
	path, err := exec.LookPath("python3")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(path, "-c", "import sys; print(sys.executable)").Output()
	if exe := strings.TrimSpace(string(out)); err == nil && exe != "" {
		return exe, nil
	}
	return path, nil
}

// workloadNames are the workloads' names in order, known without looking
// for python3 and curl (for -only's help).
var workloadNames = []string{"typed-csv", "typed-json", "download-csv"}

// rssTarget is the bound on the SDK programs' peak RSS, in bytes.
const rssTarget = 24e6

// run runs the benchmark and writes its report to stdout; progress goes to
// stderr.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.rows < 1 || o.runs < 1 || o.warmUps < 0 {
		return fmt.Errorf("-rows %d and -runs %d: both must be at least 1", o.rows, o.runs)
	}
	all := workloads()
	var ws []*workload
	for _, w := range all {
		if len(o.only) == 0 || slices.Contains(o.only, w.name) {
			ws = append(ws, w)
		}
	}
	for _, name := range o.only {
		if !slices.ContainsFunc(all, func(w *workload) bool { return w.name == name }) {
			return fmt.Errorf("-only: no workload %q (the workloads: %s)", name, strings.Join(workloadNames, ", "))
		}
	}
	loadBefore := loadAverage()
	// The server writes its progress to stderr too, from another goroutine.
	stderr = &lockedWriter{w: stderr}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "wholebench: "+format+"\n", a...) }

	tmp, err := os.MkdirTemp("", "wholebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	e := &env{bin: o.binDir, rows: o.rows}
	if e.bin == "" {
		e.bin = filepath.Join(tmp, "bin")
	}

	progress("building the programs into %s", e.bin)
	if err := os.MkdirAll(e.bin, 0o755); err != nil {
		return err
	}
	args := append([]string{"build"}, o.buildFlags...)
	args = append(args, "-o", e.bin+string(filepath.Separator), progsPkg+"/server")
	for _, w := range ws {
		for _, s := range w.sides {
			if s.prog != "" {
				args = append(args, progsPkg+"/"+s.prog)
			}
		}
	}
	build := exec.CommandContext(ctx, "go", args...)
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build (run the benchmark from within the module: go run ./internal/wholebench): %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(e.bin, "python_json.py"), pythonJSON, 0o644); err != nil {
		return err
	}

	dataDir := o.data
	if dataDir == "" {
		dataDir = filepath.Join(tmp, "data")
	}
	needJSON := slices.ContainsFunc(ws, func(w *workload) bool { return w.json })
	stop, err := startServer(e, dataDir, needJSON, stderr)
	if err != nil {
		return err
	}
	defer stop()

	out := filepath.Join(tmp, "out")
	for r := -o.warmUps; r < o.runs; r++ {
		if r < 0 {
			progress("warm-up run")
		} else {
			progress("run %d of %d", r+1, o.runs)
		}
		for _, w := range ws {
			// Each run starts with another side, so that none always
			// follows the same program (such as a peer that held 4 GB).
			for k := range w.sides {
				s := w.sides[(k+r+o.warmUps)%len(w.sides)]
				if s.absent != "" {
					continue
				}
				if err := warmCache(e.dataPath(w)); err != nil {
					return err
				}
				d, rss, err := runSide(ctx, e, w, s, out)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", w.name, s.name, err)
				}
				if r >= 0 {
					s.times, s.rssKB = append(s.times, d), append(s.rssKB, rss)
				}
			}
		}
	}
	var fsync string
	if !o.noStrace && slices.ContainsFunc(ws, func(w *workload) bool { return w.name == "download-csv" }) {
		fsync = straceFsync(ctx, e, out)
	}

	report(stdout, o, ws, e, reportEnv{loadBefore: loadBefore, loadAfter: loadAverage(), fsync: fsync})
	return nil
}

// startServer starts the results server, which generates the data or
// finds them in dir, and sets e.base, the data's sizes, the count of LIVE
// rows and the data's paths; stop ends it.
func startServer(e *env, dir string, withJSON bool, stderr io.Writer) (stop func(), err error) {
	cmd := exec.Command(filepath.Join(e.bin, "server"), "-dir", dir, "-rows", strconv.Itoa(e.rows), "-json="+strconv.FormatBool(withJSON))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = stdin.Close() // the server exits when its standard input ends
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	br := bufio.NewReader(stdout)
	line, err := br.ReadString('\n')
	if err == nil {
		_, err = fmt.Sscan(line, &e.base, &e.csvSize, &e.jsonSize, &e.live)
	}
	if err == nil {
		e.csvPath, err = br.ReadString('\n')
	}
	if err == nil {
		e.jsonPath, err = br.ReadString('\n')
	}
	e.csvPath, e.jsonPath = strings.TrimSuffix(e.csvPath, "\n"), strings.TrimSuffix(e.jsonPath, "\n")
	if err != nil {
		stop()
		return nil, fmt.Errorf("the results server did not start: %v", err)
	}
	return stop, nil
}

// runSide runs one side once: its wall time and peak RSS in KB (-1 when
// unknown). A side that writes has its file checked and removed.
func runSide(ctx context.Context, e *env, w *workload, s *side, out string) (time.Duration, int64, error) {
	_ = os.Remove(out)
	cmd := s.command(e, out)
	cmd.Env = childEnv()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	stopOnCancel := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	d := time.Since(start)
	stopOnCancel()
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if s.writes {
		want := e.csvSize
		if w.json {
			want = e.jsonSize
		}
		fi, err := os.Stat(out)
		if err != nil {
			return 0, 0, err
		}
		if fi.Size() != want {
			return 0, 0, fmt.Errorf("wrote %d bytes, want %d", fi.Size(), want)
		}
		if err := os.Remove(out); err != nil {
			return 0, 0, err
		}
	}
	return d, maxRSSKB(cmd.ProcessState), nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// childEnv is the environment of the programs: the driver's without the Go
// runtime's tuning variables, so that every Go program runs with the
// defaults.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "GOGC" || name == "GOMEMLIMIT" || name == "GODEBUG" || name == "GOMAXPROCS"
	})
}

// straceRuns is how many extra runs of DownloadFile straceFsync makes.
const straceRuns = 3

// straceFsync runs the SDK's DownloadFile of the CSV straceRuns more times
// under strace and describes its final fsync (the longest fsync of a run:
// the file's; the directory's after the rename is short) and its
// sync_file_range calls, or says why it could not.
func straceFsync(ctx context.Context, e *env, out string) string {
	strace, err := exec.LookPath("strace")
	if err != nil {
		return "not measured: strace is not on PATH"
	}
	log := out + ".strace"
	defer os.Remove(log)
	defer os.Remove(out)
	var fsyncs []time.Duration
	ranges := 0
	for range straceRuns {
		// --seccomp-bpf stops the program only at the traced calls (strace
		// 5.3 and later), so that the download runs at its speed; without
		// it every read and write stops, which gives the disk more time.
		var failed error
		for _, filter := range [][]string{{"--seccomp-bpf"}, nil} {
			args := append(filter, "-f", "-T", "-o", log, "-e", "trace=fsync,fdatasync,sync_file_range",
				filepath.Join(e.bin, "sdk-download-csv"), "-base", e.base, "-out", out)
			cmd := exec.CommandContext(ctx, strace, args...)
			cmd.Env = childEnv()
			b, err := cmd.CombinedOutput()
			if err == nil {
				failed = nil
				break
			}
			if failed == nil {
				failed = fmt.Errorf("strace: %v %s", err, bytes.TrimSpace(b))
			}
		}
		if failed != nil {
			return "not measured: " + failed.Error()
		}
		b, err := os.ReadFile(log)
		if err != nil {
			return "not measured: " + err.Error()
		}
		longest, n := parseStrace(string(b))
		if longest < 0 {
			return "not measured: strace saw no fsync"
		}
		fsyncs, ranges = append(fsyncs, longest), n
	}
	return fmt.Sprintf("median %s, %s (%d more runs under strace; %d sync_file_range calls before it)",
		seconds(median(fsyncs)), span(slices.Min(fsyncs), slices.Max(fsyncs)), straceRuns, ranges)
}

// parseStrace reads the output of strace -T: the longest fsync or
// fdatasync (-1 without one) and the count of sync_file_range calls.
func parseStrace(out string) (longest time.Duration, ranges int) {
	longest = -1
	for line := range strings.Lines(out) {
		_, call, _ := strings.Cut(line, " ") // after the process id
		call = strings.TrimSpace(call)
		switch {
		case strings.HasPrefix(call, "sync_file_range("):
			ranges++
		case strings.HasPrefix(call, "fsync(") || strings.HasPrefix(call, "fdatasync("):
			i, j := strings.LastIndexByte(call, '<'), strings.LastIndexByte(call, '>')
			if i < 0 || j < i {
				continue
			}
			if s, err := strconv.ParseFloat(call[i+1:j], 64); err == nil {
				longest = max(longest, time.Duration(s*float64(time.Second)))
			}
		}
	}
	return longest, ranges
}

// loadAverage is /proc/loadavg's three figures, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// cpuModel is /proc/cpuinfo's first model name, or GOARCH.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown (" + runtime.GOARCH + ")"
}

// goVersion is the output of go version, the toolchain that built the
// programs.
func goVersion() string {
	b, err := exec.Command("go", "version").Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	return strings.TrimSpace(string(b))
}
