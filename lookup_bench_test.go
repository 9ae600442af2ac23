package hlrlookup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
	"github.com/seed682fd871/hlrlookup/internal/benchdata"
)

// BenchmarkLookupDecode decodes one lookup answer of 10,000 results
// ({"results":[…]}, internal/benchdata's records plus disposable_number) in the same
// run two ways: side=sdk, the SDK's lookup decoder (the results' one JSON
// path, into []*Result with parsed timestamps and credits), and
// side=baseline, json.Unmarshal into a plain struct slice, what a user
// writes by hand.
func BenchmarkLookupDecode(b *testing.B) {
	const n = 10_000
	recs := lookupBenchRecords(b, n)
	data, err := json.Marshal(map[string]any{"results": recs})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("side=sdk", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			res, err := hlrlookup.DecodeLookupResults(data)
			if err != nil || len(res) != n || res[n-1].DisposableNumber != "NO" {
				b.Fatalf("%d results, %v", len(res), err)
			}
		}
	})
	b.Run("side=baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v struct {
				Results []benchRecord `json:"results"`
			}
			if err := json.Unmarshal(data, &v); err != nil || len(v.Results) != n || v.Results[n-1].DisposableNumber != "NO" {
				b.Fatalf("%d results, %v", len(v.Results), err)
			}
		}
	})
}

// lookupBenchRecords are the first n results of internal/benchdata, as the
// records of a lookup answer (with disposable_number).
func lookupBenchRecords(b *testing.B, n int) []benchRecord {
	b.Helper()
	var buf bytes.Buffer
	if err := benchdata.WriteJSON(&buf, n); err != nil {
		b.Fatal(err)
	}
	var recs []benchRecord
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		b.Fatal(err)
	}
	for i := range recs {
		recs[i].DisposableNumber = "NO"
	}
	return recs
}

type benchNetDetails struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

// benchRecord is one result record, shaped like the fake service's.
type benchRecord struct {
	Error             string `json:"error"`
	UUID              string `json:"uuid"`
	RequestParameters struct {
		TelephoneNumber   string `json:"telephone_number"`
		CacheDaysPrivate  int    `json:"cache_days_private"`
		CacheDaysGlobal   int    `json:"cache_days_global"`
		SaveToCache       string `json:"save_to_cache"`
		InputFormat       string `json:"input_format"`
		OutputFormat      string `json:"output_format"`
		GetPortedDate     string `json:"get_ported_date"`
		GetLandlineStatus string `json:"get_landline_status"`
		USAStatus         string `json:"usa_status"`
	} `json:"request_parameters"`
	CreditsSpent             float64         `json:"credits_spent"`
	DetectedTelephoneNumber  string          `json:"detected_telephone_number"`
	FormattedTelephoneNumber string          `json:"formatted_telephone_number"`
	LiveStatus               string          `json:"live_status"`
	OriginalNetwork          string          `json:"original_network"`
	OriginalNetworkDetails   benchNetDetails `json:"original_network_details"`
	CurrentNetwork           string          `json:"current_network"`
	CurrentNetworkDetails    benchNetDetails `json:"current_network_details"`
	IsPorted                 string          `json:"is_ported"`
	DisposableNumber         string          `json:"disposable_number,omitempty"` // instant lookups only
	Timestamp                string          `json:"timestamp"`
	TelephoneNumberType      string          `json:"telephone_number_type"`
	SMSEmail                 string          `json:"sms_email"`
	MMSEmail                 string          `json:"mms_email"`
}

