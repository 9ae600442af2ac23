package hlrlookuptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// sdkAccept is the Accept header the SDK sends on every request (WIRE.md
// row 5).
const sdkAccept = "application/json, text/csv;q=0.9, */*;q=0.5"

// withHeaders is c.do with request headers (name, value pairs; a header
// given twice is sent as two lines).
func (c *tc) withHeaders(method, pathQuery string, headers ...string) resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url(pathQuery), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	r, err := roundTrip(c.hc, req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	return r
}

// completeBatch creates, loads and starts (Instant) a batch of numbers.
func (c *tc) completeBatch(numbers ...string) string {
	c.t.Helper()
	id := c.create("")
	c.upload(id, strings.Join(numbers, "\n")+"\n")
	if b := c.put(id, `{"status":"PROCESSING"}`); b.Status != StatusComplete {
		c.t.Fatalf("Instant start answered %s", b.Status)
	}
	return id
}

// TestJSONByAccept checks that WithJSONByAccept picks the results' format
// by the Accept header's q-values, whatever the query says, and that
// without it the query decides and Accept does not matter.
func TestJSONByAccept(t *testing.T) {
	t.Parallel()
	const csvType, jsonType = "text/csv; charset=utf-8", "application/json"
	tests := []struct {
		name   string
		byAcc  bool
		query  string
		accept []string // one entry per header line; nil: no Accept
		want   string   // the Content-Type
	}{
		{"SDK's CSV download", true, "", []string{sdkAccept}, jsonType},
		{"SDK's JSON download", true, "?format=json", []string{sdkAccept}, jsonType},
		{"format=json without Accept", true, "?format=json", nil, csvType},
		{"format=json, Accept prefers CSV", true, "?format=json", []string{"text/csv, application/json;q=0.9"}, csvType},
		{"format=csv, Accept prefers JSON", true, "?format=csv", []string{"application/json"}, jsonType},
		{"unknown format ignored", true, "?format=xml", []string{"application/json"}, jsonType},
		{"no Accept", true, "", nil, csvType},
		{"*/*", true, "", []string{"*/*"}, csvType},
		{"tie", true, "", []string{"application/json;q=0.5, text/csv;q=0.5"}, csvType},
		{"JSON only", true, "", []string{"application/json"}, jsonType},
		{"CSV only", true, "", []string{"text/csv"}, csvType},
		{"neither named", true, "", []string{"image/png"}, csvType},
		{"JSON refused", true, "", []string{"application/json;q=0, */*"}, csvType},
		{"application/* over */*", true, "", []string{"application/*;q=0.8, */*;q=0.1"}, jsonType},
		{"specific beats wildcard", true, "", []string{"application/*, application/json;q=0.2, text/csv;q=0.3"}, csvType},
		{"upper case, spaces", true, "", []string{"Application/JSON ; q=1 ,  TEXT/CSV;Q=0.2"}, jsonType},
		{"bad q ignored", true, "", []string{"application/json;q=2, text/csv;q=0.1"}, csvType},
		{"bad range ignored", true, "", []string{"application/json;;;=, text/csv;q=0.1"}, csvType},
		{"two header lines", true, "", []string{"text/csv;q=0.4", "application/json;q=0.6"}, jsonType},
		{"default: query decides", false, "", []string{"application/json"}, csvType},
		{"default: SDK's CSV download", false, "", []string{sdkAccept}, csvType},
		{"default: SDK's JSON download", false, "?format=json", []string{sdkAccept}, jsonType},
	}
	for _, env := range []Envelope{EnvelopeArray, EnvelopeResults, EnvelopeBody} {
		// One fixed clock for both servers: their results' timestamps come
		// from it, and a slow machine must not let the two differ.
		now := time.Date(2026, 5, 4, 10, 56, 3, 0, time.UTC)
		opts := []ServerOption{WithJSONEnvelope(env), WithClock(func() time.Time { return now })}
		byAcc := newTC(t, append(opts, WithJSONByAccept())...)
		byQuery := newTC(t, opts...)
		ids := map[*tc]string{
			byAcc:   byAcc.completeBatch("447700900123", "12"),
			byQuery: byQuery.completeBatch("447700900123", "12"),
		}
		// The JSON each server sends for format=json is the reference.
		wantJSON := byQuery.must(http.StatusOK, "GET", "/batches/"+ids[byQuery]+"/results?format=json", "", "").body
		wantCSV := byQuery.must(http.StatusOK, "GET", "/batches/"+ids[byQuery]+"/results", "", "").body
		for _, tt := range tests {
			c := byQuery
			if tt.byAcc {
				c = byAcc
			}
			var headers []string
			for _, a := range tt.accept {
				headers = append(headers, "Accept", a)
			}
			r := c.withHeaders("GET", "/batches/"+ids[c]+"/results"+tt.query, headers...)
			want := wantCSV
			if tt.want == jsonType {
				want = wantJSON
			}
			if r.status != http.StatusOK || r.header.Get("Content-Type") != tt.want || !bytes.Equal(r.body, want) {
				t.Errorf("%v %s: %d %q %.40q, want %q %.40q", env, tt.name, r.status, r.header.Get("Content-Type"), r.body, tt.want, want)
			}
		}
	}

	// The point of the switch: the SDK's plain CSV download gets JSON.
	srv := NewServer(WithJSONByAccept(), WithJSONEnvelope(EnvelopeResults))
	t.Cleanup(srv.Close)
	c := &tc{t: t, srv: srv, hc: &http.Client{Transport: srv.Transport()}, key: APIKey, secret: Secret}
	id := c.completeBatch("447700900123")
	rc, err := srv.Client().Download(t.Context(), hlrlookup.BatchID(id), hlrlookup.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || !bytes.HasPrefix(b, []byte(`{"results":[{`)) {
		t.Errorf("SDK's CSV download: %v %.40q, want JSON", err, b)
	}
}

// TestPreStartStatuses checks that WithPreStartStatuses renames the
// statuses before the start everywhere they show (the batch's answers, the
// list, error messages, Batch) and changes nothing else.
func TestPreStartStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		opts              []ServerOption
		empty, loaded     string
		startAnswerStatus string
	}{
		{"default", nil, StatusNew, StatusReady, StatusComplete},
		{"both", []ServerOption{WithPreStartStatuses("CREATED", "WAITING")}, "CREATED", "WAITING", StatusComplete},
		{"empty only", []ServerOption{WithPreStartStatuses("", "UPLOADED")}, StatusNew, "UPLOADED", StatusComplete},
		{"loaded only", []ServerOption{WithPreStartStatuses("DRAFT", "")}, "DRAFT", StatusReady, StatusComplete},
		{"names the SDK knows", []ServerOption{WithPreStartStatuses(StatusPaused, StatusPaused), WithProcessing(PerPoll(1))},
			StatusPaused, StatusPaused, StatusProcessing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTC(t, tt.opts...)
			id := c.create("")
			if b := c.get(id); b.Status != tt.empty {
				t.Errorf("created: status %q, want %q", b.Status, tt.empty)
			}
			// A start or a pause without data is refused, naming the status.
			for _, body := range []string{`{"status":"PROCESSING"}`, `{"status":"PAUSED"}`} {
				r := c.must(http.StatusBadRequest, "PUT", "/batches/"+id+"/", "application/json", body)
				if !strings.Contains(string(r.body), "is "+tt.empty+":") {
					t.Errorf("%s without data: %s", body, r.body)
				}
			}
			if b := c.upload(id, "447700900123\n447700900124\n"); b.Status != tt.loaded {
				t.Errorf("upload answered status %q, want %q", b.Status, tt.loaded)
			}
			if b := c.get(id); b.Status != tt.loaded {
				t.Errorf("loaded: status %q, want %q", b.Status, tt.loaded)
			}
			var list struct{ Batches []wireBatch }
			if r := c.must(http.StatusOK, "GET", "/batches/", "", ""); json.Unmarshal(r.body, &list) != nil ||
				len(list.Batches) != 1 || list.Batches[0].Status != tt.loaded {
				t.Errorf("list: %s", r.body)
			}
			if st, _ := c.srv.Batch(id); st.Status != tt.loaded {
				t.Errorf("Batch: status %q, want %q", st.Status, tt.loaded)
			}
			// Still not started: a pause is refused, results are not ready.
			if r := c.must(http.StatusBadRequest, "PUT", "/batches/"+id+"/", "application/json", `{"status":"PAUSED"}`); !strings.Contains(string(r.body), "is "+tt.loaded+":") {
				t.Errorf("pause before start: %s", r.body)
			}
			if r := c.must(http.StatusBadRequest, "GET", "/batches/"+id+"/results", "", ""); !strings.Contains(string(r.body), "is "+tt.loaded) {
				t.Errorf("results before start: %s", r.body)
			}
			if b := c.put(id, `{"status":"PROCESSING"}`); b.Status != tt.startAnswerStatus {
				t.Errorf("start answered %q, want %q", b.Status, tt.startAnswerStatus)
			}
			// A scheduled batch is SCHEDULED, whatever the names before.
			id2 := c.create("")
			c.upload(id2, "447700900125\n")
			if b := c.put(id2, `{"scheduledStart":"2099-01-01T00:00:00Z"}`); b.Status != StatusScheduled {
				t.Errorf("schedule answered %q", b.Status)
			}
		})
	}
}

