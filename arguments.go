package hlrlookup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// BatchArguments are the standard API's optional parameters for a batch
// ("batchArguments"). Nil pointers and empty strings are not sent. Booleans
// travel as "YES"/"NO".
//
// Decoding then encoding gives back what the service sent: the same keys,
// the same value types and the same number literals. Keys the SDK does not
// know, legacy keys of older batches, and known keys whose value the typed
// field cannot hold (null, "" for a format, save_to_cache "PRIVATE",
// cache_days_private "seven") are kept in Extra as json.RawMessage, the
// bytes as received, and encoded as they are. A known key read into its
// typed field is sent back in the service's own form ("7" stays a string,
// true stays true) for as long as the field holds the value it was read as;
// a field the caller changed is sent in the SDK's form (a number, "YES" or
// "NO", a string). Extra may also hold any value encoding/json can encode.
type BatchArguments struct {
	CacheDaysPrivate  *int   // cache_days_private: reuse your own results up to this many days old (0-30)
	CacheDaysGlobal   *int   // cache_days_global: reuse shared-cache results (0-30; half a credit)
	SaveToCache       *bool  // save_to_cache: share your results to the global cache
	InputFormat       string // input_format: ISO 3166 alpha-3 country for national numbers, e.g. "GBR"
	OutputFormat      string // output_format: "E164", "PLUS_E164" or an alpha-3 code
	GetPortedDate     *bool  // get_ported_date: costs extra where a date comes back
	GetLandlineStatus *bool  // get_landline_status: live check of landlines
	USAStatus         *bool  // usa_status: extra status for US mobiles
	Extra             map[string]any

	// wire remembers, per known key UnmarshalJSON read into a typed field,
	// the bytes the service sent and the value they were read as.
	wire map[string]wireArg
}

// wireArg is a known key's value as received: its JSON and the typed value
// (int, bool or string) it decoded to.
type wireArg struct {
	raw   json.RawMessage
	value any
}

// The batchArguments keys on the wire.
const (
	argCacheDaysPrivate  = "cache_days_private"
	argCacheDaysGlobal   = "cache_days_global"
	argSaveToCache       = "save_to_cache"
	argInputFormat       = "input_format"
	argOutputFormat      = "output_format"
	argGetPortedDate     = "get_ported_date"
	argGetLandlineStatus = "get_landline_status"
	argUSAStatus         = "usa_status"
)

var knownArgs = map[string]string{
	argCacheDaysPrivate: "CacheDaysPrivate", argCacheDaysGlobal: "CacheDaysGlobal", argSaveToCache: "SaveToCache",
	argInputFormat: "InputFormat", argOutputFormat: "OutputFormat", argGetPortedDate: "GetPortedDate",
	argGetLandlineStatus: "GetLandlineStatus", argUSAStatus: "USAStatus",
}

// maxCacheDays is the largest cache_days_* value the service accepts.
const maxCacheDays = 30

// Validate checks every field against the service's rules and returns an
// error naming the key, the value and the allowed values.
func (a *BatchArguments) Validate() error {
	if a == nil {
		return nil
	}
	const op = "validate batch arguments"
	for _, d := range []struct {
		key string
		v   *int
	}{{argCacheDaysPrivate, a.CacheDaysPrivate}, {argCacheDaysGlobal, a.CacheDaysGlobal}} {
		if d.v != nil && (*d.v < 0 || *d.v > maxCacheDays) {
			return inputError(op, d.key, *d.v, fmt.Sprintf("must be a whole number of days from 0 to %d", maxCacheDays))
		}
	}
	if a.InputFormat != "" && !isAlpha3(a.InputFormat) {
		return inputError(op, argInputFormat, a.InputFormat, `must be an ISO 3166 alpha-3 country code in capitals, e.g. "GBR"`)
	}
	if f := a.OutputFormat; f != "" && f != "E164" && f != "PLUS_E164" && !isAlpha3(f) {
		return inputError(op, argOutputFormat, f, `must be "E164", "PLUS_E164" or an ISO 3166 alpha-3 country code in capitals`)
	}
	for k, v := range a.Extra {
		// A known key may sit in Extra when the service sent a value the typed
		// field cannot hold (save_to_cache "PRIVATE"); it passes through as is
		// unless the typed field is set too.
		if field, ok := knownArgs[k]; ok {
			if a.isSet(k) {
				return inputError(op, "Extra key", k, "is also set in the "+field+" field; set it in one place")
			}
			if err := validateKnownExtra(op, k, v); err != nil {
				return err
			}
		}
		if strings.TrimSpace(k) == "" {
			return inputError(op, "Extra key", k, "must not be empty")
		}
		if _, err := json.Marshal(v); err != nil {
			return inputError(op, "Extra["+k+"]", fmt.Sprintf("%T", v), "must be encodable as JSON")
		}
	}
	return nil
}

