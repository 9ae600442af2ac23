package hlrlookuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// The lookup endpoints of LOOKUPS.md, under lookupPrefix.
const (
	lookupPrefix = "/apiv2"
	kindHLR      = "hlr"
	kindMNP      = "mnp"
	kindValidate = "validate"
	kindBalance  = "balance"
)

// maxLookupNumbers is the most items one lookup request may hold.
const maxLookupNumbers = 80

// lookupItem is one valid item of a lookup request's "requests".
type lookupItem struct {
	number string
	args   argValues
}

// serveLookup serves a path under /apiv2/: kind is "hlr", "mnp", "validate"
// or "balance", or "" for a path the API does not have (404, empty body).
// Checks run in this order: path, method, Content-Type, JSON, credentials,
// parameters. No error message holds a secret.
func (s *Server) serveLookup(w http.ResponseWriter, r *http.Request, kind string) {
	if kind == "" {
		drain(r.Body)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		drain(r.Body)
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, codeBadRequest,
			"wrong request type "+r.Method+" for "+lookupPrefix+"/"+kind+"; use POST")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		drain(r.Body)
		writeError(w, http.StatusBadRequest, codeBadRequest, "the request must be JSON: send Content-Type application/json")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONRequestBody+1))
	if err != nil || len(data) > maxJSONRequestBody {
		drain(r.Body)
		writeError(w, http.StatusBadRequest, codeBadRequest, "cannot read the request body, or it is too large")
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "the request body must be a JSON object")
		return
	}
	var key, secret string
	if json.Unmarshal(obj["api_key"], &key) != nil || json.Unmarshal(obj["api_secret"], &secret) != nil ||
		key == "" || secret == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "missing parameter: api_key and api_secret must be non-empty strings")
		return
	}
	// fail sends a 400 whose message never holds a secret, the account's
	// or the one this request sent.
	fail := func(msg string) {
		msg = strings.ReplaceAll(s.redactSecrets(msg), secret, redacted)
		writeError(w, http.StatusBadRequest, codeBadRequest, msg)
	}
	acct := s.account(key, secret)
	if acct == nil {
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "Invalid api_key or api_secret")
		return
	}
	allowed := []string{"api_key", "api_secret", "requests"}
	if kind == kindBalance {
		allowed = allowed[:2]
	}
	if k, bad := unknownKey(obj, allowed...); bad {
		fail(fmt.Sprintf("unrecognised parameter %q", k))
		return
	}
	if kind == kindBalance {
		s.mu.Lock()
		credits := s.balances[acct.key]
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, balanceBody(s.cfg.balanceAnswer, credits))
		return
	}
	items, msg := parseLookupItems(obj["requests"])
	if msg != "" {
		fail(msg)
		return
	}
	if s.cfg.lookupDelay != nil {
		numbers := make([]string, len(items))
		for i, it := range items {
			numbers[i] = it.number
		}
		if d := s.cfg.lookupDelay(numbers); d > 0 && !s.wait(r.Context(), d) {
			panic(http.ErrAbortHandler) // the client left: nothing applied, no answer
		}
	}
	now := s.lockAndTick()
	records := make([]any, len(items))
	for i, it := range items {
		records[i] = s.lookupNumberLocked(acct, kind, it, now)
	}
	s.mu.Unlock()
	if edits := s.cfg.lookupEdits[hlrlookup.LookupKind(kind)]; len(edits) > 0 {
		for i, rec := range records {
			records[i] = editRecord(rec, edits)
		}
	}
	var out any = struct {
		Results []any `json:"results"`
	}{records}
	if s.cfg.lookupEnvelope == EnvelopeBody {
		out = struct {
			Body any `json:"body"`
		}{out}
	}
	// The Date comes from the clock the timestamps come from, as the
	// service's do: the SDK compares them to tell a cached answer.
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	writeJSON(w, http.StatusOK, out)
}

// balanceBody is the answer of /balance with credits, in the shape a says.
func balanceBody(a BalanceAnswer, credits float64) any {
	type statusCredits struct {
		Status  string
		Credits float64
	}
	switch a {
	case BalanceAnswerLowerCase:
		return struct {
			Status  string `json:"status"`
			Credits string `json:"credits"`
		}{"OK", strconv.FormatFloat(credits, 'f', -1, 64)}
	case BalanceAnswerBody:
		return struct {
			Body statusCredits `json:"body"`
		}{statusCredits{"OK", credits}}
	case BalanceAnswerBalance:
		return struct {
			Balance string `json:"balance"`
		}{strconv.FormatFloat(credits, 'f', 2, 64)}
	}
	return statusCredits{"OK", credits}
}

