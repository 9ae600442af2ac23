package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// evil is text a hostile service sends: it would retitle the terminal and
// clear it, colour it with a C1 CSI, and reverse the line's direction.
const evil = "x\x1b]0;pwned\a\x1b[2J\u009b31m\u202eok\x7f"

// evilEscaped is evil as hlrbatch shows it.
const evilEscaped = `x\x1b]0;pwned\a\x1b[2J\u009b31m\u202eok\x7f`

// rawControl matches what must never reach the terminal: C0 controls other
// than newline and tab (the progress bar's own \r and ESC go to a terminal
// only), DEL, C1 controls, bidirectional overrides and invalid UTF-8.
var rawControl = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]|\ufffd")

// hostileService answers with control characters in every string it can:
// batch 1001 in its ID-less fields and status, batch 1002 (COMPLETE) in its
// filename and in its results, an HLR lookup in its result, an error message
// for anything else (the balance too).
func hostileService(t *testing.T) *httptest.Server {
	t.Helper()
	batch := func(id, status string) map[string]any {
		return map[string]any{"id": id, "status": status, "filename": evil + ".csv", "type": "HLR_V2" + evil,
			"numItems": 2, "numComplete": 2, "batchArguments": map[string]any{"note": evil}}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := func(status int, v any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(v)
		}
		switch r.URL.Path {
		case "/batches/":
			write(200, map[string]any{"total": 2, "offset": 0, "limit": 10,
				"batches": []any{batch("1001", "PROCESSING"+evil), batch("1002", "COMPLETE")}})
		case "/batches/1001":
			write(200, batch("1001", "PROCESSING"+evil))
		case "/batches/1002":
			write(200, batch("1002", "COMPLETE"))
		case "/apiv2/hlr":
			write(200, map[string]any{"results": []any{map[string]any{
				"error": "NONE", "request_parameters": map[string]any{"telephone_number": "+447700900001"},
				"live_status": "LIVE" + evil, "telephone_number_type": "MOBILE", "credits_spent": 1,
				"current_network_details": map[string]any{"name": evil, "country_iso3": "GBR"}}}})
		case "/batches/1002/results":
			w.Header().Set("Content-Type", "text/csv")
			w.Write([]byte("telephone_number,live_status,telephone_number_type,credits_spent,error\n+447700900001," + evil + ",MOBILE,1,NONE\n"))
		default:
			write(400, map[string]any{"error": "BAD_REQUEST", "message": "no such thing " + evil})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServerTextEscaped runs every command that prints the service's text:
// control characters are escaped before they reach the terminal, in text
// and in JSON, and the text is still there, readable.
func TestServerTextEscaped(t *testing.T) {
	t.Parallel()
	srv := hostileService(t)
	env := func(k string) string {
		return map[string]string{envAPIKey: "k", envSecret: "s", envBaseURL: srv.URL, envLookupURL: srv.URL + "/apiv2"}[k]
	}
	for _, tc := range []struct {
		args       []string
		stdin      string
		stdoutTTY  bool
		wantJSON   bool
		wantOutput string // escaped text that must be shown
	}{
		{args: []string{"list"}, wantOutput: "PROCESSING" + evilEscaped},
		{args: []string{"get", "1001"}, wantOutput: "HLR_V2" + evilEscaped},
		{args: []string{"get", "1001", "--json"}, wantJSON: true},
		{args: []string{"list", "--json"}, wantJSON: true},
		{args: []string{"wait", "1002"}, wantOutput: "Batch 1002 is COMPLETE"},
		{args: []string{"results", "1002"}, wantOutput: evilEscaped + "  1"},
		{args: []string{"results", "1002", "--json"}, wantJSON: true},
		{args: []string{"download", "1002"}, stdoutTTY: true, wantOutput: evilEscaped + ",MOBILE"},
		{args: []string{"download", "1001"}, wantOutput: "is PROCESSING" + evilEscaped},
		{args: []string{"get", "4242"}, wantOutput: "no such thing " + evilEscaped},
		{args: []string{"delete", "1001"}, stdin: "n\n", wantOutput: evilEscaped + ".csv, PROCESSING" + evilEscaped},
		{args: []string{"lookup", "+447700900001"}, wantOutput: "LIVE" + evilEscaped + "  MOBILE  " + evilEscaped},
		{args: []string{"lookup", "+447700900001", "--json"}, wantJSON: true},
		{args: []string{"balance"}, wantOutput: "no such thing " + evilEscaped},
	} {
		var stdout, stderr bytes.Buffer
		a := newApp(strings.NewReader(tc.stdin), &stdout, &stderr, env)
		a.stdinTTY, a.stdoutTTY = true, tc.stdoutTTY
		a.main(context.Background(), tc.args)
		out := stdout.String() + stderr.String()
		if m := rawControl.FindString(out); m != "" {
			t.Errorf("hlrbatch %q printed %q raw:\n%s", tc.args, m, out)
		}
		if tc.wantJSON {
			var v any
			if err := json.Unmarshal(stdout.Bytes(), &v); err != nil || !strings.Contains(stdout.String(), `\u001b]0;pwned\u0007`) {
				t.Errorf("hlrbatch %q: JSON %v:\n%s", tc.args, err, stdout.String())
			}
		} else if !strings.Contains(out, tc.wantOutput) {
			t.Errorf("hlrbatch %q: output lacks %q:\n%s", tc.args, tc.wantOutput, out)
		}
	}
}

// TestControlEscaper: the writer escapes across writes, keeps newlines,
// tabs and printable text (any script), and holds back a character split
// between two writes.
func TestControlEscaper(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	e := &controlEscaper{w: &b}
	for _, p := range []string{"é\tß\n", "a\x1b", "[2J", "\xc2", "\x9b", "漢\xe6", "\xbc\xa2", "\xff", "\xe6\xbc"} {
		if n, err := e.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	e.flush()
	if got, want := b.String(), `é	ß`+"\n"+`a\x1b[2J\u009b漢漢\xff\xe6\xbc`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := cell("a\tb\nc"); got != `a\tb\nc` {
		t.Errorf("cell = %q", got)
	}
	if got := escapeJSON([]byte(`"a` + "\x7f\u009b\u202e" + `é"`)); string(got) != `"a\u007f\u009b\u202eé"` {
		t.Errorf("escapeJSON = %s", got)
	}
	// Bidirectional marks and the line and paragraph separators, as the
	// SDK escapes them in its errors.
	if got := cell("a\u200fb\u200ec\u061cd\u2028e\u2029f"); got != `a\u200fb\u200ec\u061cd\u2028e\u2029f` {
		t.Errorf("cell = %q", got)
	}
	if got := escapeJSON([]byte(`"a` + "\u200f\u061c" + `"`)); string(got) != `"a\u200f\u061c"` {
		t.Errorf("escapeJSON = %s", got)
	}
}

// TestServerStatusCannotForgeALine: a status with a line break (kept by the
// output's escaper, which keeps the command's own newlines) is a field: it
// is shown escaped, so the service cannot print a line of its own.
func TestServerStatusCannotForgeALine(t *testing.T) {
	t.Parallel()
	const forged = "PROCESSING\nDeleted batch 1001"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/batches/1003":
			json.NewEncoder(w).Encode(map[string]any{"id": "1003", "status": forged, "filename": "a.csv", "numItems": 2})
		case r.Method == http.MethodPut && r.URL.Path == "/batches/1003/":
			w.Write([]byte("{}"))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	env := func(k string) string {
		return map[string]string{envAPIKey: "k", envSecret: "s", envBaseURL: srv.URL, envLookupURL: srv.URL + "/apiv2"}[k]
	}
	for _, args := range [][]string{{"start", "1003"}, {"pause", "1003"}, {"resume", "1003"}, {"get", "1003"}, {"download", "1003"}, {"results", "1003"}} {
		var stdout, stderr bytes.Buffer
		a := newApp(strings.NewReader(""), &stdout, &stderr, env)
		a.stdinTTY = true
		a.main(context.Background(), args)
		out := stdout.String() + stderr.String()
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "Deleted batch") {
				t.Errorf("hlrbatch %q printed the service's line %q:\n%s", args, line, out)
			}
		}
	}
}
