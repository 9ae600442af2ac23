package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// This file is the doctor's table of assumptions: each wire detail it
// checks, the WIRE.md rows it concerns, what the SDK expects, in words, and
// the function that decides, from the recorded exchanges alone, whether the
// service confirmed it, contradicted it (saying what it did instead) or
// did not show it. Every decision reads scrubbed exchanges, so nothing it
// quotes can hold a credential; quotes are escaped for the terminal.

// verdict is the outcome of one check.
type verdict string

const (
	confirmed    verdict = "confirmed"
	contradicted verdict = "contradicted"
	notObserved  verdict = "not observed"
)

// assumption is one row of the doctor's table.
type assumption struct {
	id     string
	wire   string // the WIRE.md rows: "7, 22", "L9"
	expect string // what the SDK expects, in words
	// batches: the check needs the batches service or the account (not run
	// with --sandbox).
	batches bool
	decide  func(ev *evidence) (verdict, string)
}

// doctorNumbers are the numbers uploaded to the doctor's batch, and
// doctorLookupNumber the one looked up: not phone numbers (too short, no
// country code and no input_format), so BAD_FORMAT and free. They hold
// digits, so that no service takes the first for a header row.
var (
	doctorNumbers      = []string{"12345", "1234", "123"}
	doctorLookupNumber = "12345"
)

// Statuses of the fake service before a start (assumed: the vendor's page
// names none).
const (
	statusAfterCreate = "NEW"
	statusAfterUpload = "READY"
)

// documentedBatchFields are the Batch object's fields on the vendor's page
// (WIRE.md row 23).
var documentedBatchFields = []string{"id", "filename", "numColumns", "ownerName", "type", "batchArguments",
	"scheduledStart", "creationDate", "numItems", "numComplete", "status"}

// documentedCSVColumns are the result columns a CSV download must hold
// (CONTRACT.md's result record, flattened with dots); more are kept.
var documentedCSVColumns = []string{"error", "uuid", "request_parameters.telephone_number", "credits_spent",
	"detected_telephone_number", "formatted_telephone_number", "live_status", "original_network",
	"current_network", "is_ported", "timestamp", "telephone_number_type"}

// lookupRecordFields are the top-level fields of each lookup kind's record:
// HLR documented (L10: the batch record plus disposable_number), MNP and
// validate assumed (LOOKUPS.md).
var lookupRecordFields = map[string][]string{
	"hlr": {"error", "uuid", "request_parameters", "credits_spent", "detected_telephone_number",
		"formatted_telephone_number", "live_status", "original_network", "original_network_details",
		"current_network", "current_network_details", "is_ported", "timestamp", "telephone_number_type",
		"sms_email", "mms_email", "disposable_number"},
	"mnp": {"error", "uuid", "request_parameters", "credits_spent", "detected_telephone_number",
		"formatted_telephone_number", "telephone_number_type", "original_network", "original_network_details",
		"current_network", "current_network_details", "is_ported", "timestamp"},
	"validate": {"error", "uuid", "request_parameters", "credits_spent", "detected_telephone_number",
		"formatted_telephone_number", "telephone_number_type", "original_network", "original_network_details",
		"timestamp"},
}

// nestedRecordFields are the fields of a record's objects (one level down).
var nestedRecordFields = map[string][]string{
	"request_parameters": {"telephone_number", "cache_days_private", "cache_days_global", "save_to_cache",
		"input_format", "output_format", "get_ported_date", "get_landline_status", "usa_status"},
	"original_network_details": {"name", "mccmnc", "country_name", "country_iso3", "area", "country_prefix"},
	"current_network_details":  {"name", "mccmnc", "country_name", "country_iso3", "area", "country_prefix"},
}

// lookupKinds are the lookup steps' kinds, in the order they run.
var lookupKinds = []string{"hlr", "mnp", "validate"}

