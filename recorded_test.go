package hlrlookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file replays what 'hlrbatch doctor --record DIR' saved: every
// recorded answer is handed to the SDK call that asked for it, which must
// read it (a success) or classify it (an error, by its status), so that a
// maintainer learns at once which answers of the live service the SDK
// cannot take. TestRecordedExchanges replays a directory a user sent:
//
//	HLRLOOKUP_RECORDED=doctor-record go test -run TestRecordedExchanges .
//
// TestRecordedFakeExchanges replays testdata/recorded, a run of the doctor
// against the fake service (cmd/hlrbatch's TestDoctorRecordedTestdata
// writes it with -update), so that the replay itself is tested.

// envRecorded names the directory TestRecordedExchanges replays.
const envRecorded = "HLRLOOKUP_RECORDED"

func TestRecordedExchanges(t *testing.T) {
	dir := os.Getenv(envRecorded)
	if dir == "" {
		t.Skip(envRecorded + " is not set: set it to a directory written by 'hlrbatch doctor --record DIR' to replay its answers through the SDK")
	}
	replayRecorded(t, dir)
}

func TestRecordedFakeExchanges(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "recorded")
	n := replayRecorded(t, dir)
	if n < 20 {
		t.Errorf("replayed %d exchanges of %s, want the doctor's 21", n, dir)
	}
	// The fake's credentials (hlrlookuptest.APIKey and Secret) were
	// scrubbed: the SDK's own matcher finds neither, in any spelling.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"test-key", "test-secret"} {
			if mentions(string(data), c) {
				t.Errorf("%s holds %q", e.Name(), c)
			}
		}
	}
}

// recordedIndex is a record's index.json.
type recordedIndex struct {
	Format    string `json:"format"`
	Exchanges []struct {
		Seq  int    `json:"seq"`
		Step string `json:"step"`
		File string `json:"file"`
	} `json:"exchanges"`
}

// recordedBody is a body in a record: text, or base64 when not UTF-8.
type recordedBody struct {
	Text      *string `json:"text"`
	Base64    []byte  `json:"base64"`
	Truncated bool    `json:"truncated"`
	Withheld  string  `json:"withheld"` // why the doctor left the body out
}

func (b recordedBody) bytes() []byte {
	if b.Text != nil {
		return []byte(*b.Text)
	}
	return b.Base64
}

// recordedExchange is one file of a record.
type recordedExchange struct {
	Step           string       `json:"step"`
	Method         string       `json:"method"`
	URL            string       `json:"url"`
	RequestBody    recordedBody `json:"request_body"`
	Status         int          `json:"status"`
	ResponseHeader http.Header  `json:"response_headers"`
	ResponseBody   recordedBody `json:"response_body"`
	Error          string       `json:"error"`
}

// recordFormat is the only layout of a record this replay reads.
const recordFormat = "hlrbatch-doctor-record/1"

// maxRecordedFile bounds a file of a record: the doctor keeps at most 64 KiB
// of each body, which base64 and JSON escapes make at most about 400 KiB.
const maxRecordedFile = 1 << 20

// replayRecorded replays every exchange of dir that has an answer and
// returns how many it replayed; it fails the test on each answer the SDK
// cannot read and on a directory that is not a record it knows.
func replayRecorded(t *testing.T, dir string) int {
	t.Helper()
	n, errs := replayDir(dir, t.Logf)
	for _, err := range errs {
		t.Error(err)
	}
	return n
}

// replayDir replays the record in dir: it returns how many exchanges it
// replayed and what went wrong. The directory came from a user: its files
// are read inside it only (no name or link leads out), each at most
// maxRecordedFile bytes, and what they say is printed quoted.
func replayDir(dir string, logf func(string, ...any)) (int, []error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, []error{fmt.Errorf("%v: give a directory written by 'hlrbatch doctor --record DIR'", err)}
	}
	defer root.Close()
	data, err := readRecordFile(root, "index.json")
	if err != nil {
		return 0, []error{fmt.Errorf("%v: give a directory written by 'hlrbatch doctor --record DIR'", err)}
	}
	var idx recordedIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return 0, []error{fmt.Errorf("index.json: %v", err)}
	}
	if idx.Format != recordFormat {
		return 0, []error{fmt.Errorf("index.json: format %q: this replay reads %q only (a record of another version of hlrbatch: replay it with that version)", idx.Format, recordFormat)}
	}
	var errs []error
	replayed := 0
	for _, entry := range idx.Exchanges {
		data, err := readRecordFile(root, entry.File)
		if err != nil {
			errs = append(errs, fmt.Errorf("exchange %d (%q): %v", entry.Seq, entry.Step, err))
			continue
		}
		var e recordedExchange
		if err := json.Unmarshal(data, &e); err != nil {
			errs = append(errs, fmt.Errorf("%q: %v", entry.File, err))
			continue
		}
		name := fmt.Sprintf("%q %q %q", entry.File, e.Method, e.URL)
		switch {
		case e.Status == 0:
			logf("%s: no answer was recorded (%q)", name, e.Error)
			continue
		case e.ResponseBody.Truncated:
			logf("%s: the answer is larger than the record keeps; not replayed", name)
			continue
		case e.ResponseBody.Withheld != "" || e.RequestBody.Withheld != "":
			logf("%s: a body was withheld (%q); not replayed", name, e.ResponseBody.Withheld+e.RequestBody.Withheld)
			continue
		}
		if err := replayOne(&e); err != nil {
			errs = append(errs, fmt.Errorf("%s: answered %d: the SDK cannot read it: %q\nbody: %.300q", name, e.Status, err.Error(), e.ResponseBody.bytes()))
		}
		replayed++
	}
	if replayed == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: no exchange with an answer to replay (%d in index.json)", dir, len(idx.Exchanges)))
	}
	return replayed, errs
}

