package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// TestSecretNeverPrinted runs every command, in success and failure, with
// a distinctive secret and checks that no output holds it.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	const (
		key    = "acct-key-5e1f"
		secret = "s3cr3t-hlrbatch-must-never-print"
	)
	f := newFake(t, hlrlookuptest.WithAccount(key, secret))
	// A batch of the default account: this account gets 403 for it.
	foreign := f.loaded(t, nil, sampleNumbers...)
	f.srv.InjectFault(hlrlookuptest.Fault{Method: "GET", Path: "/batches/{id}", Status: 500, Times: 1})
	f.srv.InjectFault(hlrlookuptest.Fault{Path: "/apiv2/hlr", Kind: hlrlookuptest.FaultHangUpAfter, Times: 1})
	numbersCSV := filepath.Join("testdata", "cli", "numbers.csv")
	out := filepath.Join(f.dir, "out.csv")
	env := f.env(envAPIKey, key, envSecret, secret)
	wrongKey := f.env(envAPIKey, "wrong", envSecret, secret)
	noKey := f.env(envAPIKey, "", envSecret, secret)

	steps := []struct {
		env  func(string) string
		args []string
	}{
		{env, []string{"get", "1002"}}, // the injected 500, retried, then 404
		{env, []string{"create", "--filename", "s.csv"}},
		{env, []string{"upload", "1002", numbersCSV, "--column", "B"}},
		{env, []string{"upload", "1002", numbersCSV}}, // 409
		{env, []string{"get", "1002", "--json"}},
		{env, []string{"list"}},
		{env, []string{"list", "--all", "--json"}},
		{env, []string{"start", "1002"}},
		{env, []string{"pause", "1002"}},
		{env, []string{"download", "1002"}}, // not complete
		{env, []string{"resume", "1002", "--json"}},
		{env, []string{"wait", "1002", "--poll-interval", "1ms"}},
		{env, []string{"download", "1002"}},
		{env, []string{"download", "1002", "--out", out}},
		{env, []string{"results", "1002"}},
		{env, []string{"results", "--file", out, "--json"}},
		{env, []string{"run", numbersCSV, "--column", "B", "--poll-interval", "1ms", "--json"}},
		{env, []string{"run", "-", "--no-wait"}},
		{env, []string{"create", "--json"}},
		{env, []string{"schedule", "1005", "in 2h"}}, // no data
		{env, []string{"get", foreign}},              // 403
		{env, []string{"delete", "1002", "--yes"}},
		{env, []string{"get", "1002"}}, // 404
		{noKey, []string{"list", "--api-key", key}},
		{wrongKey, []string{"list"}},
		{wrongKey, []string{"run", numbersCSV}},
		{env, []string{"list", "--base-url", "http://example.com"}}, // refused: not https
		{env, []string{"lookup", "+447700900001", "12345"}},         // the injected hang-up: 12345 (not cached) in doubt
		{env, []string{"lookup", "--mnp", "--json", "-"}},
		{env, []string{"lookup", "--save-to-cache", "no", "+447700900001"}},
		{wrongKey, []string{"lookup", "+447700900001"}},
		{env, []string{"lookup", "+447700900001", "--lookup-url", "http://example.com/apiv2"}}, // refused: not https
		{env, []string{"balance", "--json"}},
		{wrongKey, []string{"balance"}},
		{env, []string{"demo", "--poll-interval", "1ms"}},
		{env, []string{"doctor", "--yes", "--poll-interval", "1ms", "--json"}},
		{wrongKey, []string{"doctor", "--yes", "--poll-interval", "1ms"}},
		{env, []string{"version"}},
		{env, []string{"--help"}},
	}
	for _, c := range commands {
		steps = append(steps, struct {
			env  func(string) string
			args []string
		}{env, []string{c.name, "--help"}})
	}
	codes := map[int]int{}
	for _, s := range steps {
		r := runCLI(s.env, strings.Join(sampleNumbers, "\n"), s.args...)
		codes[r.code]++
		t.Logf("hlrbatch %q: exit %d: %.120q", s.args, r.code, r.stderr)
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("hlrbatch %q printed the secret:\nstdout: %s\nstderr: %s", s.args, r.stdout, r.stderr)
		}
	}
	// The steps must cover success, API errors and usage errors.
	if codes[0] < 20 || codes[1] < 5 || codes[2] < 1 {
		t.Errorf("exit codes %v: the steps do not cover what they should", codes)
	}
	// The steps were real calls with this account's credentials.
	if b, ok := f.srv.Batch("1003"); !ok || b.Owner != key || b.Status != hlrlookuptest.StatusComplete {
		t.Errorf("batch 1003 made by run: %+v, %v", b, ok)
	}
}