// assumptions is the doctor's table, in the order of WIRE.md's rows.
var assumptions = []assumption{
	{id: "LIST-PAGING", wire: "7, 22", batches: true, decide: checkListPaging,
		expect: "GET /batches/ honours offset and limit (limit=1 gives one batch, offset=1 the next) and answers {\"total\",\"offset\",\"limit\",\"batches\"}"},
	{id: "UPLOAD-BODY", wire: "12", batches: true, decide: checkUploadBody,
		expect: "numbers sent in the body of POST /batches/{id}/source, one per line, no header, as text/csv, are taken: numItems counts them"},
	{id: "JSON-SELECTOR", wire: "5, 18, 19", batches: true, decide: checkJSONSelector,
		expect: "the query format=json selects JSON results and its absence CSV, whatever the Accept header says"},
	{id: "DELETE", wire: "20", batches: true, decide: checkDelete,
		expect: "DELETE /batches/{id} deletes the batch: a GET of it afterwards answers 404 (or 410)"},
	{id: "BATCH-FIELDS", wire: "23, 25", batches: true, decide: checkBatchFields,
		expect: "a batch holds the documented fields (id, filename, numColumns, ownerName, type, batchArguments, scheduledStart, creationDate, numItems, numComplete, status); creationDate is RFC 3339"},
	{id: "BATCH-ID", wire: "24", batches: true, decide: checkBatchID,
		expect: "a batch id is a JSON string (\"232\"); the SDK also reads a number"},
	{id: "STATUSES", wire: "26", batches: true, decide: checkStatuses,
		expect: "a batch is NEW after create and READY after the upload (the fake's names: the page gives none), then PROCESSING until COMPLETE"},
	{id: "CSV-COLUMNS", wire: "30, 31", batches: true, decide: checkCSVColumns,
		expect: "CSV results have a header row with the result fields named as in the JSON record, flattened with dots, and one row per number; the SDK maps them by name"},
	{id: "JSON-ENVELOPE", wire: "32", batches: true, decide: checkJSONEnvelope,
		expect: "JSON results are a bare array of records (the SDK also reads {\"results\":[…]} and {\"body\":{\"results\":[…]}})"},
	{id: "ERROR-BODY", wire: "37", batches: true, decide: checkErrorBody,
		expect: "an error answer of the batches service is {\"error\":\"CODE\",\"message\":\"…\"}"},
	{id: "NOT-FOUND", wire: "38, 40", batches: true, decide: checkNotFound,
		expect: "a batch ID that does not exist is a 404, code NOT_FOUND"},
	{id: "DATA-LOADED", wire: "42", batches: true, decide: checkDataLoaded,
		expect: "a second upload to a batch that has data is refused with 409, code DATA_ALREADY_LOADED"},
	{id: "BALANCE", wire: "L3", batches: true, decide: checkBalance,
		expect: "POST /apiv2/balance answers {\"Status\":\"OK\",\"Credits\":1234.5}, the keys in any case, Credits a number or a numeric string"},
	{id: "LOOKUP-CREDENTIALS", wire: "L4", batches: true, decide: checkLookupCredentials,
		expect: "the instant lookups take the batches' API key and secret, as api_key and api_secret in the JSON body"},
	{id: "LOOKUP-ENVELOPE", wire: "L9", decide: checkLookupEnvelope,
		expect: "a lookup answers {\"results\":[…]} (as clients read it; the SDK also reads the documented {\"body\":{\"results\":[…]}})"},
	{id: "LOOKUP-RECORDS", wire: "L10", decide: checkLookupRecords,
		expect: "an HLR record holds the batch record's fields and disposable_number; an MNP record the number, its type, both networks, is_ported and timestamp, no live_status; a validate record the number, its type, the original network and timestamp"},
	{id: "BAD-FORMAT", wire: "30, L10", decide: checkBadFormat,
		expect: "a number that is not a phone number comes back as telephone_number_type BAD_FORMAT with credits_spent 0, in a batch and in every lookup"},
}

// evidence is what the checks decide from: the recorded exchanges by step,
// and why a step has none.
type evidence struct {
	steps   map[string][]*exchange // in the order sent
	missing map[string]string      // why a step has no answer: skipped, failed
	sandbox bool
}

// newEvidence groups exchanges by step.
func newEvidence(exchanges []*exchange, missing map[string]string, sandbox bool) *evidence {
	ev := &evidence{steps: map[string][]*exchange{}, missing: missing, sandbox: sandbox}
	for _, e := range exchanges {
		ev.steps[e.Step] = append(ev.steps[e.Step], e)
	}
	return ev
}

// last returns the last answered exchange of step, or nil.
func (ev *evidence) last(step string) *exchange {
	es := ev.steps[step]
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Status != 0 {
			return es[i]
		}
	}
	return nil
}

// why says why step has no answer.
func (ev *evidence) why(step string) string {
	if m := ev.missing[step]; m != "" {
		return m
	}
	if es := ev.steps[step]; len(es) > 0 && es[len(es)-1].Error != "" {
		return fmt.Sprintf("no answer to %s: %s", step, cell(es[len(es)-1].Error))
	}
	return step + " did not run"
}

// ok reports whether e is a 2xx answer.
func ok(e *exchange) bool { return e != nil && e.Status >= 200 && e.Status < 300 }

// request names e's request: "GET /batches/1001".
func request(e *exchange) string { return e.Method + " " + e.URL }

// maxQuote bounds how much of a body a detail quotes.
const maxQuote = 100