// account finds the account with key and secret, or nil.
func (s *Server) account(key, secret string) *account {
	for i := range s.cfg.accounts {
		if a := &s.cfg.accounts[i]; a.key == key && a.secret == secret {
			return a
		}
	}
	return nil
}

// parseLookupItems validates a request's "requests": 1 to 80 objects, each
// with a string telephone_number and the options of a batch's
// batchArguments, nothing else. It returns the items, or a message naming
// the first bad item and key (never a value).
func parseLookupItems(raw json.RawMessage) ([]lookupItem, string) {
	var list []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &list) != nil || list == nil {
		return nil, "missing parameter: requests must be an array of 1 to 80 objects"
	}
	switch {
	case len(list) == 0:
		return nil, "requests is empty: send 1 to 80 telephone numbers"
	case len(list) > maxLookupNumbers:
		return nil, fmt.Sprintf("too many telephone numbers: %d, at most %d per request", len(list), maxLookupNumbers)
	}
	items := make([]lookupItem, len(list))
	for i, rawItem := range list {
		var obj map[string]json.RawMessage
		if json.Unmarshal(rawItem, &obj) != nil || obj == nil {
			return nil, fmt.Sprintf("requests[%d] must be a JSON object", i)
		}
		it := lookupItem{args: defaultArgs()}
		if json.Unmarshal(obj["telephone_number"], &it.number) != nil {
			return nil, fmt.Sprintf("missing parameter: requests[%d].telephone_number must be a string", i)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == "telephone_number" {
				continue
			}
			known, msg := setArg(&it.args, k, obj[k])
			if !known {
				return nil, fmt.Sprintf("unrecognised parameter %q in requests[%d]", k, i)
			}
			if msg != "" {
				return nil, fmt.Sprintf("requests[%d].%s", i, msg)
			}
		}
		items[i] = it
	}
	return items, ""
}

// lookupNumberLocked looks up one number for acct at now: from the private cache
// when cache_days_private allows (free, with the cached lookup's
// timestamp), else fresh and charged, or INSUFFICIENT_CREDIT when the
// balance is short. It returns the record in the shape of kind.
func (s *Server) lookupNumberLocked(acct *account, kind string, it lookupItem, now time.Time) any {
	rec := makeRecord(it.number, it.args, now)
	cost := rec.CreditsSpent
	switch {
	case rec.DetectedTelephoneNumber == "":
		cost = 0 // BAD_FORMAT is free
	case kind == kindMNP:
		cost = mnpCredits
	case kind == kindValidate:
		cost = validateCredits
	}
	ck := cacheKey{acct.key, kind, rec.DetectedTelephoneNumber}
	at, hit := s.cache[ck]
	days := it.args.CacheDaysPrivate
	hit = hit && rec.DetectedTelephoneNumber != "" && days >= 1 &&
		!now.After(at.Add(time.Duration(days)*24*time.Hour))
	switch {
	case hit:
		rec = makeRecord(it.number, it.args, at)
		cost = 0
	case !s.chargeLocked(acct, it.number, cost):
		return lookupErrorRecord{Error: "INSUFFICIENT_CREDIT", RequestParameters: rec.RequestParameters}
	case rec.DetectedTelephoneNumber != "" && it.args.SaveToCache == "YES":
		s.cache[ck] = now
	}
	rec.CreditsSpent = cost
	return shapeRecord(kind, rec)
}

// lookupErrorRecord is a per-number error result (INSUFFICIENT_CREDIT):
// the error, the request's parameters, 0 credits.
type lookupErrorRecord struct {
	Error             string            `json:"error"`
	RequestParameters requestParameters `json:"request_parameters"`
	CreditsSpent      float64           `json:"credits_spent"`
}

// hlrRecord is an HLR lookup's result: a batch's record plus
// disposable_number.
type hlrRecord struct {
	resultRecord
	DisposableNumber string `json:"disposable_number"`
}

