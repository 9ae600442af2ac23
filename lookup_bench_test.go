package hlrlookup

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// plainLookupNetwork and plainLookupResult are what a user writes by hand
// to read a lookup answer with encoding/json: the baseline of
// BenchmarkLookupDecode.
type plainLookupNetwork struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

type plainLookupResult struct {
	Error             string `json:"error"`
	UUID              string `json:"uuid"`
	RequestParameters struct {
		TelephoneNumber   string `json:"telephone_number"`
		SaveToCache       string `json:"save_to_cache"`
		InputFormat       string `json:"input_format"`
		OutputFormat      string `json:"output_format"`
		CacheDaysGlobal   int    `json:"cache_days_global"`
		CacheDaysPrivate  int    `json:"cache_days_private"`
		GetPortedDate     string `json:"get_ported_date"`
		GetLandlineStatus string `json:"get_landline_status"`
		USAStatus         string `json:"usa_status"`
	} `json:"request_parameters"`
	CreditsSpent             float64            `json:"credits_spent"`
	DetectedTelephoneNumber  string             `json:"detected_telephone_number"`
	FormattedTelephoneNumber string             `json:"formatted_telephone_number"`
	LiveStatus               string             `json:"live_status"`
	OriginalNetwork          string             `json:"original_network"`
	OriginalNetworkDetails   plainLookupNetwork `json:"original_network_details"`
	CurrentNetwork           string             `json:"current_network"`
	CurrentNetworkDetails    plainLookupNetwork `json:"current_network_details"`
	IsPorted                 string             `json:"is_ported"`
	DisposableNumber         string             `json:"disposable_number"`
	Timestamp                string             `json:"timestamp"`
	TelephoneNumberType      string             `json:"telephone_number_type"`
	SMSEmail                 string             `json:"sms_email"`
	MMSEmail                 string             `json:"mms_email"`
}

// BenchmarkLookupDecode decodes one answer of 10,000 lookup results (the
// Signal-style record with disposable_number, numbers varied) in the same
// run two ways: side=sdk, the SDK's decoder (decodeLookupResults, the
// results' one JSON path, into []*Result with parsed timestamps), and
// side=baseline, json.Unmarshal into a plain struct slice.
func BenchmarkLookupDecode(b *testing.B) {
	rec, err := readTestdataB("lookups/hlr_signal_results.json")
	if err != nil {
		b.Fatal(err)
	}
	rec = strings.TrimSpace(rec)
	rec = strings.TrimSuffix(strings.TrimPrefix(rec, `{"results":[`), "]}")
	const n = 10_000
	var sb strings.Builder
	sb.WriteString(`{"results":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strings.Replace(rec, "+44(7790) 60 60 23", fmt.Sprintf("+4477009%05d", i), 1))
	}
	sb.WriteString("]}")
	data := []byte(sb.String())
	b.Run("side=sdk", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			res, err := decodeLookupResults(data)
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
				Results []plainLookupResult `json:"results"`
			}
			if err := json.Unmarshal(data, &v); err != nil || len(v.Results) != n || v.Results[n-1].DisposableNumber != "NO" {
				b.Fatalf("%d results, %v", len(v.Results), err)
			}
		}
	})
}
