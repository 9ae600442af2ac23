package hlrlookuptest

import (
	"reflect"
	"regexp"
	"testing"
	"time"
)

func TestResultRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number string
		args   map[string]any
		want   map[string]any // selected fields; nested with "/"
	}{
		{"12345", nil, map[string]any{"telephone_number_type": "BAD_FORMAT", "live_status": "NOT_APPLICABLE",
			"credits_spent": 0.0, "is_ported": "UNKNOWN", "detected_telephone_number": "", "original_network": "NOT_AVAILABLE"}},
		{"44770090012a", nil, map[string]any{"telephone_number_type": "BAD_FORMAT", "error": "NONE"}},
		{"1234567890123456", nil, map[string]any{"telephone_number_type": "BAD_FORMAT"}},
		{"+44 7700 900123", nil, map[string]any{"detected_telephone_number": "447700900123",
			"formatted_telephone_number": "+447700900123", "original_network_details/country_prefix": "44",
			"original_network_details/country_name": "United Kingdom", "request_parameters/telephone_number": "+44 7700 900123"}},
		{"07700900123", map[string]any{"input_format": "GBR", "output_format": "GBR"}, map[string]any{
			"detected_telephone_number": "447700900123", "formatted_telephone_number": "07700900123",
			"request_parameters/input_format": "GBR"}},
		{"2125550100", map[string]any{"input_format": "USA", "output_format": "E164"}, map[string]any{
			"detected_telephone_number": "12125550100", "formatted_telephone_number": "12125550100",
			"original_network_details/country_iso3": "USA"}},
		{"0033612345678", map[string]any{"output_format": "DEU", "cache_days_private": 7}, map[string]any{
			"detected_telephone_number": "33612345678", "formatted_telephone_number": "+33612345678",
			"original_network_details/country_iso3": "FRA", "request_parameters/cache_days_private": 7.0}},
		{"8613800138000", nil, map[string]any{"original_network_details/mccmnc": "00101", "original_network_details/country_name": "Unknown"}},
	}
	get := func(m map[string]any, path string) any {
		for i := 0; i < len(path); i++ {
			if path[i] == '/' {
				return m[path[:i]].(map[string]any)[path[i+1:]]
			}
		}
		return m[path]
	}
	for _, tt := range tests {
		rec := ResultRecordWith(tt.number, tt.args, time.Time{})
		for k, v := range tt.want {
			if got := get(rec, k); got != v {
				t.Errorf("%s: %s = %#v, want %#v", tt.number, k, got, v)
			}
		}
		if again := ResultRecordWith(tt.number, tt.args, time.Time{}); !reflect.DeepEqual(rec, again) {
			t.Errorf("%s: not deterministic", tt.number)
		}
	}
	if !reflect.DeepEqual(ResultRecord("447700900123"), ResultRecordWith("447700900123", nil, time.Time{})) {
		t.Error("ResultRecord differs from ResultRecordWith(nil)")
	}
}

// TestResultDistribution checks the generated values are varied and sane.
func TestResultDistribution(t *testing.T) {
	t.Parallel()
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	live, types, credits := map[any]int{}, map[any]int{}, map[any]int{}
	ported, uuids := 0, map[any]bool{}
	args := map[string]any{"cache_days_global": 3}
	const n = 1000
	for i := range n {
		rec := ResultRecordWith("4477009"+string(rune('0'+i/1000))+"0"+itoa3(i%1000), args, time.Time{})
		live[rec["live_status"]]++
		types[rec["telephone_number_type"]]++
		credits[rec["credits_spent"]]++
		uuids[rec["uuid"]] = true
		if !uuidRE.MatchString(rec["uuid"].(string)) {
			t.Fatalf("uuid %v", rec["uuid"])
		}
		if rec["is_ported"] == "YES" {
			ported++
			if get := rec["original_network_details"].(map[string]any)["name"]; get == rec["current_network_details"].(map[string]any)["name"] {
				t.Errorf("ported number on the same network: %v", rec)
			}
		}
		if rec["live_status"] == "NO_COVERAGE" && rec["credits_spent"] != 0.0 {
			t.Errorf("NO_COVERAGE charged: %v", rec)
		}
	}
	for _, s := range []string{"LIVE", "DEAD", "ABSENT_SUBSCRIBER", "NO_TELESERVICE_PROVISIONED", "INCONCLUSIVE", "NO_COVERAGE"} {
		if live[s] == 0 {
			t.Errorf("live_status %s never generated: %v", s, live)
		}
	}
	if live["LIVE"] < n/2 || types["MOBILE"] < n/2 || types["LANDLINE"] == 0 || types["VOIP"] == 0 || types["MOBILE_OR_LANDLINE"] == 0 {
		t.Errorf("distribution live %v types %v", live, types)
	}
	if credits[0.5] == 0 || credits[1.0] < credits[0.5] || ported == 0 || len(uuids) != n {
		t.Errorf("credits %v ported %d uuids %d", credits, ported, len(uuids))
	}
	// Without the global cache nothing costs 0.5.
	for i := range 200 {
		if rec := ResultRecord("4477009000" + itoa3(i)); rec["credits_spent"] == 0.5 {
			t.Fatalf("0.5 credits without cache_days_global: %v", rec)
		}
	}
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}