// TestListPaging checks WithListPaging(ListByPage): page and per_page are
// honoured, offset and limit ignored, and the envelope carries page and
// per_page instead of offset and limit; ListByOffset is the default.
func TestListPaging(t *testing.T) {
	t.Parallel()
	ids := func(from, to int) []string {
		var out []string
		for n := from; n < to; n++ {
			out = append(out, strconv.Itoa(n))
		}
		return out
	}
	tests := []struct {
		paging ListPaging
		query  string
		status int
		want   map[string]any // the envelope's keys but batches
		ids    []string
	}{
		{ListByOffset, "?offset=3&limit=2", 200, map[string]any{"total": 25.0, "offset": 3.0, "limit": 2.0}, ids(1004, 1006)},
		{ListByOffset, "?page=2&per_page=5", 200, map[string]any{"total": 25.0, "offset": 0.0, "limit": 10.0}, ids(1001, 1011)},
		{ListByPage, "", 200, map[string]any{"total": 25.0, "page": 1.0, "per_page": 10.0}, ids(1001, 1011)},
		{ListByPage, "?page=2&per_page=5", 200, map[string]any{"total": 25.0, "page": 2.0, "per_page": 5.0}, ids(1006, 1011)},
		{ListByPage, "?page=3", 200, map[string]any{"total": 25.0, "page": 3.0, "per_page": 10.0}, ids(1021, 1026)},
		{ListByPage, "?page=4", 200, map[string]any{"total": 25.0, "page": 4.0, "per_page": 10.0}, nil},
		{ListByPage, "?page=9223372036854775807&per_page=100", 200, map[string]any{"total": 25.0, "page": 9223372036854775807.0, "per_page": 100.0}, nil},
		{ListByPage, "?page=0&per_page=0", 200, map[string]any{"total": 25.0, "page": 1.0, "per_page": 10.0}, ids(1001, 1011)},
		{ListByPage, "?per_page=500", 200, map[string]any{"total": 25.0, "page": 1.0, "per_page": 100.0}, ids(1001, 1026)},
		{ListByPage, "?offset=3&limit=2", 200, map[string]any{"total": 25.0, "page": 1.0, "per_page": 10.0}, ids(1001, 1011)},
		{ListByPage, "?offset=3&limit=2&page=2&per_page=2", 200, map[string]any{"total": 25.0, "page": 2.0, "per_page": 2.0}, ids(1003, 1005)},
		{ListByPage, "?offset=-1&limit=x", 200, map[string]any{"total": 25.0, "page": 1.0, "per_page": 10.0}, ids(1001, 1011)},
		{ListByPage, "?page=-1", 400, nil, nil},
		{ListByPage, "?per_page=two", 400, nil, nil},
	}
	servers := map[ListPaging]*tc{}
	for _, p := range []ListPaging{ListByOffset, ListByPage} {
		opts := []ServerOption{WithListPaging(p)}
		if p == ListByOffset {
			opts = nil // the default
		}
		c := newTC(t, opts...)
		for range 25 {
			c.create("")
		}
		servers[p] = c
	}
	for _, tt := range tests {
		r := servers[tt.paging].do("GET", "/batches/"+tt.query, "", "")
		if r.status != tt.status {
			t.Errorf("%d %s: status %d: %s", tt.paging, tt.query, r.status, r.body)
			continue
		}
		if tt.status != http.StatusOK {
			if !strings.Contains(string(r.body), "page") {
				t.Errorf("%d %s: %s does not name the parameter", tt.paging, tt.query, r.body)
			}
			continue
		}
		var env map[string]any
		var list struct{ Batches []wireBatch }
		if err := json.Unmarshal(r.body, &env); err != nil || json.Unmarshal(r.body, &list) != nil {
			t.Fatalf("%s: %v", r.body, err)
		}
		if _, ok := env["batches"].([]any); !ok {
			t.Errorf("%d %s: no batches array: %s", tt.paging, tt.query, r.body)
		}
		delete(env, "batches")
		var got []string
		for _, b := range list.Batches {
			got = append(got, b.ID.(string))
		}
		if !reflect.DeepEqual(env, tt.want) || !slices.Equal(got, tt.ids) {
			t.Errorf("%d %s: envelope %v ids %v, want %v %v", tt.paging, tt.query, env, got, tt.want, tt.ids)
		}
	}
}

