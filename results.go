package hlrlookup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
)

// LiveStatus is a result's live_status: whether the number's handset is
// reachable. The set is open: values the SDK does not know are kept as they are.
type LiveStatus string

// Known live_status values.
const (
	LiveStatusLive                     LiveStatus = "LIVE"                       // active and reachable
	LiveStatusDead                     LiveStatus = "DEAD"                       // disconnected or decommissioned
	LiveStatusAbsentSubscriber         LiveStatus = "ABSENT_SUBSCRIBER"          // valid SIM, handset off or out of coverage
	LiveStatusNoTeleserviceProvisioned LiveStatus = "NO_TELESERVICE_PROVISIONED" // no voice or SMS service (a data SIM)
	LiveStatusInconclusive             LiveStatus = "INCONCLUSIVE"               // the network gave no usable answer
	LiveStatusNotAvailableNetworkOnly  LiveStatus = "NOT_AVAILABLE_NETWORK_ONLY" // only MCC/MNC information is possible
	LiveStatusNoCoverage               LiveStatus = "NO_COVERAGE"                // no information obtainable (not charged)
	LiveStatusNotApplicable            LiveStatus = "NOT_APPLICABLE"             // no live check applied (not charged)
)

// NumberType is a result's telephone_number_type. The set is open: values the
// SDK does not know (TOLL_FREE, PAGER, …) are kept as they are.
type NumberType string

// Known telephone_number_type values.
const (
	NumberTypeMobile           NumberType = "MOBILE"
	NumberTypeLandline         NumberType = "LANDLINE"
	NumberTypeMobileOrLandline NumberType = "MOBILE_OR_LANDLINE"
	NumberTypeVOIP             NumberType = "VOIP"
	NumberTypeBadFormat        NumberType = "BAD_FORMAT"
	NumberTypeUnknown          NumberType = "UNKNOWN"
)

// Network is the original or current network of a looked-up number. Status is
// the result's original_network or current_network field (AVAILABLE or
// NOT_AVAILABLE); the other fields come from the matching *_network_details.
type Network struct {
	Status        string
	Name          string
	MCCMNC        string
	CountryName   string
	CountryISO3   string
	Area          string
	CountryPrefix string
}

// RequestParameters is a result's request_parameters: the options the lookup
// ran with, as echoed by the service, plus the telephone number as uploaded.
type RequestParameters struct {
	TelephoneNumber   string
	SaveToCache       string
	InputFormat       string
	OutputFormat      string
	GetPortedDate     string
	GetLandlineStatus string
	USAStatus         string
	CacheDaysPrivate  int
	CacheDaysGlobal   int
}

// Result is one looked-up number of a batch: one row of the CSV download or
// one record of the JSON download of GET /batches/{id}/results.
type Result struct {
	TelephoneNumber          string // request_parameters.telephone_number: as uploaded
	DetectedTelephoneNumber  string // E.164 digits without "+"; empty on BAD_FORMAT
	FormattedTelephoneNumber string // empty unless output_format was set
	LiveStatus               LiveStatus
	TelephoneNumberType      NumberType
	IsPorted                 string // YES, NO or UNKNOWN
	OriginalNetwork          Network
	CurrentNetwork           Network
	CreditsSpent             float64 // can be 0.5 (a global-cache hit)
	Timestamp                time.Time
	Error                    string // "NONE" on success
	UUID                     string
	// Extra holds the uploaded file's own columns and every field the SDK does
	// not know, keyed by CSV header name or dotted JSON path
	// ("current_network_details.foo"). Nil when there are none.
	Extra map[string]string

	RequestParameters RequestParameters
	SMSEmail          string
	MMSEmail          string
	USAStatus         string // the usa_status output field, when requested
	DisposableNumber  string // disposable_number: YES, NO or empty (instant lookups)
}

// OK reports whether the lookup succeeded: error is empty or "NONE". It makes
// no request.
func (r *Result) OK() bool { return r.Error == "" || r.Error == "NONE" }

// Live reports whether live_status is LIVE. It makes no request.
func (r *Result) Live() bool { return r.LiveStatus == LiveStatusLive }

// ErrResultRecordTooLarge is matched (with errors.Is) by the error a results
// decoder returns when one record, the CSV header or the JSON envelope around
// the records exceeds 8 MiB. The decoder refuses it instead of buffering it.
var ErrResultRecordTooLarge = errors.New("hlrlookup: results record too large")

