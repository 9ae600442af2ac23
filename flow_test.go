package hlrlookup_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// Flow tests: several SDK calls in a row against the fake service of package
// hlrlookuptest. Flows that wait (WaitForBatch, a scheduled start) run inside
// a synctest bubble on a fake made there WithoutNetwork, whose client calls
// its handler in memory, so that no test sleeps; the others talk to the fake
// over loopback.

// newFake starts a fake service that is closed when the test ends.
func newFake(t *testing.T, opts ...hlrlookuptest.ServerOption) *hlrlookuptest.Server {
	t.Helper()
	srv := hlrlookuptest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// fastWait polls every simulated second.
var fastWait = &hlrlookup.WaitOptions{PollInterval: time.Second, MaxPollInterval: time.Second}

// mustBatch creates a batch and uploads numbers to it.
func mustBatch(t *testing.T, c *hlrlookup.Client, nb hlrlookup.NewBatch, numbers ...string) hlrlookup.BatchID {
	t.Helper()
	ctx := t.Context()
	b, err := c.CreateBatch(ctx, nb)
	if err != nil {
		t.Fatalf("CreateBatch: %v", err)
	}
	if len(numbers) > 0 {
		if err := c.UploadNumbers(ctx, b.ID, numbers); err != nil {
			t.Fatalf("UploadNumbers: %v", err)
		}
	}
	return b.ID
}

// flatResult renders r with the dotted field names of the CSV download.
func flatResult(r *hlrlookup.Result) map[string]string {
	p := r.RequestParameters
	m := map[string]string{
		"error":                                  r.Error,
		"uuid":                                   r.UUID,
		"request_parameters.telephone_number":    r.TelephoneNumber,
		"request_parameters.cache_days_private":  strconv.Itoa(p.CacheDaysPrivate),
		"request_parameters.cache_days_global":   strconv.Itoa(p.CacheDaysGlobal),
		"request_parameters.save_to_cache":       p.SaveToCache,
		"request_parameters.input_format":        p.InputFormat,
		"request_parameters.output_format":       p.OutputFormat,
		"request_parameters.get_ported_date":     p.GetPortedDate,
		"request_parameters.get_landline_status": p.GetLandlineStatus,
		"request_parameters.usa_status":          p.USAStatus,
		"credits_spent":                          strconv.FormatFloat(r.CreditsSpent, 'g', -1, 64),
		"detected_telephone_number":              r.DetectedTelephoneNumber,
		"formatted_telephone_number":             r.FormattedTelephoneNumber,
		"live_status":                            string(r.LiveStatus),
		"telephone_number_type":                  string(r.TelephoneNumberType),
		"is_ported":                              r.IsPorted,
		"timestamp":                              r.Timestamp.UTC().Format(time.RFC3339),
		"sms_email":                              r.SMSEmail,
		"mms_email":                              r.MMSEmail,
	}
	for prefix, n := range map[string]hlrlookup.Network{"original_network": r.OriginalNetwork, "current_network": r.CurrentNetwork} {
		m[prefix] = n.Status
		d := prefix + "_details."
		m[d+"name"], m[d+"mccmnc"], m[d+"country_name"] = n.Name, n.MCCMNC, n.CountryName
		m[d+"country_iso3"], m[d+"area"], m[d+"country_prefix"] = n.CountryISO3, n.Area, n.CountryPrefix
	}
	return m
}

// flatRecord flattens a record of (*Server).ResultRecord the same way.
func flatRecord(rec map[string]any, prefix string, out map[string]string) map[string]string {
	for k, v := range rec {
		switch v := v.(type) {
		case map[string]any:
			flatRecord(v, prefix+k+".", out)
		case float64:
			out[prefix+k] = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			out[prefix+k] = fmt.Sprint(v)
		}
	}
	return out
}

// checkResult compares every field of the fake's record with r.
func checkResult(t *testing.T, r *hlrlookup.Result, want map[string]any) {
	t.Helper()
	got, w := flatResult(r), flatRecord(want, "", map[string]string{})
	for k, v := range w {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: record field %s=%q has no Result field in this test", r.TelephoneNumber, k, v)
		} else if g != v {
			t.Errorf("%s: %s = %q, want %q", r.TelephoneNumber, k, g, v)
		}
	}
	if len(w) != len(got) {
		t.Errorf("%s: record has %d fields, Result mapping %d", r.TelephoneNumber, len(w), len(got))
	}
}

