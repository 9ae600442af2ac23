package hlrlookuptest_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// Example drives the fake with plain net/http: create a batch, upload two
// numbers, start it and download the results as CSV.
func Example() {
	clock := func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithClock(clock))
	defer srv.Close()

	auth := url.Values{"apikey": {hlrlookuptest.APIKey}, "secret": {hlrlookuptest.Secret}}.Encode()
	call := func(method, path, ctype, body string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path+"?"+auth, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		return res
	}
	status := func(res *http.Response) string {
		defer res.Body.Close()
		var b struct {
			ID       string
			NumItems int
			Status   string
		}
		_ = json.NewDecoder(res.Body).Decode(&b)
		return fmt.Sprintf("%d batch %s: %d items, %s", res.StatusCode, b.ID, b.NumItems, b.Status)
	}

	fmt.Println(status(call("POST", "/batches/", "application/json", `{"filename":"demo.csv","type":"HLR_V2"}`)))
	fmt.Println(status(call("POST", "/batches/1001/source", "text/csv", "phone\n+447700900123\n12345\n")))
	fmt.Println(status(call("PUT", "/batches/1001/", "application/json", `{"status":"PROCESSING"}`)))

	res := call("GET", "/batches/1001/results", "", "")
	defer res.Body.Close()
	rows, _ := csv.NewReader(res.Body).ReadAll()
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, row := range rows[1:] {
		fmt.Println(row[col["phone"]], row[col["telephone_number_type"]], row[col["live_status"]],
			row[col["current_network_details.name"]], row[col["credits_spent"]], row[col["timestamp"]])
	}
	fmt.Println(srv.Requests()[1])
	// Output:
	// 201 batch 1001: 0 items, NEW
	// 200 batch 1001: 2 items, READY
	// 200 batch 1001: 2 items, COMPLETE
	// +447700900123 MOBILE LIVE EE Limited (T-Mobile) 1 2026-06-01T09:00:00Z
	// 12345 BAD_FORMAT NOT_APPLICABLE  0 2026-06-01T09:00:00Z
	// POST /batches/1001/source?apikey=test-key&secret=REDACTED -> 200
}

// ExampleWithoutNetwork runs the SDK against a fake that opens no socket:
// the Client calls the server's handler in memory. Inside a testing/synctest
// bubble (see WithoutNetwork) the same code waits out polls and Retry-After
// on the bubble's clock, in microseconds.
func ExampleWithoutNetwork() {
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithoutNetwork())
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	b, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "in-memory.csv"})
	if err != nil {
		panic(err)
	}
	if err := client.UploadNumbers(ctx, b.ID, []string{"+447700900123", "+447700900124"}); err != nil {
		panic(err)
	}
	if err := client.StartBatch(ctx, b.ID); err != nil {
		panic(err)
	}
	done, err := client.WaitForBatch(ctx, b.ID, nil) // Instant processing: the first poll finds it complete
	if err != nil {
		panic(err)
	}
	fmt.Println(done.ID, done.Status, done.NumComplete, "of", done.NumItems)
	for r, err := range client.Results(ctx, b.ID) {
		if err != nil {
			panic(err)
		}
		fmt.Println(r.TelephoneNumber, r.LiveStatus)
	}
	fmt.Println(srv.URL, "connections:", srv.Connections())
	// Output:
	// 1001 COMPLETE 2 of 2
	// +447700900123 LIVE
	// +447700900124 LIVE
	// https://hlrlookuptest.invalid connections: 0
}

// ExampleServer_LookupURL looks up two numbers with plain net/http on the
// fake's lookup endpoints; the balance pays for the well-formed one.
func ExampleServer_LookupURL() {
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithBalance(10))
	defer srv.Close()
	body := `{"api_key":"` + hlrlookuptest.APIKey + `","api_secret":"` + hlrlookuptest.Secret + `",` +
		`"requests":[{"telephone_number":"+447700900001"},{"telephone_number":"not a number"}]}`
	resp, err := http.Post(srv.LookupURL()+"/hlr", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Error               string  `json:"error"`
			CreditsSpent        float64 `json:"credits_spent"`
			TelephoneNumberType string  `json:"telephone_number_type"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		panic(err)
	}
	for _, r := range out.Results {
		fmt.Println(r.Error, r.TelephoneNumberType, r.CreditsSpent)
	}
	fmt.Println("balance:", srv.Balance(hlrlookuptest.APIKey))
	// Output:
	// NONE LANDLINE 1
	// NONE BAD_FORMAT 0
	// balance: 9
}
