package hlrlookuptest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// networkDetails is original_network_details / current_network_details.
type networkDetails struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

// requestParameters echoes the number as uploaded and the batch's options.
type requestParameters struct {
	TelephoneNumber   string `json:"telephone_number"`
	CacheDaysPrivate  int    `json:"cache_days_private"`
	CacheDaysGlobal   int    `json:"cache_days_global"`
	SaveToCache       string `json:"save_to_cache"`
	InputFormat       string `json:"input_format"`
	OutputFormat      string `json:"output_format"`
	GetPortedDate     string `json:"get_ported_date"`
	GetLandlineStatus string `json:"get_landline_status"`
	USAStatus         string `json:"usa_status"`
}

// resultRecord is one result, in the field order of the downloads.
type resultRecord struct {
	Error                    string            `json:"error"`
	UUID                     string            `json:"uuid"`
	RequestParameters        requestParameters `json:"request_parameters"`
	CreditsSpent             float64           `json:"credits_spent"`
	DetectedTelephoneNumber  string            `json:"detected_telephone_number"`
	FormattedTelephoneNumber string            `json:"formatted_telephone_number"`
	LiveStatus               string            `json:"live_status"`
	OriginalNetwork          string            `json:"original_network"`
	OriginalNetworkDetails   networkDetails    `json:"original_network_details"`
	CurrentNetwork           string            `json:"current_network"`
	CurrentNetworkDetails    networkDetails    `json:"current_network_details"`
	IsPorted                 string            `json:"is_ported"`
	Timestamp                string            `json:"timestamp"`
	TelephoneNumberType      string            `json:"telephone_number_type"`
	SMSEmail                 string            `json:"sms_email"`
	MMSEmail                 string            `json:"mms_email"`
}

// csvFields flattens r in the order of csvResultColumns.
func (r *resultRecord) csvFields() []string {
	p := r.RequestParameters
	net := func(d networkDetails) []string {
		return []string{d.Name, d.MCCMNC, d.CountryName, d.CountryISO3, d.Area, d.CountryPrefix}
	}
	out := []string{r.Error, r.UUID,
		p.TelephoneNumber, strconv.Itoa(p.CacheDaysPrivate), strconv.Itoa(p.CacheDaysGlobal),
		p.SaveToCache, p.InputFormat, p.OutputFormat, p.GetPortedDate, p.GetLandlineStatus, p.USAStatus,
		strconv.FormatFloat(r.CreditsSpent, 'f', -1, 64),
		r.DetectedTelephoneNumber, r.FormattedTelephoneNumber, r.LiveStatus,
		r.OriginalNetwork}
	out = append(out, net(r.OriginalNetworkDetails)...)
	out = append(out, r.CurrentNetwork)
	out = append(out, net(r.CurrentNetworkDetails)...)
	return append(out, r.IsPorted, r.Timestamp, r.TelephoneNumberType, r.SMSEmail, r.MMSEmail)
}