// numberRecord is what every MNP and validation record holds: the number,
// its type and its original network.
type numberRecord struct {
	Error                    string            `json:"error"`
	UUID                     string            `json:"uuid"`
	RequestParameters        requestParameters `json:"request_parameters"`
	CreditsSpent             float64           `json:"credits_spent"`
	DetectedTelephoneNumber  string            `json:"detected_telephone_number"`
	FormattedTelephoneNumber string            `json:"formatted_telephone_number"`
	TelephoneNumberType      string            `json:"telephone_number_type"`
	OriginalNetwork          string            `json:"original_network"`
	OriginalNetworkDetails   networkDetails    `json:"original_network_details"`
}

// mnpRecord is an MNP lookup's result: what portability needs, no live
// status.
type mnpRecord struct {
	numberRecord
	CurrentNetwork        string         `json:"current_network"`
	CurrentNetworkDetails networkDetails `json:"current_network_details"`
	IsPorted              string         `json:"is_ported"`
	Timestamp             string         `json:"timestamp"`
}

// validateRecord is a validation's result: no live status, no current
// network, no porting.
type validateRecord struct {
	numberRecord
	Timestamp string `json:"timestamp"`
}

// shapeRecord cuts a generated record to what kind answers.
func shapeRecord(kind string, r resultRecord) any {
	num := numberRecord{r.Error, r.UUID, r.RequestParameters, r.CreditsSpent,
		r.DetectedTelephoneNumber, r.FormattedTelephoneNumber, r.TelephoneNumberType,
		r.OriginalNetwork, r.OriginalNetworkDetails}
	switch kind {
	case kindMNP:
		return mnpRecord{num, r.CurrentNetwork, r.CurrentNetworkDetails, r.IsPorted, r.Timestamp}
	case kindValidate:
		return validateRecord{num, r.Timestamp}
	}
	return hlrRecord{r, disposableOf(r)}
}

// disposableOf is disposable_number, a function of the number: UNKNOWN for
// a bad format, YES for half the VOIP numbers, else NO.
func disposableOf(r resultRecord) string {
	if r.DetectedTelephoneNumber == "" {
		return "UNKNOWN"
	}
	h := fnv.New32a()
	h.Write([]byte(r.DetectedTelephoneNumber))
	if r.TelephoneNumberType == "VOIP" && h.Sum32()%2 == 0 {
		return "YES"
	}
	return "NO"
}

// sampleLookupRecord is a record kind answers for a well-formed number, as
// json.Unmarshal into a map gives it; false for an unknown kind.
func sampleLookupRecord(kind string) (map[string]any, bool) {
	switch kind {
	case kindHLR, kindMNP, kindValidate:
	default:
		return nil, false
	}
	b, err := json.Marshal(shapeRecord(kind, makeRecord("447700900123", defaultArgs(), time.Time{})))
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m, true
}

// fieldEdit is one change WithoutLookupFields or WithLookupFieldRenamed
// makes to a lookup record.
type fieldEdit struct {
	path    []string // a key, or a key and a key in its object
	newName string   // "": drop the field
}

// editRecord returns rec's JSON with edits applied in order, its other
// fields in their order.
func editRecord(rec any, edits []fieldEdit) json.RawMessage {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	for _, e := range edits {
		b = editObject(b, e.path, e.newName)
	}
	return b
}

// editObject drops (newName "") or renames the field at path of the JSON
// object obj; a path that is not there leaves obj as it is.
func editObject(obj []byte, path []string, newName string) []byte {
	members := objectMembers(obj)
	i := slices.IndexFunc(members, func(m member) bool { return m.key == path[0] })
	switch {
	case i < 0:
		return obj
	case len(path) > 1:
		if !bytes.HasPrefix(members[i].value, []byte("{")) {
			return obj
		}
		members[i].value = editObject(members[i].value, path[1:], newName)
	case newName == "":
		members = slices.Delete(members, i, i+1)
	default:
		members[i].key = newName
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for j, m := range members {
		if j > 0 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return out.Bytes()
}

// member is one key and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits the JSON object obj (made by json.Marshal) into its
// members, in order.
func objectMembers(obj []byte) []member {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		panic(err)
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			panic(err)
		}
		var m member
		m.key, _ = tok.(string)
		if err := dec.Decode(&m.value); err != nil {
			panic(err)
		}
		members = append(members, m)
	}
	return members
}
