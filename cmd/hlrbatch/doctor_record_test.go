package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// A key and a secret with characters that every encoding spells otherwise:
// "/", "+", "&", "=", "<", a quote and a letter beyond ASCII.
const (
	echoKey    = "acct-key-9f2c"
	echoSecret = `s3cr3t/+&=<doc>"é-must-never-be-recorded`
)

// echoTransport is the fake service, except that its error answers, and a
// header of every answer, echo the request's credentials back in the ways
// servers do: the query as received, percent-encoded, JSON-escaped, as HTML
// and in base64. extra, if set, is one more spelling of the secret.
type echoTransport struct {
	base  http.RoundTripper
	extra string
}

func (t echoTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var sentBody []byte
	if req.Body != nil {
		sentBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sentBody))
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Header.Set("X-Echo", req.URL.RawQuery)
	if resp.StatusCode < 400 {
		return resp, nil
	}
	_ = resp.Body.Close()
	q := req.URL.Query()
	key, secret := q.Get("apikey"), q.Get("secret")
	message := strings.Join([]string{
		"you sent " + req.URL.String(),
		"secret=" + url.QueryEscape(secret),
		"escaped " + strings.ReplaceAll(url.QueryEscape(secret), "%", "%25"),
		"html " + html.EscapeString(secret),
		"basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret)),
		"hex " + hex.EncodeToString([]byte(secret)),
		"body " + string(sentBody),
		"extra " + t.extra,
	}, "; ")
	body, _ := json.Marshal(map[string]string{"error": "NOT_FOUND", "message": message})
	if resp.StatusCode == http.StatusConflict {
		body, _ = json.Marshal(map[string]string{"error": "DATA_ALREADY_LOADED", "message": message})
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return resp, nil
}

// mixedCase percent-encodes every byte of s, the hex in lower and upper
// case by turns: a spelling the scrubber does not list.
func mixedCase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		h := fmt.Sprintf("%%%02x", s[i])
		if i%2 == 0 {
			h = strings.ToUpper(h)
		}
		b.WriteString(h)
	}
	return b.String()
}

// TestDoctorRecordHoldsNoSecret records a run against a service that
// echoes the key and the secret back in its error answers and headers, in
// many spellings: every file of the record holds neither, in any encoding,
// and the doctor says so; nothing it prints holds them either.
func TestDoctorRecordHoldsNoSecret(t *testing.T) {
	t.Parallel()
	f := doctorFake(t, hlrlookuptest.WithAccount(echoKey, echoSecret))
	dir := filepath.Join(t.TempDir(), "record")
	env := f.env(envAPIKey, echoKey, envSecret, echoSecret)
	r := runDoctor(t.Context(), f, echoTransport{base: f.srv.Transport()}, env, "",
		"--yes", "--poll-interval", "1ms", "--record", dir)
	if r.code != exitOK || !strings.Contains(r.stderr, "no file holds the API key or the secret") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if findCredential([]byte(out), map[string]string{"key": echoKey, "secret": echoSecret}) != "" {
			t.Errorf("the output holds a credential:\n%s", out)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	echoed := false
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		echoed = echoed || bytes.Contains(data, []byte("you sent"))
		assertNoCredential(t, e.Name(), data)
	}
	if len(entries) < 20 || !echoed {
		t.Errorf("%d files, an echo among them: %v", len(entries), echoed)
	}
}

// assertNoCredential fails if data holds echoKey or echoSecret: as they
// are, or in the spellings of the echo, after the file's JSON is decoded
// (its bodies are JSON strings), after percent-decoding once and twice, and
// after HTML unescaping. It is written apart from findCredential, to check
// it.
func assertNoCredential(t *testing.T, name string, data []byte) {
	t.Helper()
	texts := []string{string(data)}
	var e exchange
	if json.Unmarshal(data, &e) == nil {
		texts = append(texts, string(e.RequestBody.data), string(e.ResponseBody.data), e.URL)
		for _, vs := range e.ResponseHeader {
			texts = append(texts, vs...)
		}
		var inner map[string]string
		if json.Unmarshal(e.ResponseBody.data, &inner) == nil {
			texts = append(texts, inner["message"])
		}
	}
	for _, s := range slices.Clone(texts) {
		once, err1 := url.QueryUnescape(s)
		if err1 == nil {
			texts = append(texts, once)
			if twice, err := url.QueryUnescape(once); err == nil {
				texts = append(texts, twice)
			}
		}
		texts = append(texts, html.UnescapeString(s))
	}
	for _, s := range texts {
		for _, c := range []string{echoKey, echoSecret, hex.EncodeToString([]byte(echoSecret)),
			base64.StdEncoding.EncodeToString([]byte(echoKey + ":" + echoSecret))} {
			if strings.Contains(s, c) {
				t.Errorf("%s holds a credential (%.20q…) in %.200q", name, c, s)
			}
		}
	}
}