func TestFlowLifecycle(t *testing.T) {
	t.Parallel()
	numbers := []string{
		"+447700900123", "+44 7911 123456", "+1 202-555-0143", "+13125550199", "+4915123456789",
		"+33612345678", "0034612345678", "+393471234567", "+31612345678", "+6421555012",
		"12345", "not-a-number",
	}
	days := 30
	args := &hlrlookup.BatchArguments{CacheDaysGlobal: &days, OutputFormat: "E164"}
	tests := []struct {
		name     string
		format   hlrlookup.Format
		envelope hlrlookuptest.Envelope
	}{
		{"csv", hlrlookup.FormatCSV, hlrlookuptest.EnvelopeArray},
		{"json array", hlrlookup.FormatJSON, hlrlookuptest.EnvelopeArray},
		{"json results envelope", hlrlookup.FormatJSON, hlrlookuptest.EnvelopeResults},
		{"json body envelope", hlrlookup.FormatJSON, hlrlookuptest.EnvelopeBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithJSONEnvelope(tt.envelope), hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(5)))
				ctx := t.Context()
				c := srv.Client()
				b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "flow.csv", Arguments: args})
				if err != nil {
					t.Fatal(err)
				}
				if b.Status != "NEW" || b.Filename != "flow.csv" || b.Type != hlrlookup.BatchTypeHLRV2 {
					t.Fatalf("created %+v", b)
				}
				if err := c.UploadNumbers(ctx, b.ID, numbers); err != nil {
					t.Fatal(err)
				}
				if b, err = c.GetBatch(ctx, b.ID); err != nil || b.NumItems != len(numbers) || b.Status != "READY" {
					t.Fatalf("after upload: %+v, %v", b, err)
				}
				if err := c.StartBatch(ctx, b.ID); err != nil {
					t.Fatal(err)
				}
				if b, err = c.WaitForBatch(ctx, b.ID, fastWait); err != nil || b.Status != hlrlookup.StatusComplete || b.NumComplete != len(numbers) {
					t.Fatalf("after wait: %+v, %v", b, err)
				}

				var results []*hlrlookup.Result
				if tt.format == hlrlookup.FormatCSV {
					for r, err := range c.Results(ctx, b.ID) {
						if err != nil {
							t.Fatal(err)
						}
						results = append(results, r)
					}
				} else {
					body, err := c.Download(ctx, b.ID, tt.format)
					if err != nil {
						t.Fatal(err)
					}
					for r, err := range hlrlookup.ReadResults(body) {
						if err != nil {
							t.Fatal(err)
						}
						results = append(results, r)
					}
					body.Close()
				}
				if len(results) != len(numbers) {
					t.Fatalf("%d results, want %d", len(results), len(numbers))
				}
				var half, bad int
				for i, r := range results {
					if r.TelephoneNumber != numbers[i] {
						t.Errorf("result %d is for %q, want %q", i, r.TelephoneNumber, numbers[i])
					}
					want, ok := srv.ResultRecord(string(b.ID), numbers[i])
					if !ok {
						t.Fatalf("fake has no batch %s", b.ID)
					}
					checkResult(t, r, want)
					if tt.format == hlrlookup.FormatCSV {
						if len(r.Extra) != 1 || r.Extra["column_1"] != numbers[i] {
							t.Errorf("%s: Extra = %q, want the uploaded column only", numbers[i], r.Extra)
						}
					} else if len(r.Extra) != 0 {
						t.Errorf("%s: Extra = %q, want none", numbers[i], r.Extra)
					}
					if r.CreditsSpent == 0.5 {
						half++
					}
					if r.TelephoneNumberType == hlrlookup.NumberTypeBadFormat {
						bad++
					}
				}
				if half == 0 || bad != 2 {
					t.Errorf("%d half-credit results (want some), %d BAD_FORMAT (want 2): the test data lost its point", half, bad)
				}

				if err := c.DeleteBatch(ctx, b.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := c.GetBatch(ctx, b.ID); !errors.Is(err, hlrlookup.ErrBatchNotFound) {
					t.Fatalf("GetBatch after delete: %v, want ErrBatchNotFound", err)
				}
			})
		})
	}
}