// readRecordFile reads the file name of a record: a plain name, inside the
// record's directory (no link out of it), at most maxRecordedFile bytes.
func readRecordFile(root *os.Root, name string) ([]byte, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || filepath.Base(name) != name {
		return nil, fmt.Errorf("%q is not the name of a file of the record", name)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecordedFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecordedFile {
		return nil, fmt.Errorf("%q is larger than %d KiB: not a file the doctor writes", name, maxRecordedFile>>10)
	}
	return data, nil
}

// replayTransport answers the one request of a replay with the recorded
// answer, after checking that the SDK asked what was recorded.
type replayTransport struct {
	e    *recordedExchange
	used bool
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if rt.used {
		return nil, fmt.Errorf("replay: a second request (%s %s) where one was recorded", req.Method, req.URL.Path)
	}
	rt.used = true
	recordedPath, _, _ := strings.Cut(rt.e.URL, "?")
	if req.Method != rt.e.Method || !strings.HasSuffix(recordedPath, req.URL.EscapedPath()) && !strings.HasSuffix(req.URL.EscapedPath(), recordedPath) {
		return nil, fmt.Errorf("replay: the SDK sent %s %s, the record has %s %s", req.Method, req.URL.EscapedPath(), rt.e.Method, recordedPath)
	}
	body := rt.e.ResponseBody.bytes()
	header := rt.e.ResponseHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", rt.e.Status, http.StatusText(rt.e.Status)), StatusCode: rt.e.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}, nil
}

// replayOne hands e's answer to the SDK call that asks e's request, and
// says whether the SDK read it: a success without error, an error answer
// (or a lookup's error inside a 200) as an *APIError of the recorded
// status.
func replayOne(e *recordedExchange) error {
	rt := &replayTransport{e: e}
	c, err := NewClient("replay-key", "replay-secret", WithBaseURL("https://replay.invalid"),
		WithLookupURL("https://replay.invalid/apiv2"), WithHTTPClient(&http.Client{Transport: rt}),
		WithRetryPolicy(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = replayCall(ctx, c, e)
	var apiErr *APIError
	switch {
	case err == nil && e.Status >= 200 && e.Status < 300:
		return nil
	case err == nil:
		return fmt.Errorf("the SDK took a %d for a success", e.Status)
	case errors.As(err, &apiErr) && apiErr.StatusCode == e.Status:
		return nil
	}
	return err
}

// replayCall makes the SDK call that sends e's request.
func replayCall(ctx context.Context, c *Client, e *recordedExchange) error {
	path, rawQuery, _ := strings.Cut(e.URL, "?")
	query, _ := url.ParseQuery(rawQuery)
	reqBody := e.RequestBody.bytes()
	if i := strings.Index(path, "/apiv2/"); i >= 0 {
		return replayLookup(ctx, c, path[i+len("/apiv2/"):], reqBody)
	}
	i := strings.Index(path, "/batches")
	if i < 0 {
		return fmt.Errorf("replay: %s is neither a batches nor a lookup path", path)
	}
	rest := strings.Trim(path[i+len("/batches"):], "/")
	if rest == "" {
		switch e.Method {
		case http.MethodGet:
			offset, _ := strconv.Atoi(query.Get("offset"))
			limit, _ := strconv.Atoi(query.Get("limit"))
			_, err := c.ListBatches(ctx, &ListOptions{Offset: offset, Limit: limit})
			return err
		case http.MethodPost:
			var nb struct {
				Filename string    `json:"filename"`
				Type     BatchType `json:"type"`
			}
			_ = json.Unmarshal(reqBody, &nb)
			_, err := c.CreateBatch(ctx, NewBatch{Filename: nb.Filename, Type: nb.Type})
			return err
		}
	}
	segments := strings.Split(rest, "/")
	id, err := url.PathUnescape(segments[0])
	if err != nil {
		return err
	}
	bid := BatchID(id)
	switch {
	case len(segments) == 1 && e.Method == http.MethodGet:
		_, err := c.GetBatch(ctx, bid)
		return err
	case len(segments) == 1 && e.Method == http.MethodDelete:
		return c.DeleteBatch(ctx, bid)
	case len(segments) == 1 && e.Method == http.MethodPut:
		var put struct {
			Status         BatchStatus `json:"status"`
			ScheduledStart string      `json:"scheduledStart"`
		}
		_ = json.Unmarshal(reqBody, &put)
		switch {
		case put.Status == StatusPaused:
			return c.PauseBatch(ctx, bid)
		case put.ScheduledStart != "":
			at, err := time.Parse(time.RFC3339, put.ScheduledStart)
			if err != nil {
				return err
			}
			return c.ScheduleBatch(ctx, bid, at)
		}
		return c.StartBatch(ctx, bid)
	case len(segments) == 2 && segments[1] == "source" && e.Method == http.MethodPost:
		column, _ := strconv.Atoi(query.Get("column"))
		return c.Upload(ctx, bid, bytes.NewReader(reqBody), int64(len(reqBody)), &UploadOptions{Column: Column(column)})
	case len(segments) == 2 && segments[1] == "results" && e.Method == http.MethodGet:
		format := FormatCSV
		if query.Get("format") == "json" {
			format = FormatJSON
		}
		rc, err := c.Download(ctx, bid, format)
		if err != nil {
			return err
		}
		defer rc.Close()
		n := 0
		for _, err := range ReadResults(rc) {
			if err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return errors.New("the results hold no record")
		}
		return nil
	}
	return fmt.Errorf("replay: no SDK call sends %s %s", e.Method, path)
}

// replayLookup makes the lookup call (hlr, mnp, validate, balance) of a
// recorded request.
func replayLookup(ctx context.Context, c *Client, kind string, reqBody []byte) error {
	if kind == "balance" {
		_, err := c.Balance(ctx)
		return err
	}
	var body struct {
		Requests []struct {
			TelephoneNumber string `json:"telephone_number"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(reqBody, &body); err != nil || len(body.Requests) == 0 {
		return fmt.Errorf("replay: the recorded request holds no numbers (%v)", err)
	}
	numbers := make([]string, len(body.Requests))
	for i, r := range body.Requests {
		numbers[i] = r.TelephoneNumber
	}
	var results []*Result
	var err error
	switch LookupKind(kind) {
	case LookupHLR:
		results, err = c.LookupHLR(ctx, numbers, nil)
	case LookupMNP:
		results, err = c.LookupMNP(ctx, numbers, nil)
	case LookupValidate:
		results, err = c.ValidateNumbers(ctx, numbers, nil)
	default:
		return fmt.Errorf("replay: no SDK call sends POST /apiv2/%s", kind)
	}
	if err != nil {
		return err
	}
	for i, r := range results {
		if r == nil {
			return fmt.Errorf("no result for %q", numbers[i])
		}
	}
	return nil
}

// TestReplayRefusesWhatIsNotARecord: the replay reads a directory a user
// sent. It fails on an answer the SDK cannot read; on a record of another
// version, or one with nothing to replay; and it reads no file outside the
// directory (a name with a path, a link out) and no file larger than any the
// doctor writes.
func TestReplayRefusesWhatIsNotARecord(t *testing.T) {
	t.Parallel()
	src := filepath.Join("testdata", "recorded")
	rewrite := func(t *testing.T, dir, name string, edit func(map[string]any)) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		if data, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string
	}{
		{"an answer the SDK cannot read", func(t *testing.T, dir string) {
			rewrite(t, dir, "003-create.json", func(m map[string]any) { m["response_body"] = map[string]any{"text": "<html>\x1b[2J"} })
		}, `"003-create.json" "POST"`},
		{"another version", func(t *testing.T, dir string) {
			rewrite(t, dir, "index.json", func(m map[string]any) { m["format"] = "hlrbatch-doctor-record/2" })
		}, `format "hlrbatch-doctor-record/2"`},
		{"nothing to replay", func(t *testing.T, dir string) {
			rewrite(t, dir, "index.json", func(m map[string]any) { m["exchanges"] = []any{} })
		}, "no exchange with an answer to replay"},
		{"a name with a path", func(t *testing.T, dir string) {
			rewrite(t, dir, "index.json", func(m map[string]any) {
				m["exchanges"].([]any)[0].(map[string]any)["file"] = "../outside.json"
			})
		}, `"../outside.json" is not the name of a file of the record`},
		{"a link out of the directory", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "outside.json")
			data, _ := os.ReadFile(filepath.Join(dir, "001-balance.json"))
			if err := os.WriteFile(outside, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_ = os.Remove(filepath.Join(dir, "001-balance.json"))
			if err := os.Symlink(outside, filepath.Join(dir, "001-balance.json")); err != nil {
				t.Skip(err)
			}
		}, `exchange 1 ("balance")`},
		{"a huge file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "001-balance.json"), bytes.Repeat([]byte(" "), 2<<20), 0o600); err != nil {
				t.Fatal(err)
			}
		}, `"001-balance.json" is larger than 1024 KiB`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "record")
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			tc.prepare(t, dir)
			_, errs := replayDir(dir, func(string, ...any) {})
			all := fmt.Sprint(errs)
			if !strings.Contains(all, tc.want) || strings.Contains(all, "\x1b") {
				t.Errorf("errors %q\nwant one with %q, and no control character", all, tc.want)
			}
		})
	}
}