// maxResultRecordBytes bounds the bytes read for one results record (or the
// CSV header, or one token of the JSON envelope).
const maxResultRecordBytes = 8 << 20

// ReadResults decodes a saved results download (the body of
// GET /batches/{id}/results, CSV or JSON) and yields one *Result per row. It
// makes no request. The input is streamed, never held whole; each yielded
// *Result is fresh and may be kept.
//
// The format is sniffed from what a JSON download starts with, after an
// optional UTF-8 byte-order mark and whitespace: '[' followed (after
// whitespace) by '{' or ']' (an array of records), or '{' followed by an
// object key and its ':' ({"results":[…]}, {"body":{"results":[…]}}, or any
// other key first). Anything else is CSV, so a CSV whose first header cell
// starts with '[' or '{' (such as "[id],phone") is read as CSV.
//
// CSV: columns are mapped by header name, case-insensitively and trimmed, to
// the fields they fill (the names are the JSON paths: "live_status",
// "request_parameters.telephone_number", "current_network_details.name", …);
// when a known name appears more than once, the last such column fills the
// field. Every other cell goes to Extra, and no cell is lost: under its
// header name (trimmed); for the second, third … column of a repeated name,
// under "name_2", "name_3", …; for an empty header cell or a cell beyond the
// header, under "column_N" (N its 1-based position). Header names are claimed
// first, so a generated name never takes one: it gets the next free suffix
// instead, the same in every row (header a,column_3 with row 1,2,3 gives
// column_3 "2" and column_3_2 "3"; header phone,phone,phone_2 gives the
// second column the key phone_3).
//
// JSON: a bare array of records, {"results":[…]} or {"body":{"results":[…]}};
// other envelope keys are skipped. Each record is an object; its members map
// to fields by path, the keys of the enclosing objects as written (escapes
// decoded) joined by '.', matched case-insensitively as encoding/json matches
// field names: {"request_parameters":{"telephone_number":…}} and the flat
// key "request_parameters.telephone_number" both fill TelephoneNumber, as the
// CSV column of that name does. Nested objects are flattened, so an unknown
// member goes to Extra under its full path ("current_network_details.hlr").
// A value is used as text: a string unescaped ("caf\u00e9" is "café"), a
// number as written, true or false, an array as compact JSON (["a",1]), and
// null as "" in Extra; null for a known field, or for request_parameters or
// a *_network_details object, leaves it unset, and an empty object adds
// nothing. When two members have the same path the later one wins, as
// encoding/json does with a repeated key. Input nested more than 128 levels
// deep (objects and arrays, counted from the outermost) is refused.
//
// On failure the iterator yields (nil, err) once and stops; an empty input
// yields nothing. A record larger than 8 MiB is refused with an error
// matching ErrResultRecordTooLarge. The sequence consumes r and can be ranged
// over once.
func ReadResults(r io.Reader) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		br := bufio.NewReader(r)
		format, err := sniffResults(br)
		if err != nil {
			yield(nil, fmt.Errorf("hlrlookup: reading results: %w", err))
			return
		}
		var seq iter.Seq2[*Result, error]
		switch format {
		case "":
			return // empty or only whitespace
		case "json":
			seq = decodeJSONResults(br)
		default:
			seq = decodeCSVResults(br)
		}
		for res, err := range seq {
			if !yield(res, err) {
				return
			}
		}
	}
}

// sniffResults skips a UTF-8 byte-order mark and whitespace and reports the
// format of what follows, without consuming it: "json" when it starts like a
// JSON download (see ReadResults), "csv" otherwise, "" at the end of the
// input. It looks at most the reader's buffer size ahead.
func sniffResults(br *bufio.Reader) (string, error) {
	if err := skipBOM(br); err != nil {
		return "", err
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		if err := br.UnreadByte(); err != nil {
			return "", err
		}
		break
	}
	// Peek only as far as the decision needs, so that a slow stream is not
	// waited on for more than that.
	for n := max(br.Buffered(), 1); ; n = min(2*n, br.Size()) {
		ahead, err := br.Peek(n)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
		isJSON, sure := sniffJSONResults(ahead)
		if sure || len(ahead) < n || n == br.Size() {
			if isJSON {
				return "json", nil
			}
			return "csv", nil
		}
	}
}

