package hlrlookup

import (
	"time"
)

// csvKind is what a CSV results column fills: a field of Result (the same
// fields, by the same names, as resultFields' setters), or Extra.
type csvKind uint8

const (
	csvExtra csvKind = iota // Extra, under the column's key

	// Text fields.
	csvError
	csvUUID
	csvDetected
	csvFormatted
	csvIsPorted
	csvSMSEmail
	csvMMSEmail
	csvUSAStatus
	csvDisposable
	csvLiveStatus
	csvNumberType
	csvReqTelephone // TelephoneNumber and RequestParameters.TelephoneNumber
	csvReqSaveToCache
	csvReqInputFormat
	csvReqOutputFormat
	csvReqGetPortedDate
	csvReqGetLandlineStatus
	csvReqUSAStatus
	csvOrigStatus
	csvOrigName
	csvOrigMCCMNC
	csvOrigCountryName
	csvOrigCountryISO3
	csvOrigArea
	csvOrigCountryPrefix
	csvCurStatus
	csvCurName
	csvCurMCCMNC
	csvCurCountryName
	csvCurCountryISO3
	csvCurArea
	csvCurCountryPrefix

	// Parsed fields (csvIsParsed).
	csvCredits
	csvTimestamp
	csvCacheDaysPrivate
	csvCacheDaysGlobal
)

// csvIsParsed reports whether k is parsed from its text (a number or a
// time) rather than stored as it is.
func csvIsParsed(k csvKind) bool { return k >= csvCredits }

// csvKinds maps every known field, by the lower-case dotted name of
// resultFields, to its kind. TestCSVKindsMatchResultFields holds the two to
// the same names and the same effect.
var csvKinds = map[string]csvKind{
	"error":                                   csvError,
	"uuid":                                    csvUUID,
	"detected_telephone_number":               csvDetected,
	"formatted_telephone_number":              csvFormatted,
	"is_ported":                               csvIsPorted,
	"sms_email":                               csvSMSEmail,
	"mms_email":                               csvMMSEmail,
	"usa_status":                              csvUSAStatus,
	"disposable_number":                       csvDisposable,
	"live_status":                             csvLiveStatus,
	"telephone_number_type":                   csvNumberType,
	"credits_spent":                           csvCredits,
	"timestamp":                               csvTimestamp,
	"request_parameters.telephone_number":     csvReqTelephone,
	"request_parameters.save_to_cache":        csvReqSaveToCache,
	"request_parameters.input_format":         csvReqInputFormat,
	"request_parameters.output_format":        csvReqOutputFormat,
	"request_parameters.get_ported_date":      csvReqGetPortedDate,
	"request_parameters.get_landline_status":  csvReqGetLandlineStatus,
	"request_parameters.usa_status":           csvReqUSAStatus,
	"request_parameters.cache_days_private":   csvCacheDaysPrivate,
	"request_parameters.cache_days_global":    csvCacheDaysGlobal,
	"original_network":                        csvOrigStatus,
	"original_network_details.name":           csvOrigName,
	"original_network_details.mccmnc":         csvOrigMCCMNC,
	"original_network_details.country_name":   csvOrigCountryName,
	"original_network_details.country_iso3":   csvOrigCountryISO3,
	"original_network_details.area":           csvOrigArea,
	"original_network_details.country_prefix": csvOrigCountryPrefix,
	"current_network":                         csvCurStatus,
	"current_network_details.name":            csvCurName,
	"current_network_details.mccmnc":          csvCurMCCMNC,
	"current_network_details.country_name":    csvCurCountryName,
	"current_network_details.country_iso3":    csvCurCountryISO3,
	"current_network_details.area":            csvCurArea,
	"current_network_details.country_prefix":  csvCurCountryPrefix,
}