func TestFlowColumnBUpload(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := rows[0], rows[1:]

	srv := newFake(t)
	c := srv.Client()
	ctx := t.Context()
	b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "customers.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UploadFile(ctx, b.ID, "testdata/customers.csv", &hlrlookup.UploadOptions{Column: hlrlookup.ColumnB}); err != nil {
		t.Fatal(err)
	}
	var phones []string
	for _, row := range rows {
		phones = append(phones, row[1])
	}
	if got := srv.Numbers(string(b.ID)); !slices.Equal(got, phones) {
		t.Fatalf("fake stored %q, want column B %q", got, phones)
	}
	if reqs := srv.Requests(); reqs[len(reqs)-1].Query.Get("column") != "1" {
		t.Errorf("upload query %v, want column=1", reqs[len(reqs)-1].Query)
	}
	if err := c.StartBatch(ctx, b.ID); err != nil { // Instant: complete at once
		t.Fatal(err)
	}
	i := 0
	for r, err := range c.Results(ctx, b.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(rows) {
			t.Fatalf("more results than rows")
		}
		for j, name := range header {
			if r.Extra[name] != rows[i][j] {
				t.Errorf("row %d: Extra[%q] = %q, want %q", i, name, r.Extra[name], rows[i][j])
			}
		}
		if len(r.Extra) != len(header) {
			t.Errorf("row %d: Extra has %d keys, want %d: %q", i, len(r.Extra), len(header), r.Extra)
		}
		if r.TelephoneNumber != rows[i][1] {
			t.Errorf("row %d: TelephoneNumber %q, want %q", i, r.TelephoneNumber, rows[i][1])
		}
		i++
	}
	if i != len(rows) {
		t.Fatalf("%d results, want %d", i, len(rows))
	}
}

func TestFlowScheduledStart(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(4)))
		// Inside the bubble time.Now is the synctest clock, for the SDK and
		// for the fake's default clock alike: sleeping moves both.
		ctx := t.Context()
		c := srv.Client()
		id := mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123", "+447700900456", "+447700900789", "+12025550143", "+4915123456789", "+33612345678")
		start := time.Now().Add(time.Hour).Truncate(time.Second)
		if err := c.ScheduleBatch(ctx, id, start); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			after       time.Duration
			status      hlrlookup.BatchStatus
			numComplete int
		}{
			{0, "SCHEDULED", 0},
			{59 * time.Minute, "SCHEDULED", 0},
			{2 * time.Minute, hlrlookup.StatusProcessing, 4}, // this poll is the first to see it run
		}
		for _, s := range steps {
			time.Sleep(s.after)
			b, err := c.GetBatch(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != s.status || b.NumComplete != s.numComplete {
				t.Fatalf("at %v: %s %d/%d, want %s %d", time.Until(start), b.Status, b.NumComplete, b.NumItems, s.status, s.numComplete)
			}
			if b.ScheduledStart == nil || !b.ScheduledStart.Equal(start) {
				t.Fatalf("ScheduledStart %v, want %v", b.ScheduledStart, start)
			}
		}
		b, err := c.WaitForBatch(ctx, id, fastWait)
		if err != nil || b.Status != hlrlookup.StatusComplete || b.NumComplete != 6 {
			t.Fatalf("after wait: %+v, %v", b, err)
		}
	})
}

func TestFlowPauseResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(2)))
		ctx := t.Context()
		c := srv.Client()
		id := mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123", "+447700900456", "+447700900789", "+12025550143", "+4915123456789", "+33612345678", "+393471234567")
		get := func() *hlrlookup.Batch {
			t.Helper()
			b, err := c.GetBatch(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if err := c.StartBatch(ctx, id); err != nil {
			t.Fatal(err)
		}
		if b := get(); b.Status != hlrlookup.StatusProcessing || b.NumComplete != 2 {
			t.Fatalf("running: %s %d", b.Status, b.NumComplete)
		}
		if err := c.PauseBatch(ctx, id); err != nil {
			t.Fatal(err)
		}
		for range 3 { // a paused batch makes no progress, however often it is polled
			time.Sleep(time.Minute)
			if b := get(); b.Status != hlrlookup.StatusPaused || b.NumComplete != 2 {
				t.Fatalf("paused: %s %d, want PAUSED 2", b.Status, b.NumComplete)
			}
		}
		if err := c.PauseBatch(ctx, id); err != nil { // pausing again is harmless
			t.Fatal(err)
		}
		if err := c.StartBatch(ctx, id); err != nil {
			t.Fatal(err)
		}
		var seen []int
		b, err := c.WaitForBatch(ctx, id, &hlrlookup.WaitOptions{
			PollInterval: time.Second, MaxPollInterval: time.Second,
			OnProgress: func(b *hlrlookup.Batch) { seen = append(seen, b.NumComplete) },
		})
		if err != nil || b.Status != hlrlookup.StatusComplete {
			t.Fatalf("after wait: %+v, %v", b, err)
		}
		if want := []int{4, 6, 7}; !slices.Equal(seen, want) {
			t.Fatalf("progress after resume %v, want %v (resumed where it paused)", seen, want)
		}
	})
}

func TestFlowWaitProgressMonotonic(t *testing.T) {
	t.Parallel()
	const n = 25
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t, hlrlookuptest.WithoutNetwork(), hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(3)))
		ctx := t.Context()
		c := srv.Client()
		numbers := make([]string, n)
		for i := range numbers {
			numbers[i] = fmt.Sprintf("+4477009%05d", i)
		}
		id := mustBatch(t, c, hlrlookup.NewBatch{}, numbers...)
		if err := c.StartBatch(ctx, id); err != nil {
			t.Fatal(err)
		}
		var seen []int
		b, err := c.WaitForBatch(ctx, id, &hlrlookup.WaitOptions{
			PollInterval: time.Second, MaxPollInterval: 4 * time.Second,
			OnProgress: func(b *hlrlookup.Batch) {
				if b.NumItems != n {
					t.Errorf("NumItems %d, want %d", b.NumItems, n)
				}
				seen = append(seen, b.NumComplete)
			},
		})
		if err != nil || b.Status != hlrlookup.StatusComplete || b.NumComplete != n {
			t.Fatalf("after wait: %+v, %v", b, err)
		}
		want := []int{3, 6, 9, 12, 15, 18, 21, 24, 25}
		if !slices.Equal(seen, want) {
			t.Fatalf("OnProgress saw %v, want %v", seen, want)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] <= seen[i-1] {
				t.Fatalf("progress not increasing: %v", seen)
			}
		}
	})
}