// TestDoctorRecordCheckCatchesWhatScrubbingMissed echoes the secret in a
// spelling the scrubber does not list (percent-encoding in mixed case):
// the recorder's own check withholds those bodies, so that the files, the
// report and the terminal hold neither credential. Reading the files back
// is the last line: given files that hold a credential (written past the
// recorder), as it is or in a gzip body, it finds them.
func TestDoctorRecordCheckCatchesWhatScrubbingMissed(t *testing.T) {
	t.Parallel()
	f := doctorFake(t, hlrlookuptest.WithAccount(echoKey, echoSecret))
	dir := filepath.Join(t.TempDir(), "record")
	env := f.env(envAPIKey, echoKey, envSecret, echoSecret)
	r := runDoctor(t.Context(), f, echoTransport{base: f.srv.Transport(), extra: mixedCase(echoSecret)}, env, "",
		"--yes", "--poll-interval", "1ms", "--record", dir)
	if r.code != exitOK || !strings.Contains(r.stderr, "no file holds the API key or the secret") {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, echoSecret) || strings.Contains(r.stderr+r.stdout, mixedCase(echoSecret)) {
		t.Errorf("the output holds the secret")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	withheld := 0
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		assertNoCredential(t, e.Name(), data)
		if bytes.Contains(bytes.ToLower(data), []byte(strings.ToLower(mixedCase(echoSecret)))) {
			t.Errorf("%s was kept", e.Name())
		}
		if bytes.Contains(data, []byte(`"withheld": "not recorded: the body held the secret (percent-decoded)"`)) {
			withheld++
		}
	}
	if withheld != 3 {
		t.Errorf("%d bodies withheld, want the 3 error answers'", withheld)
	}

	// The read-back check, on files the recorder did not vet.
	dir2 := t.TempDir()
	bad := []*exchange{
		{Seq: 1, Step: "plain", Method: "GET", URL: "/x", ResponseBody: recordBody{data: []byte("no: " + mixedCase(echoSecret))}},
		{Seq: 2, Step: "gzip", Method: "GET", URL: "/x", ResponseBody: recordBody{data: gzipped([]byte(echoSecret))}},
		{Seq: 3, Step: "clean", Method: "GET", URL: "/x", ResponseBody: recordBody{data: gzipped([]byte("nothing"))}},
	}
	names, err := writeRecord(dir2, bad, "test")
	if err != nil {
		t.Fatal(err)
	}
	found, err := checkRecordFiles(dir2, names, map[string]string{"the API key": echoKey, "the secret": echoSecret})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found["001-plain.json"] == "" || !strings.Contains(found["002-gzip.json"], "compressed") {
		t.Errorf("the check found %q", found)
	}
}

