package hlrlookup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file is the instant lookups' wire form: the request body (credentials
// and per-number options) and the decoding of the answers, which reuses the
// results' one JSON decoding path (decodeJSONResults, recordDecoder).

// lookupKeyTelephone is the key of a number in a request item (documented;
// WIRE.md row L5); the other body keys are lookupBody's tags (row L4).
const lookupKeyTelephone = "telephone_number"

// lookupBody is the JSON body of every lookup request and of the balance.
// It holds the secret: it is never logged, and it appears in no error (the
// encoding of strings cannot fail).
type lookupBody struct {
	APIKey    string       `json:"api_key"`
	APISecret string       `json:"api_secret"`
	Requests  []lookupItem `json:"requests,omitempty"`
}

// lookupItem is one number of a request with its options:
// {"telephone_number":…, "cache_days_private":1, …}.
type lookupItem struct {
	number string
	args   lookupArgs
}

// MarshalJSON writes the number first, then the options in key order.
func (it lookupItem) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	num, err := json.Marshal(it.number)
	if err != nil {
		return nil, err
	}
	b.WriteString(`{"` + lookupKeyTelephone + `":`)
	b.Write(num)
	for _, a := range it.args {
		k, _ := json.Marshal(a.key)
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(a.raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// lookupArgs are the per-number options as sent, sorted by key: the
// encoding of a BatchArguments (ints as numbers, booleans as "YES"/"NO",
// only what is set), made once per call.
type lookupArgs []lookupArg

type lookupArg struct {
	key string
	raw json.RawMessage
}

// encodeLookupArgs encodes a (validated) BatchArguments for every number of a
// lookup.
func encodeLookupArgs(op string, a *BatchArguments) (lookupArgs, error) {
	if a == nil {
		return nil, nil
	}
	if _, ok := a.Extra[lookupKeyTelephone]; ok {
		return nil, inputError(op, "Arguments.Extra key", lookupKeyTelephone, "is the number itself; pass the numbers as the numbers argument")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, inputError(op, "Arguments", err.Error(), "must be encodable as JSON")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("hlrlookup: %s: encoding the options: %w", op, err)
	}
	out := make(lookupArgs, 0, len(m))
	for k, v := range m {
		out = append(out, lookupArg{key: k, raw: v})
	}
	slices.SortFunc(out, func(x, y lookupArg) int { return strings.Compare(x.key, y.key) })
	return out, nil
}

// get returns the raw value of key.
func (a lookupArgs) get(key string) (json.RawMessage, bool) {
	for _, x := range a {
		if x.key == key {
			return x.raw, true
		}
	}
	return nil, false
}

// with returns a copy of a with key set to raw.
func (a lookupArgs) with(key string, raw json.RawMessage) lookupArgs {
	out := make(lookupArgs, 0, len(a)+1)
	for _, x := range a {
		if x.key != key {
			out = append(out, x)
		}
	}
	out = append(out, lookupArg{key: key, raw: raw})
	slices.SortFunc(out, func(x, y lookupArg) int { return strings.Compare(x.key, y.key) })
	return out
}

// decodeLookupResponse reads a lookup's 2xx answer: {"results":[…]} or
// {"body":{"results":[…]}} (a bare array is accepted too), each record
// decoded by the results' decoder into a *Result, with the secret redacted
// wherever the answer echoes it. A 200 whose body is
// {"error":…,"message":…} is an *APIError.
func (c *Client) decodeLookupResponse(op, path string, resp *http.Response) ([]*Result, error) {
	data, err := c.lookupBodyBytes(op, resp)
	if err != nil {
		return nil, err
	}
	out, derr := decodeLookupResults(data)
	if derr == nil {
		// The request carried the secret: an answer that echoes it (a
		// result's request_parameters, any field) must not hand it back.
		for _, r := range out {
			redactResult(r, c.secret)
		}
		return out, nil
	}
	if ae := c.errorIn200(op, path, resp, data); ae != nil {
		return nil, ae
	}
	return nil, c.unexpectedLookupAnswer(op, path, resp, data, derr)
}

// decodeLookupResults decodes the results of a lookup answer's body with
// the results' one JSON decoding path (decodeJSONResults).
func decodeLookupResults(data []byte) ([]*Result, error) {
	var out []*Result
	for r, err := range decodeJSONResults(bytes.NewReader(data)) {
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// lookupBodyBytes returns the body send buffered (bufferBody).
func (c *Client) lookupBodyBytes(op string, resp *http.Response) ([]byte, error) {
	if bb, ok := resp.Body.(*bufferedBody); ok {
		if len(bb.data) > maxMetadataBytes {
			return nil, fmt.Errorf("hlrlookup: %s: %w: the response is larger than %d MiB", op, ErrUnexpectedResponse, maxMetadataBytes>>20)
		}
		return bb.data, nil
	}
	return nil, fmt.Errorf("hlrlookup: %s: %w: the response was not read", op, ErrUnexpectedResponse)
}

// errorIn200 returns an *APIError for a 2xx answer whose body is an error
// object ({"error":"UNAUTHORIZED","message":…}), or nil.
func (c *Client) errorIn200(op, path string, resp *http.Response, data []byte) *APIError {
	var probe struct {
		Error   json.RawMessage `json:"error"`
		Results json.RawMessage `json:"results"`
		Body    json.RawMessage `json:"body"`
	}
	if json.Unmarshal(data, &probe) != nil || probe.Error == nil || probe.Results != nil || probe.Body != nil {
		return nil
	}
	code, msg := parseErrorBody(data, "application/json")
	body := scrubBytes(data, c.secret)
	if len(body) > maxErrorBodyBytes {
		body = body[:maxErrorBodyBytes]
	}
	return &APIError{StatusCode: resp.StatusCode, Code: shorten(scrubString(code, c.secret)), Message: escapeControl(scrubString(msg, c.secret)),
		Method: http.MethodPost, Path: path, Attempts: 1, Body: body, Op: op, lookup: true}
}

func (c *Client) unexpectedLookupAnswer(op, path string, resp *http.Response, data []byte, err error) error {
	return fmt.Errorf("%s: %w: %s (Content-Type %q, %d bytes): %s",
		escapeControl(fmt.Sprintf("hlrlookup: %s: POST %s", op, path)),
		ErrUnexpectedResponse, describeBody(data), escapeControl(scrubString(resp.Header.Get("Content-Type"), c.secret)), len(data),
		escapeControl(scrubString(err.Error(), c.secret)))
}

// matchLookupResults puts the answer's results in the order of numbers. The
// service answers in request order (documented): when every result's
// request_parameters.telephone_number is the number at its position, or
// absent, results are taken by position; otherwise they are matched by that
// number (a repeated number takes the next result for it). A number without
// a result gets nil, and results for no number are dropped.
func matchLookupResults(numbers []string, got []*Result) []*Result {
	out := make([]*Result, len(numbers))
	positional := len(got) == len(numbers)
	for i := 0; positional && i < len(got); i++ {
		positional = got[i] != nil && (got[i].TelephoneNumber == "" || got[i].TelephoneNumber == numbers[i])
	}
	if positional {
		copy(out, got)
		return out
	}
	byNumber := map[string][]*Result{}
	for _, r := range got {
		if r != nil && r.TelephoneNumber != "" {
			byNumber[r.TelephoneNumber] = append(byNumber[r.TelephoneNumber], r)
		}
	}
	for i, n := range numbers {
		if q := byNumber[n]; len(q) > 0 {
			out[i], byNumber[n] = q[0], q[1:]
		}
	}
	return out
}

// decodeBalance reads {"Status":"OK","Credits":1234.5} (keys matched in any
// case; Credits a number or a numeric string).
func (c *Client) decodeBalance(op, path string, resp *http.Response) (float64, error) {
	data, err := c.lookupBodyBytes(op, resp)
	if err != nil {
		return 0, err
	}
	var v struct {
		Status  string          `json:"status"`
		Credits json.RawMessage `json:"credits"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, c.unexpectedLookupAnswer(op, path, resp, data, err)
	}
	if ae := c.errorIn200(op, path, resp, data); ae != nil && v.Credits == nil {
		return 0, ae
	}
	if v.Status != "" && !strings.EqualFold(v.Status, "OK") {
		return 0, c.unexpectedLookupAnswer(op, path, resp, data, fmt.Errorf("status %s", quoteShort(v.Status)))
	}
	s := strings.Trim(string(bytes.TrimSpace(v.Credits)), `"`)
	credits, err := parseResultFloat(s)
	if err != nil || s == "" || s == "null" {
		return 0, c.unexpectedLookupAnswer(op, path, resp, data, fmt.Errorf("no number in Credits (%s)", quoteShort(string(v.Credits))))
	}
	return credits, nil
}

// redactResult replaces the secret, in any spelling the redaction rule
// knows, in every string of r (fields, nested records, Extra's keys and
// values; TestRedactResultCoversEveryField keeps the list whole). The rule's
// regular expression runs only on a string that holds the secret as it is
// or a character that starts another spelling of it (%, &, a backslash; +
// for a space), so that an ordinary answer costs a substring search per
// field.
func redactResult(r *Result, secret string) {
	if r == nil || secret == "" {
		return
	}
	plus := strings.ContainsRune(secret, ' ')
	always := !utf8.ValidString(secret)
	scrub := func(s string) string {
		if s != "" && (always || strings.Contains(s, secret) || strings.ContainsAny(s, `%&\`) || plus && strings.Contains(s, "+")) {
			return scrubString(s, secret)
		}
		return s
	}
	for _, p := range []*string{&r.TelephoneNumber, &r.DetectedTelephoneNumber, &r.FormattedTelephoneNumber,
		(*string)(&r.LiveStatus), (*string)(&r.TelephoneNumberType), &r.IsPorted, &r.Error, &r.UUID,
		&r.SMSEmail, &r.MMSEmail, &r.USAStatus, &r.DisposableNumber,
		&r.RequestParameters.TelephoneNumber, &r.RequestParameters.SaveToCache, &r.RequestParameters.InputFormat,
		&r.RequestParameters.OutputFormat, &r.RequestParameters.GetPortedDate, &r.RequestParameters.GetLandlineStatus,
		&r.RequestParameters.USAStatus} {
		*p = scrub(*p)
	}
	for _, n := range []*Network{&r.OriginalNetwork, &r.CurrentNetwork} {
		for _, p := range []*string{&n.Status, &n.Name, &n.MCCMNC, &n.CountryName, &n.CountryISO3, &n.Area, &n.CountryPrefix} {
			*p = scrub(*p)
		}
	}
	for k, v := range r.Extra {
		if ck, cv := scrub(k), scrub(v); ck != k || cv != v {
			delete(r.Extra, k)
			r.Extra[ck] = cv
		}
	}
}