// errorExchange is one request of TestErrorBodies.
type errorExchange struct {
	name                string
	as                  string // "" the default account, "none" no credentials
	method, path, ctype string
	body                string
	fault               *Fault // injected just before the request
	lookup              bool   // a lookup endpoint: the documented body in every style
}

// runErrorExchanges sends every exchange to a new server made with opts,
// holding batches in the states the exchanges need, and returns the
// answers in order.
func runErrorExchanges(t *testing.T, exchanges []errorExchange, opts ...ServerOption) []resp {
	t.Helper()
	c := newTC(t, append(opts, WithAccount("other-key", "other-secret"))...)
	fresh := c.create("")
	ready := c.create("")
	c.upload(ready, "447700900123\n")
	theirs := c.as("other-key", "other-secret").create("")
	sub := strings.NewReplacer("{new}", fresh, "{ready}", ready, "{theirs}", theirs)
	var out []resp
	for _, ex := range exchanges {
		if ex.fault != nil {
			c.srv.InjectFault(*ex.fault)
		}
		var r resp
		if ex.lookup {
			status := http.StatusUnauthorized
			if ex.fault != nil {
				status = ex.fault.Status
			}
			r = c.lookup(status, ex.path, ex.body)
		} else {
			cl := c
			if ex.as == "none" {
				cl = c.as("", "")
			}
			r = cl.do(ex.method, sub.Replace(ex.path), ex.ctype, ex.body)
		}
		out = append(out, r)
	}
	return out
}

