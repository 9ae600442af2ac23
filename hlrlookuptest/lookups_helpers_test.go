package hlrlookuptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// lookupBody is a lookup request body for the default account.
func lookupBody(items ...string) string {
	return `{"api_key":"` + APIKey + `","api_secret":"` + Secret + `","requests":[` + strings.Join(items, ",") + `]}`
}

// item is one element of "requests" with optional extra JSON members.
func item(number string, extra ...string) string {
	s := `{"telephone_number":"` + number + `"`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

// postLookup sends a lookup request with no query string, as the SDK does.
func postLookup(ctx context.Context, hc *http.Client, base, path, body string) (resp, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		return resp{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return roundTrip(hc, req)
}

// lookup posts body to path and checks the status.
func (c *tc) lookup(want int, path, body string) resp {
	c.t.Helper()
	r, err := postLookup(context.Background(), c.hc, c.srv.URL, path, body)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	if r.status != want {
		c.t.Fatalf("POST %s: status %d, want %d; body %s", path, r.status, want, r.body)
	}
	return r
}

// results decodes the records of a lookup answer in either envelope.
func (c *tc) results(r resp) []map[string]any {
	c.t.Helper()
	var out struct {
		Results []map[string]any
		Body    struct{ Results []map[string]any }
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		c.t.Fatalf("decode %s: %v", r.body, err)
	}
	if out.Results == nil {
		return out.Body.Results
	}
	return out.Results
}

// numberWith returns a UK mobile number whose generated HLR record
// satisfies ok.
func numberWith(t *testing.T, skip int, ok func(resultRecord) bool) string {
	t.Helper()
	for i := range 10_000 {
		n := fmt.Sprintf("+44770090%04d", i)
		if ok(makeRecord(n, defaultArgs(), time.Time{})) {
			if skip == 0 {
				return n
			}
			skip--
		}
	}
	t.Fatal("no such number")
	return ""
}

// charged returns the i-th number whose HLR lookup costs 1 credit.
func charged(t *testing.T, i int) string {
	return numberWith(t, i, func(r resultRecord) bool { return r.CreditsSpent == 1 })
}