// sniffJSONResults reports whether b starts like a JSON results download:
// '[' then '{' or ']', or '{' then a quoted key and ':', with whitespace
// between the tokens (only spaces and tabs before the ':'). No valid CSV
// starts so: its first field would hold a bare '"', or a quoted field would
// be followed by something other than ',' or a line break. sure is false
// when b ends before the answer is known.
func sniffJSONResults(b []byte) (isJSON, sure bool) {
	next := func(i int, ws string) int {
		for i < len(b) && strings.IndexByte(ws, b[i]) >= 0 {
			i++
		}
		return i
	}
	if len(b) == 0 {
		return false, false
	}
	switch b[0] {
	case '[':
		i := next(1, " \t\r\n")
		if i >= len(b) {
			return false, false
		}
		return b[i] == '{' || b[i] == ']', true
	case '{':
		i := next(1, " \t\r\n")
		if i >= len(b) {
			return false, false
		}
		if b[i] != '"' {
			return false, true
		}
		for i++; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				i++
			}
		}
		if i = next(i+1, " \t"); i >= len(b) {
			return false, false
		}
		return b[i] == ':', true
	}
	return false, true
}

// skipBOM discards a leading UTF-8 byte-order mark, if present.
func skipBOM(br *bufio.Reader) error {
	b, err := br.Peek(3)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		_, err = br.Discard(3)
		return err
	}
	return nil
}

// errRecordLimit is returned by recordLimiter once the limit is exceeded.
var errRecordLimit = errors.New("results record size limit reached")

// recordLimiter counts the bytes read since the start of the current record
// (mark) and fails reads once more than maxResultRecordBytes were read, so a
// huge field or record is refused instead of buffered. Reads are capped at a
// chunk so decoders' read-ahead stays small.
type recordLimiter struct {
	r       io.Reader
	n       int64
	tripped bool
}

