package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/seed682fd871/hlrlookup"
)

// What a success must carry (issue 9, item 5): each operation's 2xx answer
// is checked for what the call needs, and an answer that lacks it is an
// error matching ErrUnexpectedResponse, never a success with nothing in it.

const okBase = "https://api.test"

// okAnswer is a canned answer; length -1 sends the body with no
// Content-Length (as a chunked answer would).
type okAnswer struct {
	status int
	body   string
	length int64
}

func (a okAnswer) responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		n := a.length
		if n == 0 {
			n = int64(len(a.body))
		}
		h := http.Header{}
		if a.status == http.StatusPartialContent {
			h.Set("Content-Range", "bytes 0-"+strconv.Itoa(len(a.body)-1)+"/1000")
		}
		return &http.Response{
			Status: strconv.Itoa(a.status) + " " + http.StatusText(a.status), StatusCode: a.status,
			Header: h, Body: io.NopCloser(strings.NewReader(a.body)), ContentLength: n, Request: req,
		}, nil
	}
}

func okClient(t *testing.T, method, url string, a okAnswer) (*hlrlookup.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request %s %s", req.Method, req.URL.Path)
		return nil, errors.New("no responder")
	})
	mt.RegisterResponder(method, url, a.responder())
	c, err := hlrlookup.NewClient("key-123456", "s3cr3t-DO-NOT-LEAK", hlrlookup.WithBaseURL(okBase),
		hlrlookup.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestBatchAnswersMustDescribeTheBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  okAnswer
		mention string // "" means success
	}{
		{"empty object", okAnswer{status: 200, body: `{}`}, "no batch id"},
		{"status only", okAnswer{status: 200, body: `{"status":"PROCESSING"}`}, "no batch id"},
		{"null id", okAnswer{status: 200, body: `{"id":null,"status":"COMPLETE"}`}, "no batch id"},
		{"204 no content", okAnswer{status: 204}, "empty body"},
		{"another batch", okAnswer{status: 200, body: `{"id":"43","status":"COMPLETE"}`}, `describes batch "43"`},
		{"an invalid id", okAnswer{status: 200, body: `{"id":"../43","status":"COMPLETE"}`}, "an invalid id"},
		{"id as a number", okAnswer{status: 200, body: `{"id":42,"status":"COMPLETE"}`}, ""},
		{"decimal id with a leading zero", okAnswer{status: 200, body: `{"id":"042","status":"COMPLETE"}`}, ""},
		{"a full batch", okAnswer{status: 200, body: `{"id":"42","status":"COMPLETE","numItems":1,"numComplete":1}`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := okClient(t, http.MethodGet, okBase+"/batches/42", tt.answer)
			b, err := c.GetBatch(t.Context(), "42")
			if tt.mention == "" {
				if err != nil || b == nil {
					t.Fatalf("GetBatch = %+v, %v", b, err)
				}
				return
			}
			if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || !strings.Contains(err.Error(), tt.mention) || b != nil {
				t.Errorf("GetBatch = %+v, %v; want ErrUnexpectedResponse saying %q", b, err, tt.mention)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestWaitForBatchStopsOnAnAnswerItCannotUse: an answer without an id or a
// status ends the wait at once instead of polling until the deadline.
func TestWaitForBatchStopsOnAnAnswerItCannotUse(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"status":"PROCESSING"}`, `{"id":"42"}`, `{"id":"42","status":null}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := okClient(t, http.MethodGet, okBase+"/batches/42", okAnswer{status: 200, body: body})
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				start := time.Now()
				_, err := c.WaitForBatch(ctx, "42", nil)
				if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("WaitForBatch = %v; want ErrUnexpectedResponse at once", err)
				}
				if n, waited := mt.GetTotalCallCount(), time.Since(start); n != 1 || waited != 0 {
					t.Errorf("%d polls over %s, want 1 and no wait", n, waited)
				}
			})
		})
	}
}

func TestListAndCreateAnswersMustCarryWhatTheCallNeeds(t *testing.T) {
	t.Parallel()
	for _, a := range []okAnswer{{status: 204}, {status: 200, body: `{}`}, {status: 200, body: `{"total":3}`}, {status: 206, body: `{"batches":null}`}} {
		c, _ := okClient(t, http.MethodGet, okBase+"/batches/", a)
		l, err := c.ListBatches(t.Context(), nil)
		if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || l != nil {
			t.Errorf("ListBatches on %d %q = %+v, %v; want ErrUnexpectedResponse", a.status, a.body, l, err)
		}
		n := 0
		for _, err := range c.AllBatches(t.Context(), nil) {
			if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) {
				t.Errorf("AllBatches on %d %q yielded %v", a.status, a.body, err)
			}
			n++
		}
		if n != 1 {
			t.Errorf("AllBatches on %d %q yielded %d times, want the error once", a.status, a.body, n)
		}
	}
	// A create whose answer lacks the id may still have created the batch.
	for _, a := range []okAnswer{{status: 204}, {status: 201, body: `{"status":"NEW"}`}, {status: 200, body: `{}`}, {status: 201, body: `{"id":"../x"}`}} {
		c, mt := okClient(t, http.MethodPost, okBase+"/batches/", a)
		b, err := c.CreateBatch(t.Context(), hlrlookup.NewBatch{Filename: "a.csv"})
		if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || !errors.Is(err, hlrlookup.ErrOutcomeUnknown) || b != nil {
			t.Errorf("CreateBatch on %d %q = %+v, %v; want ErrUnexpectedResponse and ErrOutcomeUnknown", a.status, a.body, b, err)
		}
		if n := mt.GetTotalCallCount(); n != 1 {
			t.Errorf("CreateBatch on %d %q: %d requests, want 1", a.status, a.body, n)
		}
	}
}

