// Command go-json is the whole-process benchmark's Go peer of the typed
// JSON workload, what a Go engineer writes by hand: a plain net/http GET of
// the JSON download, encoding/json's Decoder decoding the whole array into
// a slice of structs that mirror the record (every field of the result,
// the nested objects as structs), and the LIVE records counted.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
)

type network struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

type record struct {
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
	CreditsSpent             float64 `json:"credits_spent"`
	DetectedTelephoneNumber  string  `json:"detected_telephone_number"`
	FormattedTelephoneNumber string  `json:"formatted_telephone_number"`
	LiveStatus               string  `json:"live_status"`
	OriginalNetwork          string  `json:"original_network"`
	OriginalNetworkDetails   network `json:"original_network_details"`
	CurrentNetwork           string  `json:"current_network"`
	CurrentNetworkDetails    network `json:"current_network_details"`
	IsPorted                 string  `json:"is_ported"`
	Timestamp                string  `json:"timestamp"`
	TelephoneNumberType      string  `json:"telephone_number_type"`
	SMSEmail                 string  `json:"sms_email"`
	MMSEmail                 string  `json:"mms_email"`
}

func main() {
	base := flag.String("base", "", "the service's base URL")
	rows := flag.Int("rows", 0, "the rows to expect")
	want := flag.Int("live", 0, "the LIVE rows to expect")
	flag.Parse()
	resp, err := http.Get(*base + "/batches/1001/results?format=json")
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fail(errors.New(resp.Status))
	}
	var recs []record
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		fail(err)
	}
	live := 0
	for i := range recs {
		if recs[i].LiveStatus == "LIVE" {
			live++
		}
	}
	if len(recs) != *rows || live != *want {
		fail(fmt.Errorf("%d rows, %d LIVE; want %d, %d", len(recs), live, *rows, *want))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-json:", err)
	os.Exit(1)
}