// TestErrorBodies checks that WithErrorBodies reshapes every error answer
// of the batches endpoints, injected faults' JSON bodies included, keeping
// the status, the code and the message of the default answer, and leaves
// the lookup endpoints' errors and the faults' non-JSON bodies alone.
func TestErrorBodies(t *testing.T) {
	t.Parallel()
	const js, csv = "application/json", "text/csv"
	lookupBadCreds := `{"api_key":"` + APIKey + `","api_secret":"nope","requests":[{"telephone_number":"1"}]}`
	exchanges := []errorExchange{
		{name: "401", as: "none", method: "GET", path: "/batches/"},
		{name: "403", method: "GET", path: "/batches/{theirs}"},
		{name: "404 batch", method: "GET", path: "/batches/9999"},
		{name: "404 path", method: "GET", path: "/nowhere"},
		{name: "405", method: "PATCH", path: "/batches/", ctype: js, body: `{}`},
		{name: "415", method: "POST", path: "/batches/", ctype: "text/plain", body: `{"type":"HLR_V2"}`},
		{name: "400 INVALID_JSON", method: "POST", path: "/batches/", ctype: js, body: `{"filename":`},
		{name: "400 INVALID_BATCH_ARGUMENTS", method: "POST", path: "/batches/", ctype: js, body: `{"type":"HLR_V2","batchArguments":{"usa_status":"MAYBE"}}`},
		{name: "400 list", method: "GET", path: "/batches/?limit=ten"},
		{name: "400 start without data", method: "PUT", path: "/batches/{new}/", ctype: js, body: `{"status":"PROCESSING"}`},
		{name: "400 upload", method: "POST", path: "/batches/{new}/source?column=x", ctype: csv, body: "447700900123\n"},
		{name: "400 results", method: "GET", path: "/batches/{ready}/results"},
		{name: "409", method: "POST", path: "/batches/{ready}/source", ctype: csv, body: "447700900124\n"},
		{name: "fault 429", method: "GET", path: "/batches/", fault: &Fault{Path: "/batches/", Status: 429, RetryAfter: "7"}},
		{name: "fault 403", method: "GET", path: "/batches/{new}", fault: &Fault{Path: "/batches/{id}", Status: 403}},
		{name: "fault 500", method: "GET", path: "/batches/", fault: &Fault{Path: "/batches/", Status: 500}},
		{name: "fault 503", method: "GET", path: "/batches/", fault: &Fault{Path: "/batches/", Status: 503}},
		{name: "lookup 401", path: "/apiv2/hlr", body: lookupBadCreds, lookup: true},
		{name: "lookup fault 429", path: "/apiv2/mnp", body: lookupBadCreds, lookup: true, fault: &Fault{Path: "/apiv2/mnp", Status: 429}},
	}
	want := runErrorExchanges(t, exchanges)
	defaultJSON := func(i int) (code, msg string, ok bool) {
		var e struct{ Error, Message string }
		if want[i].header.Get("Content-Type") != js || json.Unmarshal(want[i].body, &e) != nil {
			return "", "", false
		}
		return e.Error, e.Message, e.Error != "" && e.Message != ""
	}
	for _, style := range []ErrorBodyStyle{ErrorBodyCode, ErrorBodyMessage, ErrorBodyText, ErrorBodyStatusCode} {
		got := runErrorExchanges(t, exchanges, WithErrorBodies(style))
		for i, ex := range exchanges {
			g, w := got[i], want[i]
			if g.status != w.status || g.header.Get("Allow") != w.header.Get("Allow") ||
				g.header.Get("Retry-After") != w.header.Get("Retry-After") {
				t.Errorf("style %d, %s: status %d %v, want %d %v", style, ex.name, g.status, g.header, w.status, w.header)
			}
			code, msg, isJSONError := defaultJSON(i)
			if g.status < 400 {
				t.Fatalf("%s is not an error: %d", ex.name, g.status)
			}
			var wantType, wantBody string
			switch {
			case ex.lookup || !isJSONError || style == ErrorBodyCode:
				wantType, wantBody = w.header.Get("Content-Type"), string(w.body)
			case style == ErrorBodyMessage:
				b, _ := json.Marshal(map[string]any{"message": msg})
				wantType, wantBody = js, string(b)+"\n"
			case style == ErrorBodyText:
				wantType, wantBody = "text/plain; charset=utf-8", msg+"\n"
			case style == ErrorBodyStatusCode:
				var v map[string]any
				if err := json.Unmarshal(g.body, &v); err != nil || !reflect.DeepEqual(v, map[string]any{
					"status": "error", "code": float64(w.status), "error_code": code, "message": msg,
				}) || !bytes.HasPrefix(g.body, []byte(`{"status":"error","code":`)) {
					t.Errorf("style %d, %s: body %s (code %s, message %q)", style, ex.name, g.body, code, msg)
				}
				wantType, wantBody = js, string(g.body)
			}
			if g.header.Get("Content-Type") != wantType || string(g.body) != wantBody ||
				g.header.Get("Content-Length") != strconv.Itoa(len(g.body)) && len(g.body) > 0 {
				t.Errorf("style %d, %s: %q %q (Content-Length %s), want %q %q", style, ex.name,
					g.header.Get("Content-Type"), g.body, g.header.Get("Content-Length"), wantType, wantBody)
			}
		}
	}
	// The non-JSON fault bodies and the lookups are the cases left alone.
	for i, ex := range exchanges {
		if _, _, ok := defaultJSON(i); !ok != (ex.name == "fault 500" || ex.name == "fault 503") && !ex.lookup {
			t.Errorf("%s: default body %q", ex.name, want[i].body)
		}
	}
}