// TestScrubberAndCheck: the scrubber replaces every spelling it lists; the
// check finds the credential in each of them and in spellings the scrubber
// does not list, and in nothing else.
func TestScrubberAndCheck(t *testing.T) {
	t.Parallel()
	creds := map[string]string{"the secret": echoSecret}
	s := newScrubber(echoSecret)
	jsonQuoted, _ := json.Marshal(echoSecret)
	spelt := map[string]string{
		"raw":              echoSecret,
		"query":            url.QueryEscape(echoSecret),
		"path":             url.PathEscape(echoSecret),
		"percent lower":    percentAll(echoSecret, false),
		"percent upper":    percentAll(echoSecret, true),
		"percent twice":    strings.ReplaceAll(url.QueryEscape(echoSecret), "%", "%25"),
		"json":             string(jsonQuoted),
		"json quoted":      fmt.Sprintf("%q", string(jsonQuoted)),
		"json \\u":         unicodeAll(echoSecret, false),
		"json \\U":         unicodeAll(echoSecret, true),
		"html":             html.EscapeString(echoSecret),
		"html decimal":     htmlDecAll(echoSecret),
		"html hex":         htmlHexAll(echoSecret, true),
		"hex":              hex.EncodeToString([]byte(echoSecret)),
		"base64":           base64.StdEncoding.EncodeToString([]byte(echoSecret)),
		"base64 url":       base64.RawURLEncoding.EncodeToString([]byte(echoSecret)),
		"base64 offset 1":  base64.StdEncoding.EncodeToString([]byte("k:" + echoSecret)),
		"base64 offset 2":  base64.StdEncoding.EncodeToString([]byte("ke:" + echoSecret)),
		"base64 in basic":  "Basic " + base64.StdEncoding.EncodeToString([]byte(echoKey+":"+echoSecret)),
		"mixed case (new)": mixedCase(echoSecret),
	}
	for name, sp := range spelt {
		text := "before " + sp + " after"
		if got := findCredential([]byte(text), creds); got == "" {
			t.Errorf("%s: the check does not find %q", name, sp)
		}
		if name == "mixed case (new)" {
			continue
		}
		if clean := s.text(text); findCredential([]byte(clean), creds) != "" {
			t.Errorf("%s: the scrubber left %q", name, clean)
		}
	}
	for _, clean := range []string{"", "s3cr3t", "secret=REDACTED", `{"api_secret":"REDACTED"}`, "aGVsbG8gd29ybGQ=", "deadbeef"} {
		if got := findCredential([]byte(clean), creds); got != "" {
			t.Errorf("%q: the check found %s", clean, got)
		}
	}
	u, _ := url.Parse("/batches/1?apikey=k&secret=" + url.QueryEscape(echoSecret) + "&limit=1")
	if got := s.url(u); got != "/batches/1?apikey=REDACTED&limit=1&secret=REDACTED" {
		t.Errorf("url: %s", got)
	}
	h := s.header(http.Header{"Authorization": {"Bearer x"}, "X-Echo": {"secret=" + url.QueryEscape(echoSecret)}})
	if h.Get("Authorization") != redacted || h.Get("X-Echo") != "secret="+redacted {
		t.Errorf("header: %v", h)
	}
}

// recordedDir is where the exchanges of a run against the default fake are
// kept for TestRecordedExchanges in the root package.
var recordedDir = filepath.Join("..", "..", "testdata", "recorded")

