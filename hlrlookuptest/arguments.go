package hlrlookuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// argValues are a batch's HLR_V2 options with the APIv2 defaults filled in,
// as echoed in each result's request_parameters.
type argValues struct {
	CacheDaysPrivate  int
	CacheDaysGlobal   int
	SaveToCache       string
	InputFormat       string
	OutputFormat      string
	GetPortedDate     string
	GetLandlineStatus string
	USAStatus         string
}

// defaultArgs are the APIv2 defaults the fake assumes for options a batch
// does not set.
func defaultArgs() argValues {
	return argValues{
		SaveToCache:       "YES",
		GetPortedDate:     "NO",
		GetLandlineStatus: "NO",
		USAStatus:         "NO",
	}
}

// parseBatchArguments validates the batchArguments of a create request
// against WIRE.md's batchArguments table. It returns the arguments as sent
// (compacted; "{}" when absent or null), their values with defaults, and
// an error message naming the first bad key (keys in sorted order), or "".
// Unknown keys are accepted and echoed.
func parseBatchArguments(raw json.RawMessage) (json.RawMessage, argValues, string) {
	v := defaultArgs()
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), v, ""
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, v, "batchArguments must be a JSON object"
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, msg := setArg(&v, k, obj[k]); msg != "" {
			return nil, v, fmt.Sprintf("batchArguments %s, got %s", msg, obj[k])
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, v, "batchArguments must be a JSON object"
	}
	return buf.Bytes(), v, ""
}

// setArg sets the option key of v from its JSON value. It reports whether
// key is a known option, and a message ("cache_days_private must be …")
// when the value is bad; the message never holds the value.
func setArg(v *argValues, key string, val json.RawMessage) (known bool, msg string) {
	switch key {
	case "cache_days_private":
		v.CacheDaysPrivate, msg = argDays(key, val)
	case "cache_days_global":
		v.CacheDaysGlobal, msg = argDays(key, val)
	case "save_to_cache":
		v.SaveToCache, msg = argYesNo(key, val)
	case "get_ported_date":
		v.GetPortedDate, msg = argYesNo(key, val)
	case "get_landline_status":
		v.GetLandlineStatus, msg = argYesNo(key, val)
	case "usa_status":
		v.USAStatus, msg = argYesNo(key, val)
	case "input_format":
		var s string
		if json.Unmarshal(val, &s) != nil || !isAlpha3(s) {
			msg = key + " must be an ISO 3166 alpha-3 country code such as GBR"
		}
		v.InputFormat = s
	case "output_format":
		var s string
		if json.Unmarshal(val, &s) != nil || (s != "E164" && s != "PLUS_E164" && !isAlpha3(s)) {
			msg = key + " must be E164, PLUS_E164 or an alpha-3 country code"
		}
		v.OutputFormat = s
	default:
		return false, ""
	}
	return true, msg
}

func argDays(key string, val json.RawMessage) (int, string) {
	n, err := strconv.Atoi(string(val))
	if err != nil || n < 0 || n > 30 {
		return 0, key + " must be an integer from 0 to 30"
	}
	return n, ""
}

func argYesNo(key string, val json.RawMessage) (string, string) {
	var s string
	if json.Unmarshal(val, &s) != nil || (s != "YES" && s != "NO") {
		return "", key + " must be YES or NO"
	}
	return s, ""
}

// isAlpha3 reports whether s is three upper-case ASCII letters.
func isAlpha3(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