// TestDataAlreadyLoadedStatus checks that WithDataAlreadyLoadedStatus sets
// the status of both refusals of a second upload: the one before the body
// is read, and the one of an upload that finishes after another while its
// body was being read. The body, the stored numbers and the counts are
// those of the default.
func TestDataAlreadyLoadedStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []ServerOption
		status int
		text   bool // the body is plain text (WithErrorBodies(ErrorBodyText))
	}{
		{"default", nil, http.StatusConflict, false},
		{"400", []ServerOption{WithDataAlreadyLoadedStatus(400)}, 400, false},
		{"422", []ServerOption{WithDataAlreadyLoadedStatus(422)}, 422, false},
		{"409 explicit", []ServerOption{WithDataAlreadyLoadedStatus(409)}, 409, false},
		{"200", []ServerOption{WithDataAlreadyLoadedStatus(200)}, 200, false},
		{"500, text", []ServerOption{WithDataAlreadyLoadedStatus(500), WithErrorBodies(ErrorBodyText)}, 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := NewServer(append(tt.opts, WithoutNetwork())...)
			t.Cleanup(srv.Close)
			c := &tc{t: t, srv: srv, hc: &http.Client{Transport: srv.Transport()}, key: APIKey, secret: Secret}
			check := func(what string, r resp) {
				t.Helper()
				ok := r.status == tt.status
				if tt.text {
					ok = ok && strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") && strings.Contains(string(r.body), "already has data")
				} else {
					ok = ok && r.errCode() == codeDataAlreadyLoaded
				}
				if !ok {
					t.Errorf("%s: %d %q %s, want %d", what, r.status, r.header.Get("Content-Type"), r.body, tt.status)
				}
			}

			// A second upload after the first.
			id := c.create("")
			c.upload(id, "447700900123\n")
			check("second upload", c.do("POST", "/batches/"+id+"/source", "text/csv", "447700900124\n"))

			// An upload whose body is still being read when another one
			// is stored: it is refused once read.
			id2 := c.create("")
			pr, pw := io.Pipe()
			req, err := http.NewRequest("POST", c.url("/batches/"+id2+"/source"), pr)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/csv")
			slow := make(chan resp, 1)
			go func() {
				r, err := roundTrip(c.hc, req)
				if err != nil {
					t.Error(err)
				}
				slow <- r
			}()
			// The handler reads the body only after the batch checks: once
			// this write returns, the slow upload has passed them.
			if _, err := pw.Write([]byte("447700900125\n")); err != nil {
				t.Fatal(err)
			}
			c.upload(id2, "447700900126\n")
			pw.Close()
			check("upload finished second", <-slow)

			for _, b := range []struct{ id, number string }{{id, "447700900123"}, {id2, "447700900126"}} {
				st, _ := srv.Batch(b.id)
				if st.Status != StatusReady || st.Uploads != 1 || st.UploadAttempts != 2 || !slices.Equal(srv.Numbers(b.id), []string{b.number}) {
					t.Errorf("batch %s: %+v, numbers %v", b.id, st, srv.Numbers(b.id))
				}
			}
		})
	}
}