// validateKnownExtra applies a known key's rule to its value in Extra: the
// cache days must still be whole numbers from 0 to 30 and the formats must
// still be codes; the YES/NO keys pass, since the service defines values
// beyond YES and NO (save_to_cache "PRIVATE").
func validateKnownExtra(op, key string, v any) error {
	if raw, ok := v.(json.RawMessage); ok {
		// As UnmarshalJSON keeps it: check the value the bytes hold.
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var x any
		if d.Decode(&x) != nil {
			return inputError(op, "Extra["+key+"]", string(raw), "must be encodable as JSON")
		}
		v = x
	}
	switch key {
	case argCacheDaysPrivate, argCacheDaysGlobal:
		var n float64
		ok := false
		switch x := v.(type) {
		case float64:
			n, ok = x, true
		case int:
			n, ok = float64(x), true
		case json.Number:
			f, err := x.Float64()
			n, ok = f, err == nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			n, ok = f, err == nil
		}
		if !ok || n != float64(int(n)) || n < 0 || n > maxCacheDays {
			return inputError(op, "Extra["+key+"]", v, fmt.Sprintf("must be a whole number of days from 0 to %d", maxCacheDays))
		}
	case argInputFormat, argOutputFormat:
		f, _ := v.(string)
		probe := BatchArguments{}
		if key == argInputFormat {
			probe.InputFormat = f
		} else {
			probe.OutputFormat = f
		}
		if _, isString := v.(string); !isString || probe.Validate() != nil {
			return inputError(op, "Extra["+key+"]", v, `must be a format code as in the InputFormat and OutputFormat fields`)
		}
	}
	return nil
}

// isSet reports whether the typed field for a known key holds a value.
func (a *BatchArguments) isSet(key string) bool {
	_, ok := a.typed(key)
	return ok
}

// typed gives the value of a known key's typed field (an int, a bool or a
// string) and whether it is set.
func (a *BatchArguments) typed(key string) (any, bool) {
	var p *int
	var b *bool
	var s string
	switch key {
	case argCacheDaysPrivate:
		p = a.CacheDaysPrivate
	case argCacheDaysGlobal:
		p = a.CacheDaysGlobal
	case argSaveToCache:
		b = a.SaveToCache
	case argGetPortedDate:
		b = a.GetPortedDate
	case argGetLandlineStatus:
		b = a.GetLandlineStatus
	case argUSAStatus:
		b = a.USAStatus
	case argInputFormat:
		s = a.InputFormat
	case argOutputFormat:
		s = a.OutputFormat
	}
	switch {
	case p != nil:
		return *p, true
	case b != nil:
		return *b, true
	case s != "":
		return s, true
	}
	return nil, false
}

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

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// MarshalJSON writes the set fields with their wire names (booleans as
// "YES"/"NO", or as the service sent them while unchanged), then the Extra
// keys; json.RawMessage values in Extra are written as they are.
func (a BatchArguments) MarshalJSON() ([]byte, error) {
	m := make(map[string]json.RawMessage, len(a.Extra)+len(knownArgs))
	for k, v := range a.Extra {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("batch arguments: Extra[%q]: %w", k, err)
		}
		m[k] = b
	}
	for k := range knownArgs {
		v, ok := a.typed(k)
		if !ok {
			continue
		}
		if w, ok := a.wire[k]; ok && w.value == v {
			m[k] = w.raw // unchanged since it was read: the service's own form
			continue
		}
		if b, isBool := v.(bool); isBool {
			v = yesNo(b)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m) // map keys are sorted: deterministic output
}

// UnmarshalJSON reads the known keys into their fields (numbers may be
// numeric strings; booleans "YES"/"NO", true/false) and keeps every other
// key, and any known key whose value the field cannot hold, in Extra as
// json.RawMessage. It remembers the form of each known key it read, so that
// MarshalJSON gives the same JSON back.
func (a *BatchArguments) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil { // JSON null: nothing to read
		*a = BatchArguments{}
		return nil
	}
	var out BatchArguments
	keep := func(k string, v json.RawMessage) {
		if out.Extra == nil {
			out.Extra = make(map[string]any)
		}
		out.Extra[k] = v
	}
	read := func(k string, v json.RawMessage, value any) {
		if out.wire == nil {
			out.wire = make(map[string]wireArg, len(knownArgs))
		}
		out.wire[k] = wireArg{raw: v, value: value}
	}
	for k, v := range raw {
		if _, known := knownArgs[k]; known && isJSONNull(v) {
			keep(k, v) // null is not a value any typed field holds
			continue
		}
		switch k {
		case argCacheDaysPrivate, argCacheDaysGlobal:
			var n looseInt
			if json.Unmarshal(v, &n) != nil {
				keep(k, v)
				continue
			}
			i := int(n)
			if k == argCacheDaysPrivate {
				out.CacheDaysPrivate = &i
			} else {
				out.CacheDaysGlobal = &i
			}
			read(k, v, i)
		case argSaveToCache, argGetPortedDate, argGetLandlineStatus, argUSAStatus:
			b, ok := parseYesNo(v)
			if !ok {
				keep(k, v)
				continue
			}
			switch k {
			case argSaveToCache:
				out.SaveToCache = &b
			case argGetPortedDate:
				out.GetPortedDate = &b
			case argGetLandlineStatus:
				out.GetLandlineStatus = &b
			default:
				out.USAStatus = &b
			}
			read(k, v, b)
		case argInputFormat, argOutputFormat:
			var s string
			if json.Unmarshal(v, &s) != nil || s == "" {
				keep(k, v) // "" would read as "not set" and be dropped
				continue
			}
			if k == argInputFormat {
				out.InputFormat = s
			} else {
				out.OutputFormat = s
			}
			read(k, v, s)
		default:
			keep(k, v)
		}
	}
	*a = out
	return nil
}

// isJSONNull reports whether v is the JSON literal null.
func isJSONNull(v json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func parseYesNo(v json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return false, false
	}
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "YES":
		return true, true
	case "NO":
		return false, true
	}
	return false, false
}
