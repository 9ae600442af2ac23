package hlrlookup

import "time"

// jsonField is a known field of a Result as the JSON decoder sets it: by
// number, without the closures of resultFields, so that a string can be set
// once the record's own string is made and a number or a timestamp can be
// kept from the record before. Each has the name of its resultFields entry
// (jsonFieldNames); a test holds the two to the same effect on a Result.
type jsonField uint8

const (
	fieldNone jsonField = iota

	// Strings.
	fieldError
	fieldUUID
	fieldDetectedTelephoneNumber
	fieldFormattedTelephoneNumber
	fieldIsPorted
	fieldSMSEmail
	fieldMMSEmail
	fieldUSAStatus
	fieldDisposableNumber
	fieldLiveStatus
	fieldTelephoneNumberType
	fieldRequestTelephoneNumber // also TelephoneNumber
	fieldRequestSaveToCache
	fieldRequestInputFormat
	fieldRequestOutputFormat
	fieldRequestGetPortedDate
	fieldRequestGetLandlineStatus
	fieldRequestUSAStatus
	fieldOriginalStatus
	fieldOriginalName
	fieldOriginalMCCMNC
	fieldOriginalCountryName
	fieldOriginalCountryISO3
	fieldOriginalArea
	fieldOriginalCountryPrefix
	fieldCurrentStatus
	fieldCurrentName
	fieldCurrentMCCMNC
	fieldCurrentCountryName
	fieldCurrentCountryISO3
	fieldCurrentArea
	fieldCurrentCountryPrefix

	// Parsed from their text.
	fieldCreditsSpent
	fieldTimestamp
	fieldRequestCacheDaysPrivate
	fieldRequestCacheDaysGlobal
)

// isString reports whether f holds its value as text.
func (f jsonField) isString() bool { return f > fieldNone && f < fieldCreditsSpent }

// jsonFieldNames maps the names of resultFields (folded, dotted) to fields.
var jsonFieldNames = map[string]jsonField{
	"error":                                   fieldError,
	"uuid":                                    fieldUUID,
	"detected_telephone_number":               fieldDetectedTelephoneNumber,
	"formatted_telephone_number":              fieldFormattedTelephoneNumber,
	"is_ported":                               fieldIsPorted,
	"sms_email":                               fieldSMSEmail,
	"mms_email":                               fieldMMSEmail,
	"usa_status":                              fieldUSAStatus,
	"disposable_number":                       fieldDisposableNumber,
	"live_status":                             fieldLiveStatus,
	"telephone_number_type":                   fieldTelephoneNumberType,
	"request_parameters.telephone_number":     fieldRequestTelephoneNumber,
	"request_parameters.save_to_cache":        fieldRequestSaveToCache,
	"request_parameters.input_format":         fieldRequestInputFormat,
	"request_parameters.output_format":        fieldRequestOutputFormat,
	"request_parameters.get_ported_date":      fieldRequestGetPortedDate,
	"request_parameters.get_landline_status":  fieldRequestGetLandlineStatus,
	"request_parameters.usa_status":           fieldRequestUSAStatus,
	"original_network":                        fieldOriginalStatus,
	"original_network_details.name":           fieldOriginalName,
	"original_network_details.mccmnc":         fieldOriginalMCCMNC,
	"original_network_details.country_name":   fieldOriginalCountryName,
	"original_network_details.country_iso3":   fieldOriginalCountryISO3,
	"original_network_details.area":           fieldOriginalArea,
	"original_network_details.country_prefix": fieldOriginalCountryPrefix,
	"current_network":                         fieldCurrentStatus,
	"current_network_details.name":            fieldCurrentName,
	"current_network_details.mccmnc":          fieldCurrentMCCMNC,
	"current_network_details.country_name":    fieldCurrentCountryName,
	"current_network_details.country_iso3":    fieldCurrentCountryISO3,
	"current_network_details.area":            fieldCurrentArea,
	"current_network_details.country_prefix":  fieldCurrentCountryPrefix,
	"credits_spent":                           fieldCreditsSpent,
	"timestamp":                               fieldTimestamp,
	"request_parameters.cache_days_private":   fieldRequestCacheDaysPrivate,
	"request_parameters.cache_days_global":    fieldRequestCacheDaysGlobal,
}