// TestVariantOptionsPanic checks that the variant options refuse values
// they do not know, when called.
func TestVariantOptionsPanic(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"WithListPaging(2)":                func() { WithListPaging(ListPaging(2)) },
		"WithListPaging(-1)":               func() { WithListPaging(ListPaging(-1)) },
		"WithErrorBodies(4)":               func() { WithErrorBodies(ErrorBodyStyle(4)) },
		"WithErrorBodies(-1)":              func() { WithErrorBodies(ErrorBodyStyle(-1)) },
		"WithDataAlreadyLoadedStatus(0)":   func() { WithDataAlreadyLoadedStatus(0) },
		"WithDataAlreadyLoadedStatus(204)": func() { WithDataAlreadyLoadedStatus(204) },
		"WithDataAlreadyLoadedStatus(302)": func() { WithDataAlreadyLoadedStatus(302) },
		"WithDataAlreadyLoadedStatus(600)": func() { WithDataAlreadyLoadedStatus(600) },
		"WithBalanceAnswer(4)":             func() { WithBalanceAnswer(BalanceAnswer(4)) },
		"WithBalanceAnswer(-1)":            func() { WithBalanceAnswer(BalanceAnswer(-1)) },
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "hlrlookuptest: ") {
					t.Errorf("%s: panic %q", name, r)
				}
			}()
			f()
		}()
	}
}