// BenchmarkLookups sends numbers=N numbers (10,000 and 100,000; -short: 800
// and 8,000) through the streaming Lookups (HLR, the default Concurrency of
// 4, requests of 80) against the fake service in the same process, on its
// in-memory transport (hlrlookuptest.WithoutNetwork): what is measured is
// the SDK's pipeline (splitting, JSON bodies, the retry layer, decoding,
// ordering) and the fake's handler, not the kernel's loopback TCP, whose
// cost on this shared 2-core machine would drown both and vary with its
// load. side=baseline is what a user writes by hand: chunks of 80,
// json.Marshal, one POST at a time through the same transport, json.Unmarshal
// into a plain struct slice, streamed chunk by chunk. side=fake is the
// fake's share: the same requests, prebuilt, answers discarded unread.
//
// Flat peak heap: the fake keeps a private-cache entry and a charge count
// per distinct number, and a log entry per request. So the numbers cycle
// through a pool of the smaller size's count of distinct numbers (the SDK
// sends each exactly as given: its work does not depend on repeats), the
// pool is looked up once before the measurement (the fake's maps are full
// before the heap is sampled, the same at both sizes), and the fake's
// request log is cleared every 8,000 numbers. What grows from the smaller
// to the larger size is then the client's, plus the fake's per-request
// garbage. Allocations (allocs/number, B/op) are the whole process's, the
// fake's handler included, on both sides.
func BenchmarkLookups(b *testing.B) {
	sizes := benchSizes(10_000, 100_000, 800, 8_000)
	pool := make([]string, sizes[0])
	for i := range pool {
		pool[i] = benchNumber(i)
	}
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithoutNetwork())
	b.Cleanup(srv.Close)
	c := srv.Client()
	if _, err := c.LookupHLR(context.Background(), pool, nil); err != nil {
		b.Fatal(err)
	}
	srv.ResetRequests()
	for _, n := range sizes {
		numbers := func(yield func(string) bool) {
			for i := range n {
				if i%8_000 == 0 {
					srv.ResetRequests()
				}
				if !yield(pool[i%len(pool)]) {
					return
				}
			}
		}
		b.Run(fmt.Sprintf("numbers=%d/side=sdk", n), func(b *testing.B) {
			benchLookupRun(b, n, func() error {
				i := 0
				for r, err := range c.Lookups(context.Background(), hlrlookup.LookupHLR, numbers, nil) {
					if err != nil {
						return err
					}
					if want := pool[i%len(pool)]; r.TelephoneNumber != want || !r.OK() {
						return fmt.Errorf("result %d: %q, error %q; want %q", i, r.TelephoneNumber, r.Error, want)
					}
					i++
				}
				if i != n {
					return fmt.Errorf("%d results, want %d", i, n)
				}
				return nil
			})
		})
		b.Run(fmt.Sprintf("numbers=%d/side=baseline", n), func(b *testing.B) {
			hc := &http.Client{Transport: srv.Transport()}
			url := srv.LookupURL() + "/hlr"
			benchLookupRun(b, n, func() error {
				type item struct {
					TelephoneNumber string `json:"telephone_number"`
				}
				i := 0
				chunk := make([]item, 0, hlrlookup.MaxLookupNumbers)
				flush := func() error {
					body, err := json.Marshal(map[string]any{"api_key": hlrlookuptest.APIKey,
						"api_secret": hlrlookuptest.Secret, "requests": chunk})
					if err != nil {
						return err
					}
					resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					var v struct {
						Results []benchRecord `json:"results"`
					}
					if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 || len(v.Results) != len(chunk) {
						return fmt.Errorf("status %d, %d results, %v", resp.StatusCode, len(v.Results), err)
					}
					for _, r := range v.Results {
						if want := pool[i%len(pool)]; r.RequestParameters.TelephoneNumber != want || r.Error != "NONE" {
							return fmt.Errorf("result %d: %q, error %q; want %q", i, r.RequestParameters.TelephoneNumber, r.Error, want)
						}
						i++
					}
					chunk = chunk[:0]
					return nil
				}
				for num := range numbers {
					if chunk = append(chunk, item{num}); len(chunk) == cap(chunk) {
						if err := flush(); err != nil {
							return err
						}
					}
				}
				if len(chunk) > 0 {
					if err := flush(); err != nil {
						return err
					}
				}
				if i != n {
					return fmt.Errorf("%d results, want %d", i, n)
				}
				return nil
			})
		})
		b.Run(fmt.Sprintf("numbers=%d/side=fake", n), func(b *testing.B) {
			// The fake alone: the pool's request bodies built beforehand
			// (n is a multiple of the pool, the pool of 80), answers read
			// and discarded undecoded. Its allocs/number are the fake's
			// share of the other two sides' figures.
			var bodies [][]byte
			for i := 0; i < len(pool); i += hlrlookup.MaxLookupNumbers {
				reqs := make([]map[string]string, 0, hlrlookup.MaxLookupNumbers)
				for _, num := range pool[i:min(i+hlrlookup.MaxLookupNumbers, len(pool))] {
					reqs = append(reqs, map[string]string{"telephone_number": num})
				}
				body, err := json.Marshal(map[string]any{"api_key": hlrlookuptest.APIKey, "api_secret": hlrlookuptest.Secret, "requests": reqs})
				if err != nil {
					b.Fatal(err)
				}
				bodies = append(bodies, body)
			}
			hc := &http.Client{Transport: srv.Transport()}
			url := srv.LookupURL() + "/hlr"
			benchLookupRun(b, n, func() error {
				for i := 0; i < n; i += hlrlookup.MaxLookupNumbers {
					if i%8_000 == 0 {
						srv.ResetRequests()
					}
					resp, err := hc.Post(url, "application/json", bytes.NewReader(bodies[i%len(pool)/hlrlookup.MaxLookupNumbers]))
					if err != nil {
						return err
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						return fmt.Errorf("status %d, %v", resp.StatusCode, err)
					}
				}
				return nil
			})
		})
	}
}

// benchLookupRun runs op, which sends n numbers, b.N times with benchRun's
// accounting, and reports numbers/s, requests/s (of at most 80 numbers) and
// allocs/number (the whole process's, the fake's included).
func benchLookupRun(b *testing.B, n int, op func() error) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	benchRun(b, 0, op)
	runtime.ReadMemStats(&after)
	secs := b.Elapsed().Seconds()
	requests := (n + hlrlookup.MaxLookupNumbers - 1) / hlrlookup.MaxLookupNumbers
	b.ReportMetric(float64(n)*float64(b.N)/secs, "numbers/s")
	b.ReportMetric(float64(requests)*float64(b.N)/secs, "requests/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*b.N), "allocs/number")
}