func TestFlowRefusals(t *testing.T) {
	t.Parallel()
	const otherKey, otherSecret = "other-key", "other-secret"
	tests := []struct {
		name string
		// setup prepares a batch with the default account's client and
		// returns its id.
		setup func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID
		// as selects the account that makes the call: "" for the default.
		as   string
		call func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error
		want error
		code int
	}{
		{
			name: "second upload",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123")
			},
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				return c.UploadNumbers(ctx, id, []string{"+447700900456"})
			},
			want: hlrlookup.ErrBatchHasData, code: http.StatusConflict,
		},
		{
			name: "second upload of a file",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123")
			},
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				return c.UploadFile(ctx, id, "testdata/numbers.csv", nil)
			},
			want: hlrlookup.ErrBatchHasData, code: http.StatusConflict,
		},
		{
			name: "another account reads",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{})
			},
			as: otherKey,
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				_, err := c.GetBatch(ctx, id)
				return err
			},
			want: hlrlookup.ErrForbidden, code: http.StatusForbidden,
		},
		{
			name: "another account uploads",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{})
			},
			as: otherKey,
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				return c.UploadNumbers(ctx, id, []string{"+447700900123"})
			},
			want: hlrlookup.ErrForbidden, code: http.StatusForbidden,
		},
		{
			name: "another account starts",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123")
			},
			as: otherKey,
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				return c.StartBatch(ctx, id)
			},
			want: hlrlookup.ErrForbidden, code: http.StatusForbidden,
		},
		{
			name: "another account downloads",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				id := mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123")
				if err := c.StartBatch(t.Context(), id); err != nil {
					t.Fatal(err)
				}
				return id
			},
			as: otherKey,
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				_, err := c.DownloadTo(ctx, id, hlrlookup.FormatCSV, io.Discard)
				return err
			},
			want: hlrlookup.ErrForbidden, code: http.StatusForbidden,
		},
		{
			name: "another account deletes",
			setup: func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
				return mustBatch(t, c, hlrlookup.NewBatch{})
			},
			as: otherKey,
			call: func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
				return c.DeleteBatch(ctx, id)
			},
			want: hlrlookup.ErrForbidden, code: http.StatusForbidden,
		},
	}
	// The deleted batch refuses everything with 404.
	deleted := func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID {
		id := mustBatch(t, c, hlrlookup.NewBatch{}, "+447700900123")
		if err := c.DeleteBatch(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for name, call := range map[string]func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error{
		"get": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			_, err := c.GetBatch(ctx, id)
			return err
		},
		"start": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			return c.StartBatch(ctx, id)
		},
		"pause": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			return c.PauseBatch(ctx, id)
		},
		"delete": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			return c.DeleteBatch(ctx, id)
		},
		"upload": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			return c.UploadNumbers(ctx, id, []string{"+447700900123"})
		},
		"download": func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error {
			_, err := c.DownloadTo(ctx, id, hlrlookup.FormatJSON, io.Discard)
			return err
		},
	} {
		tests = append(tests, struct {
			name  string
			setup func(t *testing.T, c *hlrlookup.Client) hlrlookup.BatchID
			as    string
			call  func(ctx context.Context, c *hlrlookup.Client, id hlrlookup.BatchID) error
			want  error
			code  int
		}{"deleted batch: " + name, deleted, "", call, hlrlookup.ErrBatchNotFound, http.StatusNotFound})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, hlrlookuptest.WithAccount(otherKey, otherSecret))
			c := srv.Client()
			id := tt.setup(t, c)
			before, _ := srv.Batch(string(id))
			caller := c
			if tt.as == otherKey {
				other, err := hlrlookup.NewClient(otherKey, otherSecret, hlrlookup.WithBaseURL(srv.URL))
				if err != nil {
					t.Fatal(err)
				}
				caller = other
			}
			err := tt.call(t.Context(), caller, id)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var apiErr *hlrlookup.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.code {
				t.Fatalf("err = %#v, want an *APIError with status %d", err, tt.code)
			}
			if strings.Contains(err.Error(), hlrlookuptest.Secret) || strings.Contains(err.Error(), otherSecret) {
				t.Fatalf("error shows a secret: %v", err)
			}
			// The refusal changed nothing.
			after, ok := srv.Batch(string(id))
			if before.ID != "" && (!ok || after.Status != before.Status || after.Numbers != before.Numbers || after.Uploads != before.Uploads) {
				t.Fatalf("batch changed: before %+v, after %+v (ok %v)", before, after, ok)
			}
		})
	}
}

func TestFlowAllBatchesPages(t *testing.T) {
	t.Parallel()
	const total, limit = 23, 5
	srv := newFake(t, hlrlookuptest.WithAccount("other-key", "other-secret"))
	c := srv.Client()
	ctx := t.Context()
	other, err := hlrlookup.NewClient("other-key", "other-secret", hlrlookup.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "not-mine.csv"}); err != nil {
		t.Fatal(err)
	}
	var want []hlrlookup.BatchID
	for i := range total {
		b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: fmt.Sprintf("batch-%02d.csv", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b.ID)
	}
	srv.ResetRequests()

	var got []hlrlookup.BatchID
	for b, err := range c.AllBatches(ctx, &hlrlookup.ListOptions{Limit: limit}) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Filename != fmt.Sprintf("batch-%02d.csv", len(got)) {
			t.Errorf("batch %d is %q", len(got), b.Filename)
		}
		got = append(got, b.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("AllBatches gave %v, want %v", got, want)
	}
	var offsets []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet || r.Query.Get("limit") != strconv.Itoa(limit) {
			t.Errorf("unexpected request %s", r)
		}
		offsets = append(offsets, r.Query.Get("offset"))
	}
	// Offset 0 is not sent; the fifth page is short, so it is the last.
	if wantOffsets := []string{"", "5", "10", "15", "20"}; !slices.Equal(offsets, wantOffsets) {
		t.Fatalf("list requests at offsets %q, want %q", offsets, wantOffsets)
	}

	// Breaking out of the loop stops the paging.
	srv.ResetRequests()
	n := 0
	for _, err := range c.AllBatches(ctx, &hlrlookup.ListOptions{Limit: limit}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 7 {
			break
		}
	}
	if reqs := len(srv.Requests()); reqs != 2 {
		t.Fatalf("%d list requests for 7 batches, want 2", reqs)
	}
}

func TestFlowUploadNumbersOverLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("4", 30) // 30 bytes and a newline: 70,000 of them exceed 2 MiB
	tests := []struct {
		name    string
		numbers []string
	}{
		{"too many numbers", slices.Repeat([]string{"+447700900123"}, hlrlookup.MaxBodyNumbers+1)},
		{"too many bytes", slices.Repeat([]string{long}, 70_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			c := srv.Client()
			ctx := t.Context()
			b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{})
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetRequests()
			err = c.UploadNumbers(ctx, b.ID, tt.numbers)
			if !errors.Is(err, hlrlookup.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Fatalf("the fake got %d requests, first %s; want none", len(reqs), reqs[0])
			}
			// The batch still takes a list within the limits.
			if err := c.UploadNumbers(ctx, b.ID, tt.numbers[:hlrlookup.MaxBodyNumbers/10]); err != nil {
				t.Fatalf("upload within the limits: %v", err)
			}
			if st, _ := srv.Batch(string(b.ID)); st.Numbers != hlrlookup.MaxBodyNumbers/10 {
				t.Fatalf("fake stored %d numbers, want %d", st.Numbers, hlrlookup.MaxBodyNumbers/10)
			}
		})
	}
}

// TestFlowArgumentsReusedUnchanged: batchArguments read back from the
// service and reused for a new batch arrive as they were stored: big
// numbers keep every digit, and the second batch reads back the same JSON
// (issue 9, item 3).
func TestFlowArgumentsReusedUnchanged(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := srv.Client()
	ctx := t.Context()
	seven, yes := 7, true
	args := &hlrlookup.BatchArguments{CacheDaysPrivate: &seven, USAStatus: &yes, Extra: map[string]any{
		"legacy_id": json.RawMessage(`9007199254740993`), "big": json.RawMessage(`12345678901234567890`), "ratio": json.RawMessage(`1.50`),
	}}
	first, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "a.csv", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	readA, err := c.GetBatch(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	reused := readA.Arguments
	second, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "b.csv", Arguments: &reused})
	if err != nil {
		t.Fatal(err)
	}
	readB, err := c.GetBatch(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(readA.Arguments)
	b, _ := json.Marshal(readB.Arguments)
	want := `{"big":12345678901234567890,"cache_days_private":7,"legacy_id":9007199254740993,"ratio":1.50,"usa_status":"YES"}`
	if string(a) != want || string(b) != want {
		t.Errorf("arguments read back\n %s\n %s\nwant\n %s", a, b, want)
	}
}

// TestFlowUploadFromAPipe: numbers written into a pipe reach the fake once,
// whole (issue 9, item 13).
func TestFlowUploadFromAPipe(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := srv.Client()
	ctx := t.Context()
	b, err := c.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "stdin.csv"})
	if err != nil {
		t.Fatal(err)
	}
	data := "447700900001\n447700900002\n447700900003\n"
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		_, _ = io.WriteString(w, data)
		_ = w.Close()
	}()
	if err := c.Upload(ctx, b.ID, r, int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBatch(ctx, b.ID)
	if err != nil || got.NumItems != 3 {
		t.Fatalf("batch after the upload: %+v, %v; want 3 numbers", got, err)
	}
	posts := 0
	for _, req := range srv.Requests() {
		if req.Method == http.MethodPost && strings.HasSuffix(req.Path, "/source") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d uploads, want 1", posts)
	}
}