// TestDoctorRecordedTestdata records a run against the default fake and
// compares its index with the one committed in testdata/recorded, which
// the root package's TestRecordedExchanges replays; -update rewrites the
// directory.
func TestDoctorRecordedTestdata(t *testing.T) {
	t.Parallel()
	f := doctorFake(t)
	dir := filepath.Join(t.TempDir(), "record")
	r := runDoctor(t.Context(), f, nil, f.env(), "", "--yes", "--poll-interval", "1ms", "--record", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if *update {
		if err := os.RemoveAll(recordedDir); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(recordedDir, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	read := func(dir string) recordIndex {
		var idx recordIndex
		data, err := os.ReadFile(filepath.Join(dir, "index.json"))
		if err == nil {
			err = json.Unmarshal(data, &idx)
		}
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	got, want := read(dir), read(recordedDir)
	if !slices.Equal(got.Exchanges, want.Exchanges) || got.Format != want.Format {
		t.Errorf("the record differs from %s (go test -update rewrites it):\n got %+v\nwant %+v", recordedDir, got, want)
	}
	for _, e := range want.Exchanges {
		if _, err := os.Stat(filepath.Join(recordedDir, e.File)); err != nil {
			t.Error(err)
		}
	}
}

// TestDoctorRecordHidesOtherBatchNames: the pages of the list show the
// user's own batches; the record keeps their names out, and the doctor's
// batch's in.
func TestDoctorRecordHidesOtherBatchNames(t *testing.T) {
	t.Parallel()
	f := doctorFake(t)
	dir := filepath.Join(t.TempDir(), "record")
	r := runDoctor(t.Context(), f, nil, f.env(), "", "--yes", "--poll-interval", "1ms", "--record", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	all := ""
	for _, name := range []string{"005-list-first.json", "006-list-second.json", "004-get-created.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		all += string(data)
	}
	if strings.Contains(all, "fixture.csv") || !strings.Contains(all, "REDACTED: not the doctor's batch") ||
		!strings.Contains(all, doctorBatchPrefix) {
		t.Errorf("the record shows another batch's name, or hides the doctor's:\n%s", all)
	}
	if got := hideFilenames([]byte(`{"filename":"a \"quoted\" name","x":1}`)); string(got) != `{"filename":"REDACTED: not the doctor's batch","x":1}` {
		t.Errorf("hideFilenames: %s", got)
	}
}

// frontEcho is the fake service, except that its 404 answers are the
// secret, as the request sent it, in the spelling spell gives, behind
// Content-Encoding encoding if set.
type frontEcho struct {
	base     http.RoundTripper
	spell    func(secret string) []byte
	encoding string
}

func (t frontEcho) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		return resp, err
	}
	_ = resp.Body.Close()
	body := t.spell(req.URL.Query().Get("secret"))
	if t.encoding != "" {
		resp.Header.Set("Content-Encoding", t.encoding)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return resp, nil
}

// gzipped is b compressed with gzip.
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	_, _ = w.Write(b)
	_ = w.Close()
	return out.Bytes()
}

// TestDoctorRecordWithholdsWhatScrubbingCannotReach: an answer that holds
// the secret where no scrubbing reaches (compressed, in an encoding the
// transport does not undo; in a spelling the scrubber does not list, at
// the start of an error body that the report quotes) is withheld from the
// record, the report and the terminal; the read-back check finds nothing
// and says so.
func TestDoctorRecordWithholdsWhatScrubbingCannotReach(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		spell    func(string) []byte
		encoding string
		withheld string
	}{
		{"gzip", func(s string) []byte { return gzipped([]byte(`{"error":"NOT_FOUND","message":"` + s + `"}`)) },
			"gzip, identity", "not recorded: the body held the secret (as it is), compressed"},
		{"gzip without Content-Encoding", func(s string) []byte { return gzipped([]byte("no: " + s)) },
			"", "not recorded: the body held the secret (as it is), compressed"},
		{"gzip of gzip", func(s string) []byte { return gzipped(gzipped([]byte("no: " + s))) },
			"gzip", "not recorded: the body held the secret (as it is), compressed"},
		{"br", func(s string) []byte { return []byte("\x1b\x00\x00" + s) },
			"br", "not recorded: the body is in Content-Encoding br, which the doctor cannot decode to check it"},
		{"its first byte percent-encoded, quoted by the report", func(s string) []byte { return []byte(fmt.Sprintf("no: %%%02X%s", s[0], s[1:])) },
			"", "not recorded: the body held the secret (percent-decoded)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := doctorFake(t, hlrlookuptest.WithAccount(echoKey, echoSecret))
			dir := filepath.Join(t.TempDir(), "record")
			env := f.env(envAPIKey, echoKey, envSecret, echoSecret)
			r := runDoctor(t.Context(), f, frontEcho{base: f.srv.Transport(), spell: tc.spell, encoding: tc.encoding}, env, "",
				"--yes", "--json", "--poll-interval", "1ms", "--record", dir)
			if !strings.Contains(r.stderr, "no file holds the API key or the secret") {
				t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			creds := map[string]string{"key": echoKey, "secret": echoSecret}
			for _, out := range []string{r.stdout, r.stderr} {
				if what := findCredential([]byte(out), creds); what != "" {
					t.Errorf("the output holds %s:\n%s", what, out)
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, "002-not-found.json"))
			if err != nil {
				t.Fatal(err)
			}
			var e exchange
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatal(err)
			}
			if e.ResponseBody.withheld != tc.withheld || len(e.ResponseBody.data) != 0 {
				t.Errorf("the 404's body: withheld %q, %d bytes; want withheld %q", e.ResponseBody.withheld, len(e.ResponseBody.data), tc.withheld)
			}
		})
	}
}

// bodyTransport answers every request 200 with body.
type bodyTransport []byte

func (b bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req,
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}, nil
}

// TestRecorderCutKeepsNoPartOfASecret: a body longer than the record's
// bound whose secret straddles the read-ahead's end, after many long
// spellings that scrubbing shortens (which pulls what follows towards the
// start): no part of that secret is kept.
func TestRecorderCutKeepsNoPartOfASecret(t *testing.T) {
	t.Parallel()
	long := percentAll(echoSecret, false)
	head := strings.Repeat(long+" ", 60)
	straddle := maxRecordedBody + readAheadSlack - 20 // the secret's first 20 bytes in the read-ahead
	body := head + strings.Repeat("x", straddle-len(head)) + echoSecret + strings.Repeat("y", 1000)
	rec := newRecorder(bodyTransport(body), echoKey, echoSecret)
	req, _ := http.NewRequest(http.MethodGet, "https://example.invalid/batches/1", nil)
	resp, err := rec.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != body {
		t.Error("the caller did not get the body as sent")
	}
	kept := rec.all()[0].ResponseBody
	if !kept.truncated || len(kept.data) > maxRecordedBody {
		t.Errorf("kept %d bytes, truncated %v", len(kept.data), kept.truncated)
	}
	if part := echoSecret[:12]; bytes.Contains(kept.data, []byte(part)) {
		t.Errorf("the record keeps %q, the start of the secret", part)
	}
}