// TestBalanceAnswer checks each body WithBalanceAnswer sets, that the SDK
// reads the default and the lower-case one alike (row L3 allows both), and
// that the balance's errors keep their body.
func TestBalanceAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answer  BalanceAnswer
		want    string
		sdkRead bool
	}{
		{BalanceAnswerCredits, `{"Status":"OK","Credits":1234.5}`, true},
		{BalanceAnswerLowerCase, `{"status":"OK","credits":"1234.5"}`, true},
		{BalanceAnswerBody, `{"body":{"Status":"OK","Credits":1234.5}}`, false},
		{BalanceAnswerBalance, `{"balance":"1234.50"}`, false},
	}
	creds := `{"api_key":"` + APIKey + `","api_secret":"` + Secret + `"}`
	for _, tt := range tests {
		c := newTC(t, WithBalance(1234.5), WithBalanceAnswer(tt.answer))
		r := c.lookup(http.StatusOK, "/apiv2/balance", creds)
		if string(r.body) != tt.want+"\n" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%d: %q %s, want %s", tt.answer, r.header.Get("Content-Type"), r.body, tt.want)
		}
		r = c.lookup(http.StatusUnauthorized, "/apiv2/balance", `{"api_key":"`+APIKey+`","api_secret":"nope"}`)
		if r.errCode() != codeUnauthorized {
			t.Errorf("%d: 401 body %s", tt.answer, r.body)
		}
		if tt.sdkRead {
			if got, err := c.srv.Client().Balance(t.Context()); got != 1234.5 || err != nil {
				t.Errorf("%d: the SDK read %v, %v", tt.answer, got, err)
			}
		}
	}
	c := newTC(t, WithBalance(0.25), WithBalanceAnswer(BalanceAnswerBalance))
	if r := c.lookup(http.StatusOK, "/apiv2/balance", creds); string(r.body) != `{"balance":"0.25"}`+"\n" {
		t.Errorf("0.25 credits: %s", r.body)
	}
}

// orderedKeys returns the keys of the JSON object obj in order, those of
// nested objects as "parent.child" right after their parent.
func orderedKeys(t *testing.T, obj json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		if bytes.HasPrefix(v, []byte("{")) {
			for _, k := range orderedKeys(t, v) {
				keys = append(keys, tok.(string)+"."+k)
			}
		}
	}
	return keys
}

// flatValues returns the values of the JSON object obj by key, nested ones
// as "parent.child" (the parent itself is left out).
func flatValues(t *testing.T, obj json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(obj, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			for k2, v2 := range sub {
				out[k+"."+k2] = v2
			}
			continue
		}
		out[k] = v
	}
	return out
}