// setString sets the string field f (f.isString()) of r to v.
func (r *Result) setString(f jsonField, v string) {
	switch f {
	case fieldError:
		r.Error = v
	case fieldUUID:
		r.UUID = v
	case fieldDetectedTelephoneNumber:
		r.DetectedTelephoneNumber = v
	case fieldFormattedTelephoneNumber:
		r.FormattedTelephoneNumber = v
	case fieldIsPorted:
		r.IsPorted = v
	case fieldSMSEmail:
		r.SMSEmail = v
	case fieldMMSEmail:
		r.MMSEmail = v
	case fieldUSAStatus:
		r.USAStatus = v
	case fieldDisposableNumber:
		r.DisposableNumber = v
	case fieldLiveStatus:
		r.LiveStatus = LiveStatus(v)
	case fieldTelephoneNumberType:
		r.TelephoneNumberType = NumberType(v)
	case fieldRequestTelephoneNumber:
		r.TelephoneNumber = v
		r.RequestParameters.TelephoneNumber = v
	case fieldRequestSaveToCache:
		r.RequestParameters.SaveToCache = v
	case fieldRequestInputFormat:
		r.RequestParameters.InputFormat = v
	case fieldRequestOutputFormat:
		r.RequestParameters.OutputFormat = v
	case fieldRequestGetPortedDate:
		r.RequestParameters.GetPortedDate = v
	case fieldRequestGetLandlineStatus:
		r.RequestParameters.GetLandlineStatus = v
	case fieldRequestUSAStatus:
		r.RequestParameters.USAStatus = v
	case fieldOriginalStatus:
		r.OriginalNetwork.Status = v
	case fieldOriginalName:
		r.OriginalNetwork.Name = v
	case fieldOriginalMCCMNC:
		r.OriginalNetwork.MCCMNC = v
	case fieldOriginalCountryName:
		r.OriginalNetwork.CountryName = v
	case fieldOriginalCountryISO3:
		r.OriginalNetwork.CountryISO3 = v
	case fieldOriginalArea:
		r.OriginalNetwork.Area = v
	case fieldOriginalCountryPrefix:
		r.OriginalNetwork.CountryPrefix = v
	case fieldCurrentStatus:
		r.CurrentNetwork.Status = v
	case fieldCurrentName:
		r.CurrentNetwork.Name = v
	case fieldCurrentMCCMNC:
		r.CurrentNetwork.MCCMNC = v
	case fieldCurrentCountryName:
		r.CurrentNetwork.CountryName = v
	case fieldCurrentCountryISO3:
		r.CurrentNetwork.CountryISO3 = v
	case fieldCurrentArea:
		r.CurrentNetwork.Area = v
	case fieldCurrentCountryPrefix:
		r.CurrentNetwork.CountryPrefix = v
	}
}

// parsedValue is the value of a field that is parsed from its text
// (credits_spent, timestamp, the cache days), kept with the text it came
// from so that the next record's same text is not parsed again.
type parsedValue struct {
	text string
	f    float64
	n    int
	t    time.Time
}

// parseField parses text for the parsed field f, with the parsers the CSV
// decoder uses (resultFields' setters).
func parseField(f jsonField, text string) (parsedValue, error) {
	v := parsedValue{text: text}
	var err error
	switch f {
	case fieldCreditsSpent:
		v.f, err = parseResultFloat(text)
	case fieldTimestamp:
		v.t, err = parseResultTime(text)
	default:
		v.n, err = parseResultInt(text)
	}
	return v, err
}

// setParsed sets the parsed field f of r to v.
func (r *Result) setParsed(f jsonField, v *parsedValue) {
	switch f {
	case fieldCreditsSpent:
		r.CreditsSpent = v.f
	case fieldTimestamp:
		r.Timestamp = v.t
	case fieldRequestCacheDaysPrivate:
		r.RequestParameters.CacheDaysPrivate = v.n
	case fieldRequestCacheDaysGlobal:
		r.RequestParameters.CacheDaysGlobal = v.n
	}
}
