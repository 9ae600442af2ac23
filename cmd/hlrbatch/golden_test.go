package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// goldenCase is one hlrbatch invocation against a fresh fake service.
type goldenCase struct {
	name  string
	opts  []hlrlookuptest.ServerOption
	setup func(t *testing.T, f *fake) []string // prepares the fake, returns the arguments
	stdin string
	env   []string // environment overrides: name, value, …
	code  int
	check func(t *testing.T, f *fake, r cliResult) // further assertions, optional
	// wallClock marks the demo, whose own fake service runs on the real clock.
	wallClock bool
}

// creationDate matches the creation date in JSON output.
var creationDate = regexp.MustCompile(`"creationDate": "[^"]*"`)

// args returns a setup that needs no fixtures.
func args(a ...string) func(*testing.T, *fake) []string {
	return func(*testing.T, *fake) []string { return a }
}

// batchState returns the fake's view of batch id, failing if it is gone.
func batchState(t *testing.T, f *fake, id string) hlrlookuptest.BatchState {
	t.Helper()
	b, ok := f.srv.Batch(id)
	if !ok {
		t.Fatalf("batch %s does not exist on the fake", id)
	}
	return b
}

func TestGolden(t *testing.T) {
	t.Parallel()
	numbersCSV, err := filepath.Abs(filepath.Join("testdata", "cli", "numbers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	stdinNumbers := strings.Join(sampleNumbers, "\n") + "\n\n"
	cases := []goldenCase{
		{name: "overview", setup: args("--help")},
		{name: "no_args", setup: args(), code: 2},
		{name: "unknown_command", setup: args("frobnicate"), code: 2},
		{name: "unknown_flag", setup: args("list", "--bogus"), code: 2},
		{name: "version", setup: args("version")},
		{name: "no_credentials", setup: args("list"), env: []string{envSecret, ""}, code: 2},
		{name: "api_key_flag", setup: args("list", "--api-key", hlrlookuptest.APIKey), env: []string{envAPIKey, ""}},
		{name: "unauthorized", setup: args("list"), env: []string{envAPIKey, "wrong-key"}, code: 1},

		{name: "list_empty", setup: args("list")},
		{name: "list", setup: func(t *testing.T, f *fake) []string {
			f.loaded(t, nil)
			f.loaded(t, nil, sampleNumbers...)
			f.complete(t, sampleNumbers...)
			return []string{"list"}
		}},
		{name: "list_page", setup: func(t *testing.T, f *fake) []string {
			for range 3 {
				f.loaded(t, nil)
			}
			return []string{"list", "--limit", "2"}
		}},
		{name: "list_all_json", setup: func(t *testing.T, f *fake) []string {
			for range 3 {
				f.loaded(t, nil)
			}
			return []string{"list", "--all", "--limit", "2", "--json"}
		}},

		{name: "get", setup: func(t *testing.T, f *fake) []string {
			cache := 7
			return []string{"get", f.loaded(t, &hlrlookup.BatchArguments{CacheDaysPrivate: &cache}, sampleNumbers...)}
		}},
		{name: "get_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"get", f.started(t, sampleNumbers...), "--json"}
		}},
		{name: "get_unknown", setup: args("get", "4242"), code: 1},
		{name: "get_bad_id", setup: args("get", ".."), code: 2},
		{name: "get_missing_id", setup: args("get"), code: 2},

		{name: "create", setup: args("create", "--filename", "march.csv", "--cache-days-private", "7", "--save-to-cache", "no", "--get-ported-date"),
			check: func(t *testing.T, f *fake, r cliResult) {
				b := batchState(t, f, "1001")
				if b.Filename != "march.csv" || !strings.Contains(string(b.Arguments), `"cache_days_private":7`) ||
					!strings.Contains(string(b.Arguments), `"save_to_cache":"NO"`) {
					t.Errorf("stored batch: %+v, arguments %s", b, b.Arguments)
				}
			}},
		{name: "create_json", setup: args("create", "--json")},
		{name: "create_bad_arguments", setup: args("create", "--cache-days-private", "99"), code: 2},

		{name: "upload", setup: func(t *testing.T, f *fake) []string {
			return []string{"upload", f.loaded(t, nil), numbersCSV, "--column", "B"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			if got := f.srv.Numbers("1001"); len(got) != 5 || got[0] != "+447700900001" {
				t.Errorf("stored numbers %q", got)
			}
		}},
		{name: "upload_stdin", stdin: stdinNumbers, setup: func(t *testing.T, f *fake) []string {
			return []string{"upload", f.loaded(t, nil), "-", "--json"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			if got := f.srv.Numbers("1001"); strings.Join(got, " ") != strings.Join(sampleNumbers, " ") {
				t.Errorf("stored numbers %q", got)
			}
		}},
		{name: "upload_has_data", setup: func(t *testing.T, f *fake) []string {
			return []string{"upload", f.loaded(t, nil, sampleNumbers...), numbersCSV}
		}, code: 1},
		{name: "upload_bad_column", setup: args("upload", "1001", numbersCSV, "--column", "-3"), code: 2},

		{name: "start", setup: func(t *testing.T, f *fake) []string {
			return []string{"start", f.loaded(t, nil, sampleNumbers...)}
		}},
		{name: "start_empty", setup: func(t *testing.T, f *fake) []string {
			return []string{"start", f.loaded(t, nil)}
		}, code: 1},
		{name: "pause", setup: func(t *testing.T, f *fake) []string {
			return []string{"pause", f.started(t, sampleNumbers...)}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			if s := batchState(t, f, "1001").Status; s != hlrlookuptest.StatusPaused {
				t.Errorf("status %s", s)
			}
		}},
		{name: "resume_json", setup: func(t *testing.T, f *fake) []string {
			id := f.started(t, sampleNumbers...)
			if err := f.client.PauseBatch(context.Background(), hlrlookup.BatchID(id)); err != nil {
				t.Fatal(err)
			}
			return []string{"resume", id, "--json"}
		}},
		{name: "schedule", setup: func(t *testing.T, f *fake) []string {
			return []string{"schedule", f.loaded(t, nil, sampleNumbers...), "2030-01-02T03:04:05Z"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			if b := batchState(t, f, "1001"); b.ScheduledStart == nil || b.ScheduledStart.Year() != 2030 {
				t.Errorf("scheduled start %v", b.ScheduledStart)
			}
		}},
		{name: "schedule_bad_time", setup: args("schedule", "1001", "tomorrow"), code: 2},
		{name: "schedule_past", setup: args("schedule", "1001", "2001-01-01T00:00:00Z"), code: 2},

		{name: "wait", setup: func(t *testing.T, f *fake) []string {
			return []string{"wait", f.started(t, sampleNumbers...), "--poll-interval", "1ms"}
		}},
		{name: "wait_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"wait", "--poll-interval=1ms", f.started(t, sampleNumbers...), "--json"}
		}},
		{name: "wait_unknown", setup: args("wait", "4242", "--poll-interval", "1ms"), code: 1},

		{name: "download_stdout", setup: func(t *testing.T, f *fake) []string {
			return []string{"download", f.complete(t, sampleNumbers[:2]...)}
		}},
		{name: "download_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"download", f.complete(t, sampleNumbers[:1]...), "--json"}
		}},
		{name: "download_out", setup: func(t *testing.T, f *fake) []string {
			return []string{"download", f.complete(t, sampleNumbers...), "--out", filepath.Join(f.dir, "r.json"), "--format", "json"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			var records []map[string]any
			data, err := os.ReadFile(filepath.Join(f.dir, "r.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &records); err != nil || len(records) != len(sampleNumbers) {
				t.Errorf("saved %d records, err %v", len(records), err)
			}
		}},
		{name: "download_not_complete", setup: func(t *testing.T, f *fake) []string {
			return []string{"download", f.started(t, sampleNumbers...)}
		}, code: 1},
		{name: "download_bad_format", setup: args("download", "1001", "--format", "xml"), code: 2},

		{name: "results", setup: func(t *testing.T, f *fake) []string {
			return []string{"results", f.complete(t, sampleNumbers...)}
		}},
		{name: "results_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"results", f.complete(t, sampleNumbers...), "--json"}
		}},
		{name: "results_file", setup: func(t *testing.T, f *fake) []string {
			id := f.complete(t, sampleNumbers...)
			path := filepath.Join(f.dir, "saved.csv")
			if _, err := f.client.DownloadFile(context.Background(), hlrlookup.BatchID(id), hlrlookup.FormatCSV, path); err != nil {
				t.Fatal(err)
			}
			return []string{"results", "--file", path}
		}},
		{name: "results_no_args", setup: args("results"), code: 2},

		{name: "delete_yes", setup: func(t *testing.T, f *fake) []string {
			return []string{"delete", f.loaded(t, nil), "--yes"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			if _, ok := f.srv.Batch("1001"); ok {
				t.Error("batch 1001 still exists")
			}
		}},
		{name: "delete_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"delete", "--yes", "--json", f.loaded(t, nil)}
		}},
		{name: "delete_not_terminal", setup: func(t *testing.T, f *fake) []string {
			return []string{"delete", f.loaded(t, nil)}
		}, code: 2, check: func(t *testing.T, f *fake, r cliResult) {
			batchState(t, f, "1001")
		}},

		{name: "run", setup: func(t *testing.T, f *fake) []string {
			return []string{"run", numbersCSV, "--column", "B", "--out", filepath.Join(f.dir, "results.csv"), "--poll-interval", "1ms"}
		}, check: func(t *testing.T, f *fake, r cliResult) {
			data, err := os.ReadFile(filepath.Join(f.dir, "results.csv"))
			if err != nil || !strings.HasPrefix(string(data), "name,phone,") {
				t.Errorf("results file: %v %.40q", err, data)
			}
		}},
		{name: "run_no_out", setup: args("run", numbersCSV, "--column", "B", "--poll-interval", "1ms", "--filename", "march")},
		{name: "run_stdin", stdin: stdinNumbers, setup: args("run", "-", "--poll-interval", "1ms", "--cache-days-global", "10")},
		{name: "run_json", setup: func(t *testing.T, f *fake) []string {
			return []string{"run", "--json", numbersCSV, "--column=B", "--out", filepath.Join(f.dir, "r.json"), "--format", "json", "--poll-interval", "1ms"}
		}},
		{name: "run_no_wait", setup: args("run", numbersCSV, "--column", "B", "--no-wait"), check: func(t *testing.T, f *fake, r cliResult) {
			if s := batchState(t, f, "1001").Status; s != hlrlookuptest.StatusProcessing {
				t.Errorf("status %s", s)
			}
		}},
		{name: "run_no_wait_json", setup: args("run", numbersCSV, "--column", "B", "--no-wait", "--json")},
		{name: "run_missing_file", setup: args("run", "does-not-exist.csv"), code: 1, check: func(t *testing.T, f *fake, r cliResult) {
			if n := len(f.srv.Requests()); n != 0 {
				t.Errorf("%d requests for a missing file", n)
			}
		}},
		{name: "run_format_without_out", setup: args("run", numbersCSV, "--format", "json"), code: 2},

		{name: "lookup", setup: args("lookup", "+447700900001", "+14155550100", "+4915112345678", "+33612345678", "12345"),
			check: func(t *testing.T, f *fake, r cliResult) {
				if n := f.srv.Charges("+447700900001"); n != 1 {
					t.Errorf("charged %d times for +447700900001", n)
				}
			}},
		{name: "lookup_json", setup: args("lookup", "--json", "+447700900001", "12345")},
		{name: "lookup_mnp", setup: args("lookup", "--mnp", "+447700900001", "+14155550100")},
		{name: "lookup_validate_json", setup: args("lookup", "--validate", "--json", "+4915112345678")},
		{name: "lookup_stdin", stdin: stdinNumbers, setup: args("lookup", "-", "--cache-days-private", "7")},
		{name: "lookup_stdin_empty", stdin: "\n\n", setup: args("lookup", "-"), code: 1},
		{name: "lookup_no_numbers", setup: args("lookup"), code: 2},
		{name: "lookup_bad_option", setup: args("lookup", "+447700900001", "--cache-days-private", "99"), code: 2,
			check: func(t *testing.T, f *fake, r cliResult) {
				if n := len(f.srv.Requests()); n != 0 {
					t.Errorf("%d requests for a bad option", n)
				}
			}},
		{name: "lookup_mnp_and_validate", setup: args("lookup", "--mnp", "--validate", "+447700900001"), code: 2},
		{name: "lookup_unauthorized", setup: args("lookup", "+447700900001"), env: []string{envAPIKey, "wrong-key"}, code: 1},
		{name: "lookup_insufficient_credit", opts: []hlrlookuptest.ServerOption{hlrlookuptest.WithBalance(1)},
			setup: args("lookup", "+447700900001", "+14155550100")},
		{name: "lookup_outcome_unknown", setup: func(t *testing.T, f *fake) []string {
			f.srv.InjectFault(hlrlookuptest.Fault{Path: "/apiv2/hlr", Kind: hlrlookuptest.FaultHangUpAfter})
			return []string{"lookup", "--save-to-cache", "no", "+447700900001", "+14155550100"}
		}, code: 1, check: func(t *testing.T, f *fake, r cliResult) {
			if n := f.srv.Charges("+447700900001"); n != 1 {
				t.Errorf("charged %d times for +447700900001", n)
			}
		}},
		{name: "balance", opts: []hlrlookuptest.ServerOption{hlrlookuptest.WithBalance(1234.5)}, setup: args("balance")},
		{name: "balance_json", opts: []hlrlookuptest.ServerOption{hlrlookuptest.WithBalance(1234.5)}, setup: args("balance", "--json")},
		{name: "balance_unauthorized", setup: args("balance"), env: []string{envAPIKey, "wrong-key"}, code: 1},
		{name: "balance_extra_argument", setup: args("balance", "now"), code: 2},

		{name: "demo", setup: args("demo", "--poll-interval", "1ms"), wallClock: true},
		{name: "demo_json", setup: args("demo", "--poll-interval", "1ms", "--json"), wallClock: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tc.opts...)
			args := tc.setup(t, f)
			r := runCLI(f.env(tc.env...), tc.stdin, args...)
			rel := make([]string, len(args))
			for i, a := range args {
				rel[i] = strings.Replace(a, filepath.Dir(numbersCSV), "testdata/cli", 1)
			}
			normalize := func(s string) string {
				s = strings.ReplaceAll(f.normalize(s), filepath.Dir(numbersCSV), "testdata/cli")
				if tc.wallClock {
					s = creationDate.ReplaceAllString(s, `"creationDate": "(now)"`)
				}
				return s
			}
			checkGolden(t, tc.name, rel, tc.stdin, r, normalize)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if tc.check != nil {
				tc.check(t, f, r)
			}
		})
	}
}

// TestHelpEveryCommand checks that every command has --help with a usage
// line, its flags and an example, and that 'help CMD' prints the same.
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	var all strings.Builder
	for _, c := range commands {
		r := runCLI(env, "", c.name, "--help")
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%s --help: exit %d, stderr %q", c.name, r.code, r.stderr)
		}
		for _, want := range []string{"Usage:\n  hlrbatch " + c.name, "Flags:\n", "  --json", "  --help", "Example:\n  hlrbatch "} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help lacks %q:\n%s", c.name, want, r.stdout)
			}
		}
		if h := runCLI(env, "", "help", c.name); h.stdout != r.stdout || h.code != 0 {
			t.Errorf("help %s differs from %s --help", c.name, c.name)
		}
		all.WriteString(r.stdout + "\n")
	}
	checkGolden(t, "help_all", []string{"COMMAND --help  # for every command"}, "",
		cliResult{stdout: all.String()}, func(s string) string { return s })
}
