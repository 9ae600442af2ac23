package hlrlookuptest

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLookupRequestValidation(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	n := charged(t, 0)
	many := func(k int) string {
		items := make([]string, k)
		for i := range items {
			items[i] = item(n)
		}
		return lookupBody(items...)
	}
	creds := `"api_key":"` + APIKey + `","api_secret":"` + Secret + `"`
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
	}{
		{"80 numbers", "POST", "/apiv2/hlr", "", many(80), 200},
		{"trailing slash", "POST", "/apiv2/mnp/", "", lookupBody(item(n)), 200},
		{"charset", "POST", "/apiv2/validate", "application/json; charset=utf-8", lookupBody(item(n)), 200},
		{"all options", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"cache_days_private":30`, `"cache_days_global":0`,
			`"save_to_cache":"NO"`, `"input_format":"GBR"`, `"output_format":"PLUS_E164"`, `"get_ported_date":"YES"`,
			`"get_landline_status":"NO"`, `"usa_status":"YES"`)), 200},
		{"81 numbers", "POST", "/apiv2/hlr", "", many(81), 400},
		{"no numbers", "POST", "/apiv2/hlr", "", lookupBody(), 400},
		{"no requests", "POST", "/apiv2/hlr", "", `{` + creds + `}`, 400},
		{"requests not an array", "POST", "/apiv2/hlr", "", `{` + creds + `,"requests":{"telephone_number":"1"}}`, 400},
		{"item not an object", "POST", "/apiv2/hlr", "", lookupBody(`"+447700900001"`), 400},
		{"no telephone_number", "POST", "/apiv2/hlr", "", lookupBody(`{"cache_days_private":1}`), 400},
		{"numeric telephone_number", "POST", "/apiv2/hlr", "", lookupBody(`{"telephone_number":447700900001}`), 400},
		{"unknown top-level key", "POST", "/apiv2/hlr", "", `{` + creds + `,"requests":[` + item(n) + `],"batch":1}`, 400},
		{"unknown item key", "POST", "/apiv2/mnp", "", lookupBody(item(n, `"cache_days":1`)), 400},
		{"cache_days_private 31", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"cache_days_private":31`)), 400},
		{"cache_days_private string", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"cache_days_private":"1"`)), 400},
		{"cache_days_private fraction", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"cache_days_private":1.5`)), 400},
		{"cache_days_global negative", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"cache_days_global":-1`)), 400},
		{"save_to_cache lower case", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"save_to_cache":"yes"`)), 400},
		{"input_format two letters", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"input_format":"GB"`)), 400},
		{"output_format unknown", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"output_format":"E165"`)), 400},
		{"get_ported_date boolean", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"get_ported_date":true`)), 400},
		{"get_landline_status Y", "POST", "/apiv2/validate", "", lookupBody(item(n, `"get_landline_status":"Y"`)), 400},
		{"usa_status number", "POST", "/apiv2/hlr", "", lookupBody(item(n, `"usa_status":1`)), 400},
		{"one bad item of two", "POST", "/apiv2/hlr", "", lookupBody(item(n), item(n, `"usa_status":"MAYBE"`)), 400},
		{"wrong secret", "POST", "/apiv2/hlr", "", `{"api_key":"` + APIKey + `","api_secret":"nope","requests":[` + item(n) + `]}`, 401},
		{"wrong key", "POST", "/apiv2/balance", "", `{"api_key":"nope","api_secret":"` + Secret + `"}`, 401},
		{"missing secret", "POST", "/apiv2/hlr", "", `{"api_key":"` + APIKey + `","requests":[` + item(n) + `]}`, 400},
		{"empty credentials", "POST", "/apiv2/balance", "", `{"api_key":"","api_secret":""}`, 400},
		{"credentials in the query only", "POST", "/apiv2/hlr?api_key=" + APIKey + "&api_secret=" + Secret, "", `{"requests":[` + item(n) + `]}`, 400},
		{"bad JSON", "POST", "/apiv2/hlr", "", `{"api_key":`, 400},
		{"JSON array", "POST", "/apiv2/hlr", "", `[]`, 400},
		{"text/plain", "POST", "/apiv2/hlr", "text/plain", lookupBody(item(n)), 400},
		{"GET", "GET", "/apiv2/hlr", "", "", 405},
		{"balance with requests", "POST", "/apiv2/balance", "", lookupBody(item(n)), 400},
		{"secret as a key", "POST", "/apiv2/hlr", "", `{` + creds + `,"requests":[` + item(n, `"`+Secret+`":1`) + `]}`, 400},
		{"unknown path", "POST", "/apiv2/getbalance", "", `{` + creds + `}`, 404},
		{"no kind", "POST", "/apiv2/", "", `{` + creds + `}`, 404},
		{"deeper path", "GET", "/apiv2/hlr/1", "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, c.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			ctype := tt.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			req.Header.Set("Content-Type", ctype)
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			_, _ = io.Copy(&b, res.Body)
			res.Body.Close()
			body := b.String()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, tt.status, body)
			}
			if strings.Contains(body, Secret) {
				t.Errorf("the answer holds the secret: %s", body)
			}
			switch {
			case tt.status == 404:
				if body != "" || res.Header.Get("Content-Length") != "0" {
					t.Errorf("404 body %q (Content-Length %q), want empty", body, res.Header.Get("Content-Length"))
				}
			case tt.status == 405:
				if res.Header.Get("Allow") != "POST" {
					t.Errorf("Allow %q", res.Header.Get("Allow"))
				}
			case tt.status >= 400:
				want := map[int]string{400: "BAD_REQUEST", 401: "UNAUTHORIZED"}[tt.status]
				if code := (resp{body: []byte(body)}).errCode(); code != want {
					t.Errorf("error %q, want %q: %s", code, want, body)
				}
			}
		})
	}
	// 80 HLR, one MNP, one validation; the HLR with every option is a
	// private-cache hit (cache_days_private 30), free.
	if got := c.srv.Charges(n); got != 82 {
		t.Errorf("Charges = %d, want 82: only the 200s charge", got)
	}
}

func TestLookupEnvelopes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		opts   []ServerOption
		prefix string
	}{
		{"default results", nil, `{"results":[`},
		{"results", []ServerOption{WithLookupEnvelope(EnvelopeResults)}, `{"results":[`},
		{"body", []ServerOption{WithLookupEnvelope(EnvelopeBody)}, `{"body":{"results":[`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newTC(t, tt.opts...)
			r := c.lookup(200, "/apiv2/hlr", lookupBody(item("+447700900001"), item("abc")))
			if !strings.HasPrefix(string(r.body), tt.prefix) || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("answer %s (%s), want it to start with %s", r.body, r.header.Get("Content-Type"), tt.prefix)
			}
			recs := c.results(r)
			if len(recs) != 2 || recs[0]["request_parameters"].(map[string]any)["telephone_number"] != "+447700900001" ||
				recs[1]["telephone_number_type"] != "BAD_FORMAT" || recs[1]["credits_spent"] != 0.0 ||
				recs[1]["detected_telephone_number"] != "" {
				t.Errorf("records %v", recs)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("WithLookupEnvelope(EnvelopeArray) did not panic")
		}
	}()
	WithLookupEnvelope(EnvelopeArray)
}

// A number looks the same in a batch's results and in a lookup; MNP and
// validate records are the subsets LOOKUPS.md describes.
func TestLookupMatchesBatchResults(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	numbers := []string{"+447700900001", "+447700900002", "00491701234567", "+1 (202) 555-0143",
		"+33612345678", "07700 900123", "hello", "123"}
	id := c.create(`{"input_format":"GBR"}`)
	c.upload(id, strings.Join(numbers, "\n"))
	c.put(id, `{"status":"PROCESSING"}`)
	var batch []map[string]any
	if err := json.Unmarshal(c.must(200, "GET", "/batches/"+id+"/results?format=json", "", "").body, &batch); err != nil {
		t.Fatal(err)
	}
	items := make([]string, len(numbers))
	for i, n := range numbers {
		items[i] = item(n, `"input_format":"GBR"`)
	}
	body := lookupBody(items...)
	kinds := map[string][]string{
		"hlr": {"error", "uuid", "request_parameters", "credits_spent",
			"detected_telephone_number", "formatted_telephone_number", "live_status", "original_network",
			"original_network_details", "current_network", "current_network_details", "is_ported", "timestamp",
			"telephone_number_type", "sms_email", "mms_email", "disposable_number"},
		"mnp": {"error", "uuid", "request_parameters", "credits_spent", "detected_telephone_number",
			"formatted_telephone_number", "telephone_number_type", "original_network", "original_network_details",
			"current_network", "current_network_details", "is_ported", "timestamp"},
		"validate": {"error", "uuid", "request_parameters", "credits_spent", "detected_telephone_number",
			"formatted_telephone_number", "telephone_number_type", "original_network", "original_network_details",
			"timestamp"},
	}
	for kind, fields := range kinds {
		recs := c.results(c.lookup(200, "/apiv2/"+kind, body))
		if len(recs) != len(numbers) {
			t.Fatalf("%s: %d records for %d numbers", kind, len(recs), len(numbers))
		}
		for i, rec := range recs {
			if got, want := sortedKeys(rec), slices.Sorted(slices.Values(fields)); !slices.Equal(got, want) {
				t.Errorf("%s %s: fields %v, want %v", kind, numbers[i], got, want)
			}
			for _, f := range fields {
				switch f {
				case "timestamp", "credits_spent", "disposable_number":
					continue
				}
				if !reflect.DeepEqual(rec[f], batch[i][f]) {
					t.Errorf("%s %s: %s = %v, batch says %v", kind, numbers[i], f, rec[f], batch[i][f])
				}
			}
			if kind == "hlr" && rec["credits_spent"] != batch[i]["credits_spent"] {
				t.Errorf("hlr %s: credits_spent %v, batch says %v", numbers[i], rec["credits_spent"], batch[i]["credits_spent"])
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func TestLookupPrivateCache(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c := newTC(t, WithClock(clock.Now))
	n := charged(t, 0)
	first := clock.Now().UTC().Format(time.RFC3339)
	stamp := func(r resp) (string, float64) {
		rec := c.results(r)[0]
		return rec["timestamp"].(string), rec["credits_spent"].(float64)
	}
	check := func(step, body, wantStamp string, wantCredits float64, wantCharges int, wantBalance float64) {
		t.Helper()
		ts, cr := stamp(c.lookup(200, "/apiv2/hlr", body))
		if ts != wantStamp || cr != wantCredits || c.srv.Charges(n) != wantCharges || c.srv.Balance(APIKey) != wantBalance {
			t.Errorf("%s: timestamp %s, credits %v, charges %d, balance %v; want %s, %v, %d, %v", step,
				ts, cr, c.srv.Charges(n), c.srv.Balance(APIKey), wantStamp, wantCredits, wantCharges, wantBalance)
		}
	}
	check("fresh", lookupBody(item(n)), first, 1, 1, DefaultBalance-1)
	clock.Advance(24*time.Hour - time.Second)
	check("within a day", lookupBody(item(n, `"cache_days_private":1`)), first, 0, 1, DefaultBalance-1)
	check("without cache_days_private", lookupBody(item(n)), clock.Now().UTC().Format(time.RFC3339), 1, 2, DefaultBalance-2)
	second := clock.Now().UTC().Format(time.RFC3339)
	clock.Advance(2 * time.Second)
	check("the newest entry", lookupBody(item(n, `"cache_days_private":1`)), second, 0, 2, DefaultBalance-2)
	clock.Advance(24 * time.Hour)
	third := clock.Now().UTC().Format(time.RFC3339)
	check("a day and more later", lookupBody(item(n, `"cache_days_private":1`, `"save_to_cache":"NO"`)), third, 1, 3, DefaultBalance-3)
	check("not saved", lookupBody(item(n, `"cache_days_private":1`)), third, 1, 4, DefaultBalance-4)
	clock.Advance(time.Hour)
	check("thirty days", lookupBody(item(n, `"cache_days_private":30`)), third, 0, 4, DefaultBalance-4)

	// The cache is per kind and per account.
	if rec := c.results(c.lookup(200, "/apiv2/mnp", lookupBody(item(n, `"cache_days_private":30`))))[0]; rec["credits_spent"] != 0.5 {
		t.Errorf("MNP after HLR: %v, want a fresh lookup", rec)
	}
	c2 := newTC(t, WithClock(clock.Now), WithAccount("k2", "s2"))
	c2.lookup(200, "/apiv2/hlr", lookupBody(item(n)))
	other := strings.NewReplacer(APIKey, "k2", Secret, "s2").Replace(lookupBody(item(n, `"cache_days_private":1`)))
	if rec := c2.results(c2.lookup(200, "/apiv2/hlr", other))[0]; rec["credits_spent"] != 1.0 {
		t.Errorf("another account's lookup: %v, want a fresh one", rec)
	}
}

func TestBalanceSpentByLookupsAndBatches(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithBalance(10), WithAccount("k2", "s2"))
	balance := func() float64 {
		t.Helper()
		r := c.lookup(200, "/apiv2/balance", `{"api_key":"`+APIKey+`","api_secret":"`+Secret+`"}`)
		var got map[string]any
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["Status"] != "OK" {
			t.Fatalf("balance answer %s", r.body)
		}
		if cr := got["Credits"].(float64); cr != c.srv.Balance(APIKey) {
			t.Fatalf("balance answer %s, Server.Balance %v", r.body, c.srv.Balance(APIKey))
		}
		return got["Credits"].(float64)
	}
	if b := balance(); b != 10 || c.srv.Balance("k2") != 10 {
		t.Fatalf("starting balances %v, %v; want 10 each", b, c.srv.Balance("k2"))
	}
	steps := []struct {
		name string
		do   func()
		want float64
	}{
		{"hlr", func() { c.lookup(200, "/apiv2/hlr", lookupBody(item(charged(t, 0)))) }, 9},
		{"mnp", func() { c.lookup(200, "/apiv2/mnp", lookupBody(item(charged(t, 0)))) }, 8.5},
		{"validate", func() { c.lookup(200, "/apiv2/validate", lookupBody(item(charged(t, 0)))) }, 8.25},
		{"bad format is free", func() { c.lookup(200, "/apiv2/hlr", lookupBody(item("not a number"), item("12"))) }, 8.25},
		{"a batch of two", func() {
			id := c.create("")
			c.upload(id, charged(t, 1)+"\n"+charged(t, 2)+"\nnot a number\n")
			c.put(id, `{"status":"PROCESSING"}`)
		}, 6.25},
		{"a refused request", func() { c.lookup(400, "/apiv2/hlr", lookupBody(item(charged(t, 3), `"usa_status":"?"`))) }, 6.25},
	}
	for _, st := range steps {
		st.do()
		if b := balance(); b != st.want {
			t.Errorf("after %s: balance %v, want %v", st.name, b, st.want)
		}
	}
	if c.srv.Balance("k2") != 10 {
		t.Errorf("another account's balance moved to %v", c.srv.Balance("k2"))
	}
	c.srv.SetBalance(APIKey, 100)
	if b := balance(); b != 100 {
		t.Errorf("after SetBalance(100): %v", b)
	}
}

func TestBatchProcessingChargesAsItCompletes(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithProcessing(PerPoll(1)), WithBalance(5))
	id := c.create("")
	c.upload(id, charged(t, 0)+"\n"+charged(t, 1)+"\n")
	c.put(id, `{"status":"PROCESSING"}`)
	for i, want := range []float64{5, 4, 3} {
		if got := c.srv.Balance(APIKey); got != want {
			t.Errorf("after %d polls: balance %v, want %v", i, got, want)
		}
		if i < 2 {
			c.get(id)
		}
	}
	c.get(id) // complete: no more charges
	if got := c.srv.Balance(APIKey); got != 3 || c.srv.Charges(charged(t, 0)) != 1 || c.srv.Charges(charged(t, 1)) != 1 {
		t.Errorf("balance %v, charges %d and %d", got, c.srv.Charges(charged(t, 0)), c.srv.Charges(charged(t, 1)))
	}
}

func TestInsufficientCredit(t *testing.T) {
	t.Parallel()
	a, b, d := charged(t, 0), charged(t, 1), charged(t, 2)
	t.Run("lookups", func(t *testing.T) {
		t.Parallel()
		c := newTC(t, WithBalance(1.5))
		recs := c.results(c.lookup(200, "/apiv2/hlr", lookupBody(item(a), item(b), item("abc"), item(d))))
		want := []string{"NONE", "INSUFFICIENT_CREDIT", "NONE", "INSUFFICIENT_CREDIT"}
		for i, rec := range recs {
			if rec["error"] != want[i] || rec["credits_spent"] != map[bool]float64{true: 1, false: 0}[i == 0] {
				t.Errorf("record %d: %v", i, rec)
			}
		}
		if len(recs[1]) != 3 || recs[1]["request_parameters"].(map[string]any)["telephone_number"] != b {
			t.Errorf("INSUFFICIENT_CREDIT record %v: want error, request_parameters, credits_spent", recs[1])
		}
		// MNP costs 0.5: the half credit left pays for one.
		recs = c.results(c.lookup(200, "/apiv2/mnp", lookupBody(item(b), item(d))))
		if recs[0]["error"] != "NONE" || recs[1]["error"] != "INSUFFICIENT_CREDIT" {
			t.Errorf("MNP records %v", recs)
		}
		if c.srv.Balance(APIKey) != 0 || c.srv.Charges(a) != 1 || c.srv.Charges(b) != 1 || c.srv.Charges(d) != 0 {
			t.Errorf("balance %v, charges %d %d %d", c.srv.Balance(APIKey), c.srv.Charges(a), c.srv.Charges(b), c.srv.Charges(d))
		}
	})
	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		c := newTC(t, WithBalance(1))
		id := c.create("")
		c.upload(id, "number\n"+a+"\n"+b+"\n")
		c.put(id, `{"status":"PROCESSING"}`)
		var recs []map[string]any
		if err := json.Unmarshal(c.must(200, "GET", "/batches/"+id+"/results?format=json", "", "").body, &recs); err != nil {
			t.Fatal(err)
		}
		if recs[0]["error"] != "NONE" || recs[1]["error"] != "INSUFFICIENT_CREDIT" || recs[1]["credits_spent"] != 0.0 ||
			recs[1]["live_status"] != "" {
			t.Errorf("records %v", recs)
		}
		csv := string(c.must(200, "GET", "/batches/"+id+"/results", "", "").body)
		if !strings.Contains(csv, "\n"+b+",INSUFFICIENT_CREDIT,,"+b+",") {
			t.Errorf("CSV results %s", csv)
		}
		if c.srv.Balance(APIKey) != 0 || c.srv.Charges(b) != 0 {
			t.Errorf("balance %v, charges %d", c.srv.Balance(APIKey), c.srv.Charges(b))
		}
	})
}

func TestLookupURL(t *testing.T) {
	t.Parallel()
	c := newTC(t)
	if got := c.srv.LookupURL(); got != c.srv.URL+"/apiv2" {
		t.Fatalf("LookupURL = %q", got)
	}
	r, err := postLookup(context.Background(), c.hc, c.srv.LookupURL(), "/balance", `{"api_key":"`+APIKey+`","api_secret":"`+Secret+`"}`)
	if err != nil || r.status != 200 {
		t.Fatalf("POST LookupURL()+/balance: %v %d", err, r.status)
	}
}