const recordLimiterChunk = 64 << 10

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.tripped || l.n > maxResultRecordBytes {
		l.tripped = true
		return 0, errRecordLimit
	}
	if len(p) > recordLimiterChunk {
		p = p[:recordLimiterChunk]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// mark starts a new record.
func (l *recordLimiter) mark() { l.n = 0 }

// newRecordReader wraps r in a recordLimiter and a buffered reader with any
// byte-order mark removed.
func newRecordReader(r io.Reader) (*recordLimiter, *bufio.Reader, error) {
	lim := &recordLimiter{r: r}
	br := bufio.NewReaderSize(lim, recordLimiterChunk)
	return lim, br, skipBOM(br)
}

// recordTooLargeError is the error for an oversized record; it matches
// ErrResultRecordTooLarge.
type recordTooLargeError struct {
	format string // "CSV" or "JSON"
	where  string // "header", "envelope" or "record at row N"
}

func (e *recordTooLargeError) Error() string {
	return fmt.Sprintf("hlrlookup: reading %s results: %s exceeds %d MiB", e.format, e.where, maxResultRecordBytes>>20)
}

func (e *recordTooLargeError) Is(target error) bool { return target == ErrResultRecordTooLarge }

// fieldSetter stores one textual field value into a Result.
type fieldSetter func(r *Result, v string) error

// resultFields maps every known field, by lower-case dotted name as in the CSV
// header, to its setter. The JSON decoder uses it too (by path), so both
// formats interpret values the same way.
var resultFields = buildResultFields()

func buildResultFields() map[string]fieldSetter {
	str := func(f func(*Result) *string) fieldSetter {
		return func(r *Result, v string) error { *f(r) = v; return nil }
	}
	num := func(f func(*Result) *int) fieldSetter {
		return func(r *Result, v string) (err error) { *f(r), err = parseResultInt(v); return err }
	}
	m := map[string]fieldSetter{
		"error":                      str(func(r *Result) *string { return &r.Error }),
		"uuid":                       str(func(r *Result) *string { return &r.UUID }),
		"detected_telephone_number":  str(func(r *Result) *string { return &r.DetectedTelephoneNumber }),
		"formatted_telephone_number": str(func(r *Result) *string { return &r.FormattedTelephoneNumber }),
		"is_ported":                  str(func(r *Result) *string { return &r.IsPorted }),
		"sms_email":                  str(func(r *Result) *string { return &r.SMSEmail }),
		"mms_email":                  str(func(r *Result) *string { return &r.MMSEmail }),
		"usa_status":                 str(func(r *Result) *string { return &r.USAStatus }),
		"disposable_number":          str(func(r *Result) *string { return &r.DisposableNumber }),
		"live_status": func(r *Result, v string) error {
			r.LiveStatus = LiveStatus(v)
			return nil
		},
		"telephone_number_type": func(r *Result, v string) error {
			r.TelephoneNumberType = NumberType(v)
			return nil
		},
		"credits_spent": func(r *Result, v string) (err error) {
			r.CreditsSpent, err = parseResultFloat(v)
			return err
		},
		"timestamp": func(r *Result, v string) (err error) {
			r.Timestamp, err = parseResultTime(v)
			return err
		},
		"request_parameters.telephone_number":    str(func(r *Result) *string { return &r.RequestParameters.TelephoneNumber }),
		"request_parameters.save_to_cache":       str(func(r *Result) *string { return &r.RequestParameters.SaveToCache }),
		"request_parameters.input_format":        str(func(r *Result) *string { return &r.RequestParameters.InputFormat }),
		"request_parameters.output_format":       str(func(r *Result) *string { return &r.RequestParameters.OutputFormat }),
		"request_parameters.get_ported_date":     str(func(r *Result) *string { return &r.RequestParameters.GetPortedDate }),
		"request_parameters.get_landline_status": str(func(r *Result) *string { return &r.RequestParameters.GetLandlineStatus }),
		"request_parameters.usa_status":          str(func(r *Result) *string { return &r.RequestParameters.USAStatus }),
		"request_parameters.cache_days_private":  num(func(r *Result) *int { return &r.RequestParameters.CacheDaysPrivate }),
		"request_parameters.cache_days_global":   num(func(r *Result) *int { return &r.RequestParameters.CacheDaysGlobal }),
	}
	// TelephoneNumber mirrors request_parameters.telephone_number.
	tel := m["request_parameters.telephone_number"]
	m["request_parameters.telephone_number"] = func(r *Result, v string) error {
		r.TelephoneNumber = v
		return tel(r, v)
	}
	for prefix, net := range map[string]func(*Result) *Network{
		"original_network": func(r *Result) *Network { return &r.OriginalNetwork },
		"current_network":  func(r *Result) *Network { return &r.CurrentNetwork },
	} {
		m[prefix] = str(func(r *Result) *string { return &net(r).Status })
		d := prefix + "_details."
		m[d+"name"] = str(func(r *Result) *string { return &net(r).Name })
		m[d+"mccmnc"] = str(func(r *Result) *string { return &net(r).MCCMNC })
		m[d+"country_name"] = str(func(r *Result) *string { return &net(r).CountryName })
		m[d+"country_iso3"] = str(func(r *Result) *string { return &net(r).CountryISO3 })
		m[d+"area"] = str(func(r *Result) *string { return &net(r).Area })
		m[d+"country_prefix"] = str(func(r *Result) *string { return &net(r).CountryPrefix })
	}
	return m
}

// parseResultFloat parses credits_spent; empty means 0.
func parseResultFloat(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid number %s", quoteShort(v))
	}
	return f, nil
}

// parseResultInt parses an integer field such as cache_days_private; empty
// means 0.
func parseResultInt(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %s", quoteShort(v))
	}
	return n, nil
}

// resultTimeLayoutFallback is accepted besides RFC 3339 (which is what the
// service sends) because spreadsheet programs rewrite timestamps that way when
// a CSV download is re-saved; it is read as UTC. Assumed, not documented.
const resultTimeLayoutFallback = "2006-01-02 15:04:05"

// parseResultTime parses timestamp (RFC 3339); empty means the zero time.
func parseResultTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err == nil {
		return t, nil
	}
	if t, err := time.Parse(resultTimeLayoutFallback, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("invalid RFC 3339 timestamp %s", quoteShort(v))
}

// quoteShort quotes v for an error message, shortened to 64 bytes.
func quoteShort(v string) string {
	if len(v) > 64 {
		return strconv.Quote(v[:64]) + "…"
	}
	return strconv.Quote(v)
}
