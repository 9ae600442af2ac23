package hlrlookuptest

import (
	"io"
	"net/http"
	"strings"
	"testing"
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