// makeRecord generates the deterministic result for one uploaded number.
func makeRecord(number string, args argValues, completed time.Time) resultRecord {
	rec := resultRecord{
		Error: "NONE",
		RequestParameters: requestParameters{
			TelephoneNumber:   number,
			CacheDaysPrivate:  args.CacheDaysPrivate,
			CacheDaysGlobal:   args.CacheDaysGlobal,
			SaveToCache:       args.SaveToCache,
			InputFormat:       args.InputFormat,
			OutputFormat:      args.OutputFormat,
			GetPortedDate:     args.GetPortedDate,
			GetLandlineStatus: args.GetLandlineStatus,
			USAStatus:         args.USAStatus,
		},
		Timestamp: completed.UTC().Format(time.RFC3339),
	}
	detected, ok := detectNumber(number, args.InputFormat)
	if !ok {
		rec.UUID = uuidOf("bad:" + number)
		rec.LiveStatus = "NOT_APPLICABLE"
		rec.OriginalNetwork, rec.CurrentNetwork = "NOT_AVAILABLE", "NOT_AVAILABLE"
		rec.IsPorted = "UNKNOWN"
		rec.TelephoneNumberType = "BAD_FORMAT"
		return rec
	}
	h := fnv.New64a()
	h.Write([]byte(detected))
	sum := h.Sum64()

	rec.UUID = uuidOf(detected)
	rec.DetectedTelephoneNumber = detected
	c := countryOf(detected)
	rec.FormattedTelephoneNumber = formatNumber(detected, c, args.OutputFormat)

	switch v := sum % 100; {
	case v < 70:
		rec.LiveStatus = "LIVE"
	case v < 80:
		rec.LiveStatus = "DEAD"
	case v < 87:
		rec.LiveStatus = "ABSENT_SUBSCRIBER"
	case v < 92:
		rec.LiveStatus = "NO_TELESERVICE_PROVISIONED"
	case v < 97:
		rec.LiveStatus = "INCONCLUSIVE"
	default:
		rec.LiveStatus = "NO_COVERAGE"
	}
	switch v := sum / 100 % 100; {
	case v < 75:
		rec.TelephoneNumberType = "MOBILE"
	case v < 87:
		rec.TelephoneNumberType = "LANDLINE"
	case v < 95:
		rec.TelephoneNumberType = "VOIP"
	default:
		rec.TelephoneNumberType = "MOBILE_OR_LANDLINE"
	}
	ported := sum/10_000%100 < 15 && len(c.networks) > 1
	ni := int(sum / 1_000_000 % uint64(len(c.networks)))
	orig, cur := c.networks[ni], c.networks[ni]
	if ported {
		cur = c.networks[(ni+1)%len(c.networks)]
	}
	details := func(n network) networkDetails {
		return networkDetails{n.name, n.mccmnc, c.name, c.iso3, n.area, c.prefix}
	}
	rec.OriginalNetwork, rec.OriginalNetworkDetails = "AVAILABLE", details(orig)
	rec.IsPorted = "NO"
	if ported {
		rec.IsPorted = "YES"
	}
	if rec.LiveStatus == "NO_COVERAGE" {
		rec.CurrentNetwork, rec.IsPorted = "NOT_AVAILABLE", "UNKNOWN"
		return rec // credits 0
	}
	rec.CurrentNetwork, rec.CurrentNetworkDetails = "AVAILABLE", details(cur)
	rec.CreditsSpent = 1
	if args.CacheDaysGlobal > 0 && sum%4 == 0 {
		rec.CreditsSpent = 0.5 // a hit in the global cache
	}
	if rec.TelephoneNumberType == "MOBILE" && cur.smsDomain != "" {
		national := strings.TrimPrefix(detected, c.prefix)
		rec.SMSEmail, rec.MMSEmail = national+"@"+cur.smsDomain, national+"@"+cur.mmsDomain
	}
	return rec
}