// TestLookupFields checks that WithoutLookupFields and
// WithLookupFieldRenamed change exactly the fields they name, in the
// records of the kind they name, leaving every other field, its value and
// its place, and the other kinds' records, as the default server sends
// them.
func TestLookupFields(t *testing.T) {
	t.Parallel()
	type edit struct{ kind, field, newName string } // newName "": dropped
	tests := []struct {
		name    string
		opts    []ServerOption
		edits   []edit // what the options do, in order
		balance float64
	}{
		{"MNP without is_ported", []ServerOption{WithoutLookupFields(hlrlookup.LookupMNP, "is_ported")},
			[]edit{{"mnp", "is_ported", ""}}, DefaultBalance},
		{"HLR without two, one nested", []ServerOption{WithoutLookupFields("hlr", "disposable_number", "current_network_details.mccmnc")},
			[]edit{{"hlr", "disposable_number", ""}, {"hlr", "current_network_details.mccmnc", ""}}, DefaultBalance},
		{"validate renamed", []ServerOption{WithLookupFieldRenamed(hlrlookup.LookupValidate, "telephone_number_type", "number_type")},
			[]edit{{"validate", "telephone_number_type", "number_type"}}, DefaultBalance},
		{"MNP nested renamed, HLR dropped", []ServerOption{
			WithLookupFieldRenamed("mnp", "original_network_details.mccmnc", "mcc_mnc"),
			WithoutLookupFields("hlr", "live_status"),
		}, []edit{{"mnp", "original_network_details.mccmnc", "mcc_mnc"}, {"hlr", "live_status", ""}}, DefaultBalance},
		{"dropped, then renamed: nothing to rename", []ServerOption{
			WithoutLookupFields("mnp", "uuid"), WithLookupFieldRenamed("mnp", "uuid", "id"),
		}, []edit{{"mnp", "uuid", ""}}, DefaultBalance},
		{"renamed twice", []ServerOption{
			WithLookupFieldRenamed("hlr", "is_ported", "ported"), WithLookupFieldRenamed("hlr", "timestamp", "time"),
		}, []edit{{"hlr", "is_ported", "ported"}, {"hlr", "timestamp", "time"}}, DefaultBalance},
		{"INSUFFICIENT_CREDIT records", []ServerOption{WithoutLookupFields("hlr", "request_parameters.telephone_number", "uuid")},
			[]edit{{"hlr", "request_parameters.telephone_number", ""}, {"hlr", "uuid", ""}}, 0},
	}
	numbers := []string{"+447700900123", "12", "+33612345678"}
	items := make([]string, len(numbers))
	for i, n := range numbers {
		items[i] = item(n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			base := newTC(t, WithClock(clock.Now), WithBalance(tt.balance))
			variant := newTC(t, append(tt.opts, WithClock(clock.Now), WithBalance(tt.balance))...)
			for _, kind := range []string{"hlr", "mnp", "validate"} {
				records := func(c *tc) []json.RawMessage {
					var out struct{ Results []json.RawMessage }
					r := c.lookup(http.StatusOK, "/apiv2/"+kind, lookupBody(items...))
					if err := json.Unmarshal(r.body, &out); err != nil || len(out.Results) != len(numbers) {
						t.Fatalf("%s: %v %s", kind, err, r.body)
					}
					return out.Results
				}
				want, got := records(base), records(variant)
				if tt.balance == 0 && !bytes.Contains(want[0], []byte(`"INSUFFICIENT_CREDIT"`)) {
					t.Fatalf("%s: not an INSUFFICIENT_CREDIT record: %s", kind, want[0])
				}
				for i := range want {
					wantKeys, wantValues := orderedKeys(t, want[i]), flatValues(t, want[i])
					for _, e := range tt.edits {
						if e.kind != kind {
							continue
						}
						j := slices.Index(wantKeys, e.field)
						if j < 0 {
							continue // not in this record (INSUFFICIENT_CREDIT): nothing to do
						}
						v := wantValues[e.field]
						delete(wantValues, e.field)
						if e.newName == "" {
							wantKeys = slices.Delete(wantKeys, j, j+1)
							continue
						}
						renamed := e.newName
						if parent, _, nested := strings.Cut(e.field, "."); nested {
							renamed = parent + "." + e.newName
						}
						wantKeys[j], wantValues[renamed] = renamed, v
					}
					gotKeys, gotValues := orderedKeys(t, got[i]), flatValues(t, got[i])
					if !slices.Equal(gotKeys, wantKeys) || !reflect.DeepEqual(gotValues, wantValues) {
						t.Errorf("%s record %d:\n got %s\nwant keys %v\n  of %s", kind, i, got[i], wantKeys, want[i])
					}
				}
			}
		})
	}
}

// TestLookupFieldsPanic checks that the field options refuse what they
// cannot do, when called.
func TestLookupFieldsPanic(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"unknown kind":          func() { WithoutLookupFields("balance", "Credits") },
		"empty kind":            func() { WithoutLookupFields("", "uuid") },
		"unknown field":         func() { WithoutLookupFields("hlr", "ported_date") },
		"MNP has no live":       func() { WithoutLookupFields("mnp", "live_status") },
		"validate no is_ported": func() { WithLookupFieldRenamed("validate", "is_ported", "ported") },
		"unknown nested":        func() { WithoutLookupFields("hlr", "current_network_details.mnc") },
		"not an object":         func() { WithoutLookupFields("hlr", "uuid.x") },
		"too deep":              func() { WithoutLookupFields("hlr", "request_parameters.a.b") },
		"empty part":            func() { WithoutLookupFields("hlr", "request_parameters.") },
		"empty field":           func() { WithoutLookupFields("hlr", "") },
		"empty new name":        func() { WithLookupFieldRenamed("hlr", "uuid", "") },
		"clash":                 func() { WithLookupFieldRenamed("hlr", "uuid", "error") },
		"nested clash":          func() { WithLookupFieldRenamed("hlr", "original_network_details.mccmnc", "name") },
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "hlrlookuptest: WithLookupFieldRenamed") &&
					!strings.HasPrefix(r, "hlrlookuptest: WithoutLookupFields") {
					t.Errorf("%s: panic %q", name, r)
				}
			}()
			f()
		}()
	}
}