// TestCommandsTakeAnyTwoHundred: start, pause, schedule and delete need
// nothing back; any 2xx, with or without a body, is their success.
func TestCommandsTakeAnyTwoHundred(t *testing.T) {
	t.Parallel()
	commands := []struct {
		name   string
		method string
		url    string
		call   func(context.Context, *hlrlookup.Client) error
	}{
		{"StartBatch", http.MethodPut, okBase + "/batches/42/", func(ctx context.Context, c *hlrlookup.Client) error { return c.StartBatch(ctx, "42") }},
		{"PauseBatch", http.MethodPut, okBase + "/batches/42/", func(ctx context.Context, c *hlrlookup.Client) error { return c.PauseBatch(ctx, "42") }},
		{"ScheduleBatch", http.MethodPut, okBase + "/batches/42/", func(ctx context.Context, c *hlrlookup.Client) error {
			return c.ScheduleBatch(ctx, "42", time.Now().Add(time.Hour))
		}},
		{"DeleteBatch", http.MethodDelete, okBase + "/batches/42", func(ctx context.Context, c *hlrlookup.Client) error { return c.DeleteBatch(ctx, "42") }},
	}
	for _, cmd := range commands {
		for _, a := range []okAnswer{{status: 200}, {status: 200, body: `{"id":"42"}`}, {status: 202}, {status: 204}, {status: 205}} {
			c, mt := okClient(t, cmd.method, cmd.url, a)
			if err := cmd.call(t.Context(), c); err != nil {
				t.Errorf("%s on %d %q: %v", cmd.name, a.status, a.body, err)
			}
			if n := mt.GetTotalCallCount(); n != 1 {
				t.Errorf("%s on %d: %d requests", cmd.name, a.status, n)
			}
		}
	}
}

// TestDownloadsNeedTwoHundredWithABody: a results download succeeds only on
// 200 with a body. 204 and 205 carry no results, 206 only a part of them,
// and an empty 200 body is no results file (even a batch without rows has
// a CSV header). DownloadFile then leaves no file behind.
func TestDownloadsNeedTwoHundredWithABody(t *testing.T) {
	t.Parallel()
	const csv = "request_parameters.telephone_number,live_status\n447700900123,LIVE\n"
	answers := []struct {
		name    string
		a       okAnswer
		mention string // "" means success
	}{
		{"204 no content", okAnswer{status: 204}, "status 204"},
		{"205 reset content", okAnswer{status: 205}, "status 205"},
		{"206 partial content", okAnswer{status: 206, body: csv[:20]}, "only part of the results"},
		{"202 accepted", okAnswer{status: 202, body: csv}, "status 202"},
		{"empty 200", okAnswer{status: 200}, "results body is empty"},
		{"empty 200 of unknown length", okAnswer{status: 200, length: -1}, "results body is empty"},
		{"200 with results", okAnswer{status: 200, body: csv}, ""},
		{"200 with results of unknown length", okAnswer{status: 200, body: csv, length: -1}, ""},
	}
	calls := []struct {
		name string
		call func(context.Context, *hlrlookup.Client, string) (string, error) // what arrived
	}{
		{"Download", func(ctx context.Context, c *hlrlookup.Client, _ string) (string, error) {
			rc, err := c.Download(ctx, "42", hlrlookup.FormatCSV)
			if err != nil {
				return "", err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			return string(b), err
		}},
		{"DownloadTo", func(ctx context.Context, c *hlrlookup.Client, _ string) (string, error) {
			var buf bytes.Buffer
			_, err := c.DownloadTo(ctx, "42", hlrlookup.FormatCSV, &buf)
			return buf.String(), err
		}},
		{"DownloadFile", func(ctx context.Context, c *hlrlookup.Client, dir string) (string, error) {
			path := filepath.Join(dir, "r.csv")
			_, err := c.DownloadFile(ctx, "42", hlrlookup.FormatCSV, path)
			b, _ := os.ReadFile(path)
			return string(b), err
		}},
		{"Results", func(ctx context.Context, c *hlrlookup.Client, _ string) (string, error) {
			var got []string
			for r, err := range c.Results(ctx, "42") {
				if err != nil {
					return strings.Join(got, ","), err
				}
				got = append(got, r.TelephoneNumber)
			}
			return strings.Join(got, ","), nil
		}},
	}
	for _, call := range calls {
		for _, tt := range answers {
			t.Run(call.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c, mt := okClient(t, http.MethodGet, okBase+"/batches/42/results", tt.a)
				dir := t.TempDir()
				got, err := call.call(t.Context(), c, dir)
				if n := mt.GetTotalCallCount(); n != 1 {
					t.Errorf("%d requests, want 1", n)
				}
				if tt.mention == "" {
					if err != nil || got == "" {
						t.Fatalf("got %q, %v", got, err)
					}
					return
				}
				if !errors.Is(err, hlrlookup.ErrUnexpectedResponse) || !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("err = %v; want ErrUnexpectedResponse saying %q", err, tt.mention)
				}
				if got != "" {
					t.Errorf("%q arrived as results", got)
				}
				if left, _ := os.ReadDir(dir); len(left) != 0 {
					t.Errorf("files left behind: %v", left)
				}
			})
		}
	}
}