// setCSVText stores v into the text field of kind k (not csvExtra, not a
// parsed kind).
func setCSVText(r *Result, k csvKind, v string) {
	switch k {
	case csvError:
		r.Error = v
	case csvUUID:
		r.UUID = v
	case csvDetected:
		r.DetectedTelephoneNumber = v
	case csvFormatted:
		r.FormattedTelephoneNumber = v
	case csvIsPorted:
		r.IsPorted = v
	case csvSMSEmail:
		r.SMSEmail = v
	case csvMMSEmail:
		r.MMSEmail = v
	case csvUSAStatus:
		r.USAStatus = v
	case csvDisposable:
		r.DisposableNumber = v
	case csvLiveStatus:
		r.LiveStatus = LiveStatus(v)
	case csvNumberType:
		r.TelephoneNumberType = NumberType(v)
	case csvReqTelephone:
		r.TelephoneNumber = v
		r.RequestParameters.TelephoneNumber = v
	case csvReqSaveToCache:
		r.RequestParameters.SaveToCache = v
	case csvReqInputFormat:
		r.RequestParameters.InputFormat = v
	case csvReqOutputFormat:
		r.RequestParameters.OutputFormat = v
	case csvReqGetPortedDate:
		r.RequestParameters.GetPortedDate = v
	case csvReqGetLandlineStatus:
		r.RequestParameters.GetLandlineStatus = v
	case csvReqUSAStatus:
		r.RequestParameters.USAStatus = v
	case csvOrigStatus:
		r.OriginalNetwork.Status = v
	case csvOrigName:
		r.OriginalNetwork.Name = v
	case csvOrigMCCMNC:
		r.OriginalNetwork.MCCMNC = v
	case csvOrigCountryName:
		r.OriginalNetwork.CountryName = v
	case csvOrigCountryISO3:
		r.OriginalNetwork.CountryISO3 = v
	case csvOrigArea:
		r.OriginalNetwork.Area = v
	case csvOrigCountryPrefix:
		r.OriginalNetwork.CountryPrefix = v
	case csvCurStatus:
		r.CurrentNetwork.Status = v
	case csvCurName:
		r.CurrentNetwork.Name = v
	case csvCurMCCMNC:
		r.CurrentNetwork.MCCMNC = v
	case csvCurCountryName:
		r.CurrentNetwork.CountryName = v
	case csvCurCountryISO3:
		r.CurrentNetwork.CountryISO3 = v
	case csvCurArea:
		r.CurrentNetwork.Area = v
	case csvCurCountryPrefix:
		r.CurrentNetwork.CountryPrefix = v
	}
}

// setCSVParsed parses b, the text of a cell of c (of a parsed kind), into
// r. It reads the common forms ("1", "0.5", "0", a timestamp like the
// previous row's) without allocating and the rest as resultFields' setters
// do, with the same errors.
func setCSVParsed[T string | []byte](c *csvColumn, r *Result, b T) error {
	switch c.kind {
	case csvCredits:
		switch string(b) {
		case "1":
			r.CreditsSpent = 1
		case "0", "":
			r.CreditsSpent = 0
		case "0.5":
			r.CreditsSpent = 0.5
		default:
			f, err := parseResultFloat(string(b))
			if err != nil {
				return err
			}
			r.CreditsSpent = f
		}
	case csvTimestamp:
		if !c.haveTime || string(b) != c.lastTime {
			c.lastTime, c.haveTime = string(b), true
			c.time, c.timeErr = parseResultTime(c.lastTime)
		}
		if c.timeErr != nil {
			return c.timeErr
		}
		r.Timestamp = c.time
	case csvCacheDaysPrivate, csvCacheDaysGlobal:
		n, ok := parseSmallDigits(b)
		if !ok {
			var err error
			if n, err = parseResultInt(string(b)); err != nil {
				return err
			}
		}
		if c.kind == csvCacheDaysPrivate {
			r.RequestParameters.CacheDaysPrivate = n
		} else {
			r.RequestParameters.CacheDaysGlobal = n
		}
	}
	return nil
}