// quote returns server text for a detail: trimmed, cut to maxQuote bytes,
// in double quotes, every control character escaped.
func quote(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > maxQuote {
		cut := maxQuote
		for cut > 0 && !isRuneStartByte(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return `"` + cell(s) + `"`
}

func isRuneStartByte(b byte) bool { return b&0xC0 != 0x80 }

// answer describes an answer for a detail: its status and body.
func answer(e *exchange) string {
	return fmt.Sprintf("%d %s", e.Status, quote(e.ResponseBody.data))
}

// jsonObject decodes b as a JSON object, keeping its members raw.
func jsonObject(b []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// keyList lists m's keys, sorted, for a detail.
func keyList(m map[string]json.RawMessage) string {
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		keys[i] = cell(k)
	}
	return strings.Join(keys, ", ")
}

// missingKeys returns those of want that m lacks.
func missingKeys(m map[string]json.RawMessage, want []string) []string {
	var out []string
	for _, k := range want {
		if _, ok := m[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// jsonString returns raw as a string if it is a JSON string.
func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// looseNumber reads raw as a number, or a string that holds one.
func looseNumber(raw json.RawMessage) (float64, bool) {
	t := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	f, err := strconv.ParseFloat(t, 64)
	return f, err == nil
}

// bodyIsJSON reports whether a results body is JSON (an array or an
// object), not CSV.
func bodyIsJSON(b []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n")
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

// kindOf names a results body's format, with its Content-Type.
func kindOf(e *exchange) string {
	k := "CSV"
	if bodyIsJSON(e.ResponseBody.data) {
		k = "JSON"
	}
	if ct := e.ResponseHeader.Get("Content-Type"); ct != "" {
		k += " (" + cell(ct) + ")"
	}
	return k
}

// statusOf returns the status field of a batch answer.
func statusOf(e *exchange) string {
	if !ok(e) {
		return ""
	}
	m, _ := jsonObject(e.ResponseBody.data)
	s, _ := jsonString(m["status"])
	return s
}

// batchesOf returns the batches array of a list answer.
func batchesOf(m map[string]json.RawMessage) ([]map[string]json.RawMessage, bool) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(m["batches"], &list); err != nil {
		return nil, false
	}
	return list, true
}

// idText is a batch's id as text, whether a JSON string or a number.
func idText(b map[string]json.RawMessage) string {
	return strings.Trim(string(b["id"]), `"`)
}

// plural writes n and a noun, plural unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func checkListPaging(ev *evidence) (verdict, string) {
	first, second := ev.last("list-first"), ev.last("list-second")
	if first == nil {
		return notObserved, ev.why("list-first")
	}
	if !ok(first) {
		return contradicted, fmt.Sprintf("%s answered %s", request(first), answer(first))
	}
	if first.ResponseBody.truncated {
		// One batch is a few hundred bytes: the page holds many.
		return contradicted, fmt.Sprintf("%s answered more than the %d KiB recorded: limit=1 is not honoured", request(first), maxRecordedBody>>10)
	}
	m, isObj := jsonObject(first.ResponseBody.data)
	if !isObj {
		return contradicted, fmt.Sprintf("%s answered %s, not a JSON object", request(first), quote(first.ResponseBody.data))
	}
	var problems []string
	if miss := missingKeys(m, []string{"total", "offset", "limit", "batches"}); len(miss) > 0 {
		problems = append(problems, fmt.Sprintf("the envelope's keys are %s (no %s)", keyList(m), strings.Join(miss, ", ")))
	}
	page, _ := batchesOf(m)
	if len(page) > 1 {
		problems = append(problems, fmt.Sprintf("limit=1 gave %d batches", len(page)))
	}
	total, hasTotal := looseNumber(m["total"])
	if !hasTotal {
		total = float64(len(page))
	}
	if total >= 2 && len(page) > 0 && ok(second) {
		m2, _ := jsonObject(second.ResponseBody.data)
		page2, _ := batchesOf(m2)
		switch {
		case len(page2) == 0:
			problems = append(problems, fmt.Sprintf("offset=1 gave no batch of %v", total))
		case idText(page2[0]) == idText(page[0]):
			problems = append(problems, fmt.Sprintf("offset=1 gave the same batch as no offset (id %s)", cell(idText(page[0]))))
		}
	}
	if len(problems) > 0 {
		return contradicted, strings.Join(problems, "; ")
	}
	switch {
	case total < 2:
		return notObserved, fmt.Sprintf("the envelope is as expected, but the account holds %s: too few to show whether limit and offset are honoured", plural(int(total), "batch"))
	case second == nil:
		return notObserved, "limit=1 gave 1 batch; offset: " + ev.why("list-second")
	case !ok(second):
		return contradicted, fmt.Sprintf("%s answered %s", request(second), answer(second))
	}
	return confirmed, fmt.Sprintf("limit=1 gave 1 batch of %v, offset=1 the next; keys total, offset, limit, batches", total)
}

func checkUploadBody(ev *evidence) (verdict, string) {
	up := ev.last("upload")
	if up == nil {
		return notObserved, ev.why("upload")
	}
	if !ok(up) {
		return contradicted, fmt.Sprintf("the upload of %s was refused: %s", plural(len(doctorNumbers), "number"), answer(up))
	}
	loaded := ev.last("get-loaded")
	if !ok(loaded) {
		return notObserved, "the upload answered " + strconv.Itoa(up.Status) + "; the batch was not read back: " + ev.why("get-loaded")
	}
	m, _ := jsonObject(loaded.ResponseBody.data)
	n, isNum := looseNumber(m["numItems"])
	switch {
	case !isNum:
		return notObserved, "the batch read back has no numItems: " + quote(loaded.ResponseBody.data)
	case int(n) != len(doctorNumbers):
		return contradicted, fmt.Sprintf("numItems %v after %s, one per line", n, plural(len(doctorNumbers), "number"))
	}
	return confirmed, fmt.Sprintf("the upload answered %d; numItems %d", up.Status, len(doctorNumbers))
}

// resultsProbes are the four results downloads: step, what they ask for,
// and whether they must be JSON.
var resultsProbes = []struct {
	step, asked string
	json        bool
}{
	{"results-csv", "no selector with Accept: text/csv", false},
	{"results-csv-accept-json", "no selector with Accept: application/json", false},
	{"results-json", "format=json with Accept: application/json", true},
	{"results-json-accept-csv", "format=json with Accept: text/csv", true},
}

func checkJSONSelector(ev *evidence) (verdict, string) {
	var problems, unseen []string
	for _, p := range resultsProbes {
		e := ev.last(p.step)
		if !ok(e) {
			if e != nil {
				unseen = append(unseen, fmt.Sprintf("%s answered %s", p.asked, answer(e)))
			} else {
				unseen = append(unseen, ev.why(p.step))
			}
			continue
		}
		if bodyIsJSON(e.ResponseBody.data) != p.json {
			problems = append(problems, fmt.Sprintf("%s gave %s", p.asked, kindOf(e)))
		}
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case len(unseen) > 0:
		return notObserved, unseen[0]
	}
	return confirmed, "format=json gave JSON and no selector CSV, with Accept: text/csv and with Accept: application/json"
}

func checkDelete(ev *evidence) (verdict, string) {
	del := ev.last("delete")
	if del == nil {
		return notObserved, ev.why("delete")
	}
	if !ok(del) {
		return contradicted, fmt.Sprintf("%s answered %s", request(del), answer(del))
	}
	after := ev.last("get-deleted")
	switch {
	case after == nil:
		return notObserved, fmt.Sprintf("DELETE answered %d; the batch was not read again: %s", del.Status, ev.why("get-deleted"))
	case ok(after):
		return contradicted, fmt.Sprintf("DELETE answered %d, but the batch is still there: GET answered %d", del.Status, after.Status)
	case after.Status != 404 && after.Status != 410:
		// A 500 or a 401 says nothing of whether the batch is gone.
		return notObserved, fmt.Sprintf("DELETE answered %d; then GET answered %s, neither the batch nor its absence", del.Status, answer(after))
	}
	return confirmed, fmt.Sprintf("DELETE answered %d; then GET answered %d", del.Status, after.Status)
}

func checkBatchFields(ev *evidence) (verdict, string) {
	e := ev.last("get-created")
	if !ok(e) {
		if e != nil {
			return notObserved, fmt.Sprintf("%s answered %s", request(e), answer(e))
		}
		return notObserved, ev.why("get-created")
	}
	m, isObj := jsonObject(e.ResponseBody.data)
	if !isObj {
		return contradicted, "the batch is not a JSON object: " + quote(e.ResponseBody.data)
	}
	var problems []string
	if miss := missingKeys(m, documentedBatchFields); len(miss) > 0 {
		problems = append(problems, "no "+strings.Join(miss, ", "))
	}
	if raw, has := m["creationDate"]; has {
		s, _ := jsonString(raw)
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			problems = append(problems, "creationDate "+quote(raw)+" is not RFC 3339")
		}
	}
	if len(problems) > 0 {
		return contradicted, strings.Join(problems, "; ") + " (keys: " + keyList(m) + ")"
	}
	detail := "the 11 documented fields; creationDate in RFC 3339"
	if extra := len(m) - len(documentedBatchFields); extra > 0 {
		var others []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(documentedBatchFields, k) {
				others = append(others, cell(k))
			}
		}
		detail += "; also " + strings.Join(others, ", ")
	}
	return confirmed, detail
}

func checkBatchID(ev *evidence) (verdict, string) {
	e := ev.last("create")
	if !ok(e) {
		if e != nil {
			return notObserved, fmt.Sprintf("%s answered %s", request(e), answer(e))
		}
		return notObserved, ev.why("create")
	}
	m, _ := jsonObject(e.ResponseBody.data)
	raw := bytes.TrimSpace(m["id"])
	switch {
	case len(raw) == 0:
		return contradicted, "the created batch has no id: " + quote(e.ResponseBody.data)
	case raw[0] == '"':
		return confirmed, "id " + cell(string(raw)) + " is a JSON string"
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return contradicted, "id " + cell(string(raw)) + " is a JSON number"
	}
	return contradicted, "id " + quote(raw) + " is neither a string nor a number"
}

func checkStatuses(ev *evidence) (verdict, string) {
	created, loaded := statusOf(ev.last("get-created")), statusOf(ev.last("get-loaded"))
	var problems, seen []string
	if created != "" {
		seen = append(seen, cell(created)+" after create")
		if created != statusAfterCreate {
			problems = append(problems, fmt.Sprintf("%s after create, not %s", quote([]byte(created)), statusAfterCreate))
		}
	}
	if loaded != "" {
		seen = append(seen, cell(loaded)+" after the upload")
		if loaded != statusAfterUpload {
			problems = append(problems, fmt.Sprintf("%s after the upload, not %s", quote([]byte(loaded)), statusAfterUpload))
		}
	}
	var running []string
	for _, e := range ev.steps["wait"] {
		if s := statusOf(e); s != "" && !slices.Contains(running, s) {
			running = append(running, s)
		}
	}
	for _, s := range running {
		switch hlrlookup.BatchStatus(s) {
		case hlrlookup.StatusProcessing, hlrlookup.StatusPaused, hlrlookup.StatusComplete:
		default:
			problems = append(problems, fmt.Sprintf("%s after the start (not PROCESSING, PAUSED or COMPLETE)", quote([]byte(s))))
		}
	}
	if len(running) > 0 {
		for i, s := range running {
			running[i] = cell(s)
		}
		seen = append(seen, "then "+strings.Join(running, ", "))
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case created == "" || loaded == "":
		if created == "" {
			return notObserved, ev.why("get-created")
		}
		return notObserved, ev.why("get-loaded")
	case len(running) == 0:
		return confirmed, strings.Join(seen, ", ") + "; not seen running: " + ev.why("wait")
	}
	return confirmed, strings.Join(seen, ", ")
}

// resultsBody returns a results probe's body if it answered 200 in the
// format it asked for, else why not.
func resultsBody(ev *evidence, step string, wantJSON bool) ([]byte, string) {
	e := ev.last(step)
	switch {
	case e == nil:
		return nil, ev.why(step)
	case e.Status != 200:
		return nil, fmt.Sprintf("%s answered %s", request(e), answer(e))
	case e.ResponseBody.truncated:
		return nil, fmt.Sprintf("the results are larger than the %d KiB recorded", maxRecordedBody>>10)
	case bodyIsJSON(e.ResponseBody.data) != wantJSON:
		return nil, fmt.Sprintf("%s gave %s: see JSON-SELECTOR", request(e), kindOf(e))
	}
	return e.ResponseBody.data, ""
}

func checkCSVColumns(ev *evidence) (verdict, string) {
	body, why := resultsBody(ev, "results-csv", false)
	if why != "" {
		return notObserved, why
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) == 0 {
		return contradicted, "the CSV does not parse: " + quote(body)
	}
	header := rows[0]
	var lower []string
	for _, h := range header {
		lower = append(lower, strings.ToLower(strings.TrimSpace(h)))
	}
	var problems []string
	var missing []string
	for _, c := range documentedCSVColumns {
		if !slices.Contains(lower, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "the header lacks "+strings.Join(missing, ", "))
	}
	if n := len(rows) - 1; n != len(doctorNumbers) {
		problems = append(problems, fmt.Sprintf("%s for %s", plural(n, "row"), plural(len(doctorNumbers), "number")))
	}
	got := map[string]bool{}
	for r, err := range hlrlookup.ReadResults(bytes.NewReader(body)) {
		if err != nil {
			problems = append(problems, "the SDK cannot read it: "+cell(err.Error()))
			break
		}
		got[r.TelephoneNumber] = true
	}
	var lost []string
	for _, n := range doctorNumbers {
		if !got[n] {
			lost = append(lost, n)
		}
	}
	if len(lost) > 0 && len(got) > 0 {
		problems = append(problems, "the SDK finds no telephone_number "+strings.Join(lost, ", "))
	}
	if len(problems) > 0 {
		return contradicted, strings.Join(problems, "; ") + "; header: " + quote([]byte(strings.Join(header, ",")))
	}
	var own []string
	for _, h := range lower {
		if !isResultColumn(h) {
			own = append(own, cell(h))
		}
	}
	detail := fmt.Sprintf("%s, %s", plural(len(rows)-1, "row"), plural(len(header), "column"))
	if len(own) > 0 {
		detail += " (not result fields: " + strings.Join(own, ", ") + ")"
	}
	return confirmed, detail + "; the SDK reads every number"
}

// isResultColumn reports whether a CSV column is one of the result record's
// fields (documented, or a nested part of one).
func isResultColumn(h string) bool {
	if slices.Contains(documentedCSVColumns, h) {
		return true
	}
	for _, prefix := range []string{"request_parameters.", "original_network_details.", "current_network_details."} {
		if strings.HasPrefix(h, prefix) {
			return true
		}
	}
	return slices.Contains([]string{"sms_email", "mms_email", "disposable_number", "usa_status", "ported_date"}, h)
}

// envelopeOf names the envelope of a JSON results body: "array",
// "results", "body", or "other: KEYS"; and returns the records.
func envelopeOf(b []byte) (string, []map[string]json.RawMessage) {
	var records []map[string]json.RawMessage
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) > 0 && t[0] == '[' {
		if json.Unmarshal(t, &records) == nil {
			return "array", records
		}
		return "other: an array that is not of records", nil
	}
	m, isObj := jsonObject(b)
	if !isObj {
		return "other: not JSON", nil
	}
	if raw, has := m["results"]; has && json.Unmarshal(raw, &records) == nil {
		return "results", records
	}
	if inner, has := jsonObject(m["body"]); has {
		if raw, has := inner["results"]; has && json.Unmarshal(raw, &records) == nil {
			return "body", records
		}
	}
	return "other: an object with keys " + keyList(m), nil
}

// envelopeText writes an envelope name as JSON.
func envelopeText(env string) string {
	switch env {
	case "array":
		return "a bare array"
	case "results":
		return `{"results":[…]}`
	case "body":
		return `{"body":{"results":[…]}}`
	}
	return strings.TrimPrefix(env, "other: ")
}

func checkJSONEnvelope(ev *evidence) (verdict, string) {
	body, why := resultsBody(ev, "results-json", true)
	if why != "" {
		return notObserved, why
	}
	env, records := envelopeOf(body)
	sdk := "the SDK reads it"
	n := 0
	for _, err := range hlrlookup.ReadResults(bytes.NewReader(body)) {
		if err != nil {
			sdk = "the SDK cannot read it: " + cell(err.Error())
			break
		}
		n++
	}
	switch env {
	case "array":
		if n != len(records) {
			return contradicted, fmt.Sprintf("a bare array of %s, but %s", plural(len(records), "record"), sdk)
		}
		return confirmed, fmt.Sprintf("a bare array of %s; %s", plural(len(records), "record"), sdk)
	case "results", "body":
		return contradicted, fmt.Sprintf("%s of %s, not a bare array (%s)", envelopeText(env), plural(len(records), "record"), sdk)
	}
	return contradicted, envelopeText(env) + ": " + quote(body) + " (" + sdk + ")"
}

// errorProbes are the steps whose answer is expected to be an error.
var errorProbes = []string{"not-found", "upload-again", "get-deleted"}

func checkErrorBody(ev *evidence) (verdict, string) {
	var problems, good, seen []string
	for _, step := range errorProbes {
		e := ev.last(step)
		if e == nil || ok(e) || slices.Contains(seen, strconv.Itoa(e.Status)) {
			continue // one answer of each status is enough
		}
		seen = append(seen, strconv.Itoa(e.Status))
		m, isObj := jsonObject(e.ResponseBody.data)
		code, hasCode := jsonString(m["error"])
		_, hasMsg := jsonString(m["message"])
		if !isObj || !hasCode || !hasMsg || code == "" {
			ct := e.ResponseHeader.Get("Content-Type")
			problems = append(problems, fmt.Sprintf("%d: %s (Content-Type %s)", e.Status, quote(e.ResponseBody.data), quote([]byte(ct))))
			continue
		}
		good = append(good, strconv.Itoa(e.Status))
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case len(good) == 0:
		return notObserved, "no error answer was seen: " + ev.why("not-found")
	}
	return confirmed, `{"error":…,"message":…} on ` + strings.Join(good, ", ")
}

// errorCode returns the error code of an error answer, if its body has one.
func errorCode(e *exchange) (string, bool) {
	m, _ := jsonObject(e.ResponseBody.data)
	code, has := jsonString(m["error"])
	return code, has && code != ""
}

func checkNotFound(ev *evidence) (verdict, string) {
	e := ev.last("not-found")
	if e == nil {
		return notObserved, ev.why("not-found")
	}
	if e.Status != 404 {
		return contradicted, fmt.Sprintf("%s answered %s", request(e), answer(e))
	}
	code, has := errorCode(e)
	switch {
	case !has:
		return confirmed, "404; the body has no error code (see ERROR-BODY)"
	case code != "NOT_FOUND":
		return contradicted, "404 with code " + quote([]byte(code))
	}
	return confirmed, "404, NOT_FOUND"
}

func checkDataLoaded(ev *evidence) (verdict, string) {
	e := ev.last("upload-again")
	if e == nil {
		return notObserved, ev.why("upload-again")
	}
	code, has := errorCode(e)
	if ok(e) {
		what := "taken"
		if has {
			what = "refused inside a success"
		}
		return contradicted, fmt.Sprintf("the second upload was %s: %s", what, answer(e))
	}
	switch {
	case e.Status != 409:
		return contradicted, "the second upload was refused with " + answer(e)
	case !has:
		return confirmed, "409; the body has no error code (see ERROR-BODY)"
	case code != "DATA_ALREADY_LOADED":
		return contradicted, "409 with code " + quote([]byte(code))
	}
	return confirmed, "409, DATA_ALREADY_LOADED"
}

func checkBalance(ev *evidence) (verdict, string) {
	e := ev.last("balance")
	if e == nil {
		return notObserved, ev.why("balance")
	}
	if !ok(e) {
		return contradicted, fmt.Sprintf("%s answered %s", request(e), answer(e))
	}
	m, isObj := jsonObject(e.ResponseBody.data)
	if !isObj {
		return contradicted, "the answer is not a JSON object: " + quote(e.ResponseBody.data)
	}
	// Row L3: the keys in any case, Credits a number or a numeric string.
	var statusKey, creditsKey string
	for k := range m {
		switch {
		case strings.EqualFold(k, "Status"):
			statusKey = k
		case strings.EqualFold(k, "Credits"):
			creditsKey = k
		}
	}
	if statusKey == "" || creditsKey == "" {
		return contradicted, "the keys are " + keyList(m)
	}
	var problems, notes []string
	if s, _ := jsonString(m[statusKey]); !strings.EqualFold(s, "OK") {
		problems = append(problems, cell(statusKey)+" is "+quote(m[statusKey]))
	}
	if statusKey != "Status" || creditsKey != "Credits" {
		notes = append(notes, "keys "+cell(statusKey)+", "+cell(creditsKey))
	}
	raw := bytes.TrimSpace(m[creditsKey])
	if _, isNum := looseNumber(raw); !isNum {
		problems = append(problems, cell(creditsKey)+" is not a number: "+quote(raw))
	} else if len(raw) > 0 && raw[0] == '"' {
		notes = append(notes, "the amount a numeric string")
	}
	if len(problems) > 0 {
		return contradicted, strings.Join(problems, "; ")
	}
	detail := `{"Status":"OK","Credits":<number>}`
	if len(notes) > 0 {
		detail += " (within the row: " + strings.Join(notes, ", ") + ")"
	}
	if len(m) > 2 {
		detail += "; keys " + keyList(m)
	}
	return confirmed, detail
}

// lookupError returns the code of a lookup's error object ({"error":
// "UNAUTHORIZED","message":…}, which the service may send with a 200), if
// the answer is one rather than results.
func lookupError(e *exchange) (string, bool) {
	if e == nil {
		return "", false
	}
	m, _ := jsonObject(e.ResponseBody.data)
	if _, has := m["results"]; has {
		return "", false
	}
	if _, has := m["body"]; has {
		return "", false
	}
	code, has := jsonString(m["error"])
	return code, has && code != "" && code != "NONE"
}

func checkLookupCredentials(ev *evidence) (verdict, string) {
	e := ev.last("lookup-hlr")
	code, isError := lookupError(e)
	switch {
	case e == nil:
		return notObserved, ev.why("lookup-hlr")
	case e.Status == 401 || isError && code == "UNAUTHORIZED":
		return contradicted, "the lookup refused the batches' key and secret: " + answer(e)
	case !ok(e) || isError:
		return notObserved, fmt.Sprintf("%s answered %s", request(e), answer(e))
	}
	return confirmed, fmt.Sprintf("POST /apiv2/hlr with the batches' key and secret in the body answered %d", e.Status)
}

func checkLookupEnvelope(ev *evidence) (verdict, string) {
	byEnvelope := map[string][]string{} // envelope: kinds
	var order []string
	var why string
	for _, kind := range lookupKinds {
		e := ev.last("lookup-" + kind)
		if _, isError := lookupError(e); !ok(e) || isError {
			switch {
			case e != nil:
				why = fmt.Sprintf("%s answered %s", request(e), answer(e))
			case why == "":
				why = ev.why("lookup-" + kind)
			}
			continue
		}
		env, _ := envelopeOf(e.ResponseBody.data)
		if byEnvelope[env] == nil {
			order = append(order, env)
		}
		byEnvelope[env] = append(byEnvelope[env], kind)
	}
	var problems []string
	for _, env := range order {
		if env != "results" {
			problems = append(problems, envelopeText(env)+" from "+strings.Join(byEnvelope[env], ", "))
		}
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case len(order) == 0:
		return notObserved, why
	}
	detail := `{"results":[…]} from ` + strings.Join(byEnvelope["results"], ", ")
	if why != "" {
		detail += "; " + why
	}
	return confirmed, detail
}

// fieldDiff returns the fields of want that m lacks and those of m that want
// does not name, each behind prefix.
func fieldDiff(m map[string]json.RawMessage, want []string, prefix string) (missing, extra []string) {
	for _, k := range want {
		if _, has := m[k]; !has {
			missing = append(missing, prefix+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(want, k) {
			extra = append(extra, cell(prefix+k))
		}
	}
	return missing, extra
}

// lookupRecord returns the first record of a lookup kind's answer, or why
// there is none.
func lookupRecord(ev *evidence, kind string) (map[string]json.RawMessage, string) {
	e := ev.last("lookup-" + kind)
	switch {
	case e == nil:
		return nil, ev.why("lookup-" + kind)
	case !ok(e):
		return nil, fmt.Sprintf("%s answered %s", request(e), answer(e))
	}
	_, records := envelopeOf(e.ResponseBody.data)
	if len(records) == 0 {
		return nil, kind + ": no record in " + quote(e.ResponseBody.data)
	}
	return records[0], ""
}

func checkLookupRecords(ev *evidence) (verdict, string) {
	var problems, good []string
	var why string
	for _, kind := range lookupKinds {
		rec, w := lookupRecord(ev, kind)
		if rec == nil {
			why = w
			continue
		}
		if code, _ := jsonString(rec["error"]); code != "" && code != "NONE" {
			why = fmt.Sprintf("%s: the record is an error, %s", kind, quote([]byte(code)))
			continue
		}
		want := lookupRecordFields[kind]
		miss, extra := fieldDiff(rec, want, "")
		for _, k := range want {
			inner, isObj := jsonObject(rec[k])
			if nested, has := nestedRecordFields[k]; has && isObj {
				m, x := fieldDiff(inner, nested, k+".")
				miss, extra = append(miss, m...), append(extra, x...)
			}
		}
		var p []string
		if len(miss) > 0 {
			p = append(p, "no "+strings.Join(miss, ", "))
		}
		if len(extra) > 0 {
			p = append(p, "also "+strings.Join(extra, ", "))
		}
		if len(p) > 0 {
			problems = append(problems, kind+": "+strings.Join(p, "; "))
			continue
		}
		good = append(good, fmt.Sprintf("%s %d", kind, len(want)))
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case len(good) == 0:
		return notObserved, why
	}
	detail := "fields as expected: " + strings.Join(good, ", ")
	if why != "" {
		detail += "; " + why
	}
	return confirmed, detail
}

func checkBadFormat(ev *evidence) (verdict, string) {
	if ev.sandbox {
		return notObserved, "the sandbox answers canned records, not the number's own"
	}
	var problems, good, unseen []string
	// judge decides one result; typ or spent "" when the result lacks the
	// field, which shows nothing.
	judge := func(where, typ, spent string) bool {
		switch {
		case typ == "":
			unseen = append(unseen, where+": the record has no telephone_number_type")
		case spent == "":
			unseen = append(unseen, where+": the record has no credits_spent")
		case typ != "BAD_FORMAT" || spent != "0":
			problems = append(problems, fmt.Sprintf("%s: type %s, %s credits", where, quote([]byte(typ)), cell(spent)))
		default:
			return true
		}
		return false
	}
	if body, _ := resultsBody(ev, "results-csv", false); body != nil {
		header, _ := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).Read()
		hasCredits := slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "credits_spent") })
		n := 0
		for r, err := range hlrlookup.ReadResults(bytes.NewReader(body)) {
			if err != nil {
				break
			}
			spent := ""
			if hasCredits {
				spent = credits(r.CreditsSpent)
			}
			if judge(cell(r.TelephoneNumber)+" in the batch", string(r.TelephoneNumberType), spent) {
				n++
			}
		}
		if n > 0 {
			good = append(good, plural(n, "number")+" in the batch")
		}
	}
	for _, kind := range lookupKinds {
		rec, _ := lookupRecord(ev, kind)
		if rec == nil {
			continue
		}
		typ, _ := jsonString(rec["telephone_number_type"])
		spent := ""
		if raw, has := rec["credits_spent"]; has {
			if f, isNum := looseNumber(raw); isNum {
				spent = credits(f)
			} else {
				spent = string(raw)
			}
		}
		if judge(doctorLookupNumber+" by "+kind, typ, spent) {
			good = append(good, kind)
		}
	}
	switch {
	case len(problems) > 0:
		return contradicted, strings.Join(problems, "; ")
	case len(good) == 0 && len(unseen) > 0:
		return notObserved, strings.Join(unseen, "; ")
	case len(good) == 0:
		return notObserved, "no result was seen: " + ev.why("results-csv")
	}
	detail := "BAD_FORMAT, 0 credits: " + strings.Join(good, ", ")
	if len(unseen) > 0 {
		detail += "; " + strings.Join(unseen, "; ")
	}
	return confirmed, detail
}