// detectNumber normalises an uploaded number to international digits:
// digits only; "00" or "+" means international; a national number (leading
// 0, or 10 digits for USA) is converted with input_format. It reports false
// for a bad format: letters, or fewer than 7 or more than 15 digits.
func detectNumber(number, inputFormat string) (string, bool) {
	var b strings.Builder
	for _, r := range number {
		switch {
		case unicode.IsLetter(r):
			return "", false
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	digits := b.String()
	international := strings.HasPrefix(strings.TrimSpace(number), "+")
	switch {
	case international:
	case strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	default:
		if c, ok := countryByISO3(inputFormat); ok {
			if c.iso3 == "USA" && len(digits) == 10 && digits[0] != '1' {
				digits = "1" + digits
			} else if strings.HasPrefix(digits, "0") {
				digits = c.prefix + digits[1:]
			}
		}
	}
	if len(digits) < 7 || len(digits) > 15 {
		return "", false
	}
	return digits, true
}

// formatNumber fills formatted_telephone_number: E164 gives the digits,
// PLUS_E164 (and the assumed default, no output_format) "+digits", a
// country code gives the national form for that country's numbers and
// "+digits" for others.
func formatNumber(detected string, c country, outputFormat string) string {
	switch {
	case outputFormat == "E164":
		return detected
	case outputFormat == "" || outputFormat == "PLUS_E164" || outputFormat != c.iso3 || c.prefix == "":
		return "+" + detected
	case c.iso3 == "USA":
		return strings.TrimPrefix(detected, c.prefix)
	default:
		return "0" + strings.TrimPrefix(detected, c.prefix)
	}
}

// uuidOf derives a version-4-shaped UUID from s, deterministically.
func uuidOf(s string) string {
	h := fnv.New128a()
	h.Write([]byte(s))
	b := h.Sum(nil)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// recordMap renders rec as json.Unmarshal into map[string]any would give it.
func recordMap(rec resultRecord) map[string]any {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// ResultRecord returns the JSON record the fake generates for number in a
// batch created without batchArguments, shaped as json.Unmarshal into a
// map[string]any would decode it (numbers are float64, network details are
// nested maps). Its "timestamp" is the zero time, "0001-01-01T00:00:00Z":
// the server stamps the time the batch completed, so compare the other
// fields, or use (*Server).ResultRecord for the exact record.
func ResultRecord(number string) map[string]any {
	return recordMap(makeRecord(number, defaultArgs(), time.Time{}))
}

// ResultRecordWith is ResultRecord for a batch created with batchArguments
// args (nil for none) that completed at completed. It panics if args are
// invalid.
func ResultRecordWith(number string, args map[string]any, completed time.Time) map[string]any {
	var raw json.RawMessage
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			panic("hlrlookuptest: ResultRecordWith: " + err.Error())
		}
		raw = b
	}
	_, v, msg := parseBatchArguments(raw)
	if msg != "" {
		panic("hlrlookuptest: ResultRecordWith: " + msg)
	}
	return recordMap(makeRecord(number, v, completed))
}

// ResultRecord returns the exact record batch id's results hold (or would
// hold, if not complete yet: timestamp is then the zero time) for number,
// using the batch's batchArguments and completion time; false if there is
// no such batch.
func (s *Server) ResultRecord(id, number string) (map[string]any, bool) {
	s.lockAndTick()
	b, ok := s.batches[id]
	var args argValues
	var completed time.Time
	if ok {
		args, completed = b.args, b.completed
	}
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	return recordMap(makeRecord(number, args, completed)), true
}

// resultsSnapshot is what a download needs, taken under the lock; its
// slices are never modified after the upload, so they are shared.
type resultsSnapshot struct {
	header     []string
	rows       [][]string
	numbers    []string
	numColumns int
	args       argValues
	completed  time.Time
	envelope   Envelope
	noCredit   map[int]bool // never written once the batch is COMPLETE
}

// record is the result of item i.
func (snap *resultsSnapshot) record(i int) resultRecord {
	if snap.noCredit[i] {
		return insufficientCreditRecord(snap.numbers[i], snap.args)
	}
	return makeRecord(snap.numbers[i], snap.args, snap.completed)
}

// insufficientCreditRecord is the result of a number the account could not
// pay for: only error and request_parameters are set, 0 credits.
func insufficientCreditRecord(number string, args argValues) resultRecord {
	rec := makeRecord(number, args, time.Time{})
	return resultRecord{Error: "INSUFFICIENT_CREDIT", RequestParameters: rec.RequestParameters}
}

// handleResults serves GET /batches/{id}/results[?format=json|csv], or,
// WithJSONByAccept, in the format the Accept header prefers.
func (s *Server) handleResults(w http.ResponseWriter, r *http.Request, acct *account, id string) {
	format := strings.ToLower(r.URL.Query().Get("format"))
	switch {
	case s.cfg.jsonByAccept:
		format = "csv"
		if prefersJSON(r.Header.Values("Accept")) {
			format = "json"
		}
	case format != "" && format != "csv" && format != "json":
		s.batchError(w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("parameter format must be csv or json, got %q", r.URL.Query().Get("format")))
		return
	}
	s.lockAndTick()
	b := s.lookupLocked(w, acct, id)
	if b == nil {
		s.mu.Unlock()
		return
	}
	if b.status != StatusComplete {
		st := s.wireStatus(b.status)
		s.mu.Unlock()
		s.batchError(w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("results not ready: batch %s is %s", id, st))
		return
	}
	snap := &resultsSnapshot{
		header: b.header, rows: b.rows, numbers: b.numbers, numColumns: b.numColumns,
		args: b.args, completed: b.completed, envelope: s.cfg.envelope, noCredit: b.noCredit,
	}
	s.mu.Unlock()

	render, ctype := snap.writeCSV, "text/csv; charset=utf-8"
	if format == "json" {
		render, ctype = snap.writeJSON, "application/json"
	}
	var cw countingWriter
	if err := render(&cw); err != nil {
		s.batchError(w, http.StatusInternalServerError, "INTERNAL", err.Error())
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.FormatInt(cw.n, 10))
	w.WriteHeader(http.StatusOK)
	_ = render(w)
}

// prefersJSON reports whether the Accept header (all its lines) gives
// application/json a strictly higher q-value than text/csv. Each type's q
// comes from the most specific media range that matches it (type/subtype,
// then type/*, then */*), 0 when none does; a range that does not parse, or
// whose q is not a number from 0 to 1, is ignored. Without any range both
// are acceptable alike, so CSV wins.
func prefersJSON(accept []string) bool {
	qJSON, qCSV := acceptQuality(accept, "application", "json"), acceptQuality(accept, "text", "csv")
	return qJSON > qCSV
}

// acceptQuality is the q-value the Accept header lines give typ/sub: that
// of the most specific matching range; 1 when there is no range at all.
func acceptQuality(accept []string, typ, sub string) float64 {
	q, best, ranges := 0.0, 0, 0
	for _, line := range accept {
		for part := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			v := 1.0
			if qs, ok := params["q"]; ok {
				v, err = strconv.ParseFloat(qs, 64)
				if err != nil || !(v >= 0 && v <= 1) {
					continue
				}
			}
			ranges++
			rt, rs, _ := strings.Cut(mt, "/")
			spec := 0
			switch {
			case rt == typ && rs == sub:
				spec = 3
			case rt == typ && rs == "*":
				spec = 2
			case rt == "*" && rs == "*":
				spec = 1
			}
			if spec > best {
				q, best = v, spec
			}
		}
	}
	if ranges == 0 {
		return 1
	}
	return q
}

// writeCSV streams the CSV download: a header row, then one row per number.
func (snap *resultsSnapshot) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, 0, snap.numColumns+len(csvResultColumns))
	if snap.header != nil {
		head = append(head, snap.header...)
	} else {
		for i := range snap.numColumns {
			head = append(head, fmt.Sprintf("column_%d", i+1))
		}
	}
	if err := cw.Write(append(head, csvResultColumns...)); err != nil {
		return err
	}
	row := make([]string, 0, len(head))
	for i, own := range snap.rows {
		rec := snap.record(i)
		row = append(append(row[:0], own...), rec.csvFields()...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON streams the JSON download in the configured envelope.
func (snap *resultsSnapshot) writeJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	prefix, suffix := "[", "]\n"
	switch snap.envelope {
	case EnvelopeResults:
		prefix, suffix = `{"results":[`, "]}\n"
	case EnvelopeBody:
		prefix, suffix = `{"body":{"results":[`, "]}}\n"
	}
	bw.WriteString(prefix)
	for i := range snap.numbers {
		if i > 0 {
			bw.WriteByte(',')
		}
		b, err := json.Marshal(snap.record(i))
		if err != nil {
			return err
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString(suffix)
	return bw.Flush()
}

// countingWriter counts bytes and discards them.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