// parseSmallDigits parses 1 to 9 ASCII digits (what strconv.Atoi reads the
// same); ok is false for anything else.
func parseSmallDigits[T string | []byte](b T) (n int, ok bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	for i := range len(b) {
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
		n = n*10 + int(b[i]-'0')
	}
	return n, true
}

// csvColumn is one header column of a CSV results download and what its
// cells fill.
type csvColumn struct {
	name string  // header name as found (trimmed), for errors
	kind csvKind // the field it fills
	key  string  // Extra key, for csvExtra

	parsed bool       // csvIsParsed(kind)
	unique bool       // values never repeat (UUIDs, numbers): not interned
	intern *csvIntern // for the other text kinds and Extra, in the first csvInternColumns columns; else nil

	// csvTimestamp: the previous cell's text and its parse (timestamps
	// repeat for many rows).
	haveTime bool
	lastTime string
	time     time.Time
	timeErr  error
}

// csvIntern holds the recent distinct values of a column whose values
// repeat (statuses, network and country names, YES/NO, NONE…), so that a
// row refers to one shared string instead of copying them. Each value is its
// own small allocation, never part of a row's string, so a kept Result holds
// at most its own row plus a few such short strings. A column whose values
// do not repeat (numbers, UUIDs, a user's ids) stops being looked up after a
// few misses, for a while.
type csvIntern struct {
	last   string                 // the value of the previous lookup
	slots  [csvInternSlots]string // each value in one of its two places (csvInternPlaces)
	tries  uint16                 // lookups in the current window
	misses uint16                 // misses in the current window
	off    uint32                 // lookups left to skip
}

const (
	csvInternBits      = 6
	csvInternSlots     = 1 << csvInternBits // room for a few dozen values
	csvInternMaxLen    = 64                 // longer values are not interned
	csvInternWindow    = 256                // lookups judged together
	csvInternMaxMisses = 16                 // misses in a window beyond which the column is left alone
	csvInternRest      = 4096               // lookups a column is left alone for, then tried again

	// Columns beyond this many are not interned: a table is about a
	// kilobyte, and a hostile header may hold millions of columns.
	csvInternColumns = 256
)

// csvInternPlaces are the two slots where the value b (not empty) may be
// kept, by its length and five of its bytes, which tell apart the few
// values of a column well enough.
func csvInternPlaces(b []byte) (uint, uint) {
	n := len(b)
	x := (uint64(n) | uint64(b[0])<<8 | uint64(b[min(1, n-1)])<<16 | uint64(b[n/2])<<24 |
		uint64(b[max(0, n-2)])<<32 | uint64(b[n-1])<<40) * 0x9e3779b97f4a7c15
	return uint(x >> (64 - csvInternBits)), uint(x>>(64-2*csvInternBits)) % csvInternSlots
}

// lookup returns the shared string equal to b (not empty, not last),
// adding it (a copy) when absent. ok is false when the column is not
// interned now: the caller copies b with the row.
func (c *csvIntern) lookup(b []byte) (s string, ok bool) {
	if c.off > 0 {
		c.off--
		return "", false
	}
	if len(b) > csvInternMaxLen {
		return "", false
	}
	c.tries++
	if c.tries >= csvInternWindow {
		c.tries, c.misses = 0, 0
	}
	h1, h2 := csvInternPlaces(b)
	if s = c.slots[h1]; s == string(b) {
		c.last = s
		return s, true
	}
	if s = c.slots[h2]; s == string(b) {
		c.last = s
		return s, true
	}
	c.misses++
	if c.misses > csvInternMaxMisses {
		c.off, c.tries, c.misses = csvInternRest, 0, 0
		return "", false
	}
	// Into an empty slot of the two, else the one the previous value is
	// not in.
	s = string(b)
	switch {
	case c.slots[h1] == "":
	case c.slots[h2] == "" || c.slots[h1] == c.last:
		h1 = h2
	}
	c.slots[h1], c.last = s, s
	return s, true
}
