package hlrlookuptest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// flatten turns a JSON record into dotted CSV fields.
func flatten(prefix string, m map[string]any, out map[string]string) map[string]string {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			flatten(prefix+k+".", v, out)
		case float64:
			out[prefix+k] = strconv.FormatFloat(v, 'f', -1, 64)
		case string:
			out[prefix+k] = v
		default:
			out[prefix+k] = fmt.Sprint(v)
		}
	}
	return out
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c := newTC(t, WithProcessing(PerPoll(2)), WithClock(clock.Now))

	args := `{"cache_days_global":5,"output_format":"PLUS_E164","legacy_key":"kept"}`
	r := c.must(http.StatusCreated, "POST", "/batches/", "application/json; charset=utf-8",
		`{"filename":"batch1.csv","type":"HLR_V2","batchArguments":`+args+`}`)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id": `"1001"`, "filename": `"batch1.csv"`, "numColumns": `0`, "ownerName": `"1"`,
		"type": `"HLR_V2"`, "batchArguments": args, "scheduledStart": `null`,
		"creationDate": `"2026-06-01T09:00:00.123Z"`, "numItems": `0`, "numComplete": `0`,
		"status": `"NEW"`,
	}
	if len(raw) != len(want) {
		t.Errorf("batch has %d fields, want %d: %s", len(raw), len(want), r.body)
	}
	for k, v := range want {
		if string(raw[k]) != v {
			t.Errorf("created batch %s = %s, want %s", k, raw[k], v)
		}
	}
	id := "1001"

	file := "ref,phone\nA1,+44 7700 900123\n\nA2,0049151234567\nA3,12ab\nA4,\"+1 (212) 555-0100\"\nA5,447911123456\n"
	b := c.decodeBatch(c.must(http.StatusOK, "POST", "/batches/"+id+"/source?column=1", "text/csv", file))
	if b.Status != StatusReady || b.NumItems != 5 || b.NumColumns != 2 {
		t.Fatalf("after upload: %+v", b)
	}
	numbers := []string{"+44 7700 900123", "0049151234567", "12ab", "+1 (212) 555-0100", "447911123456"}
	if got := c.srv.Numbers(id); !slices.Equal(got, numbers) {
		t.Fatalf("Numbers = %q, want %q", got, numbers)
	}

	if b = c.put(id, `{"status":"PROCESSING"}`); b.Status != StatusProcessing || b.NumComplete != 0 {
		t.Fatalf("after start: %+v", b)
	}
	clock.Advance(time.Minute)
	var progress []int
	for b.Status != StatusComplete && len(progress) < 10 {
		b = c.get(id)
		progress = append(progress, b.NumComplete)
	}
	if !slices.Equal(progress, []int{2, 4, 5}) || b.Status != StatusComplete {
		t.Fatalf("progress %v, status %s", progress, b.Status)
	}
	st, _ := c.srv.Batch(id)
	if !st.CompletedAt.Equal(clock.Now()) || st.Numbers != 5 || st.Uploads != 1 {
		t.Errorf("Batch = %+v", st)
	}

	// CSV results.
	r = c.must(http.StatusOK, "GET", "/batches/"+id+"/results", "", "")
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %s, body %d bytes", cl, len(r.body))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if wantHead := append([]string{"ref", "phone"}, csvResultColumns...); !slices.Equal(rows[0], wantHead) {
		t.Fatalf("CSV header %q", rows[0])
	}
	if len(rows) != 6 {
		t.Fatalf("%d CSV rows, want 6", len(rows))
	}
	for i, n := range numbers {
		row := rows[i+1]
		if row[0] != "A"+strconv.Itoa(i+1) || row[1] != n {
			t.Errorf("row %d own columns %q", i, row[:2])
		}
		rec, ok := c.srv.ResultRecord(id, n)
		if !ok {
			t.Fatal("ResultRecord: no batch")
		}
		fields := flatten("", rec, map[string]string{})
		if len(fields) != len(csvResultColumns) {
			t.Fatalf("record has %d fields, CSV %d", len(fields), len(csvResultColumns))
		}
		for j, col := range csvResultColumns {
			if row[2+j] != fields[col] {
				t.Errorf("row %d %s = %q, want %q", i, col, row[2+j], fields[col])
			}
		}
		if rec["timestamp"] != "2026-06-01T09:01:00Z" {
			t.Errorf("timestamp %v", rec["timestamp"])
		}
	}
	// Spot checks of the generated values.
	first, _ := c.srv.ResultRecord(id, numbers[0])
	if first["detected_telephone_number"] != "447700900123" || first["formatted_telephone_number"] != "+447700900123" ||
		first["original_network_details"].(map[string]any)["country_iso3"] != "GBR" {
		t.Errorf("first record %v", first)
	}
	if bad, _ := c.srv.ResultRecord(id, "12ab"); bad["telephone_number_type"] != "BAD_FORMAT" || bad["credits_spent"] != 0.0 {
		t.Errorf("bad record %v", bad)
	}
	if rp := first["request_parameters"].(map[string]any); rp["cache_days_global"] != 5.0 || rp["telephone_number"] != numbers[0] || rp["save_to_cache"] != "YES" {
		t.Errorf("request_parameters %v", rp)
	}

	// JSON results, default envelope.
	r = c.must(http.StatusOK, "GET", "/batches/"+id+"/results?format=json", "", "")
	var recs []map[string]any
	if err := json.Unmarshal(r.body, &recs); err != nil {
		t.Fatal(err)
	}
	for i, n := range numbers {
		want, _ := c.srv.ResultRecord(id, n)
		if !reflect.DeepEqual(recs[i], want) {
			t.Errorf("JSON record %d = %v, want %v", i, recs[i], want)
		}
	}
}

func TestJSONEnvelopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env    Envelope
		decode func([]byte) ([]map[string]any, error)
	}{
		{EnvelopeArray, func(b []byte) (v []map[string]any, err error) { return v, json.Unmarshal(b, &v) }},
		{EnvelopeResults, func(b []byte) ([]map[string]any, error) {
			var v struct{ Results []map[string]any }
			return v.Results, json.Unmarshal(b, &v)
		}},
		{EnvelopeBody, func(b []byte) ([]map[string]any, error) {
			var v struct {
				Body struct{ Results []map[string]any }
			}
			return v.Body.Results, json.Unmarshal(b, &v)
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			c := newTC(t, WithJSONEnvelope(tt.env), WithClock(clock.Now))
			id := c.create("")
			c.upload(id, "447700900123\n33612345678\n12\n")
			if b := c.put(id, `{"status":"PROCESSING"}`); b.Status != StatusComplete {
				t.Fatalf("Instant start answered %s", b.Status)
			}
			r := c.must(http.StatusOK, "GET", "/batches/"+id+"/results?format=json", "", "")
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
				t.Errorf("headers %v", r.header)
			}
			recs, err := tt.decode(r.body)
			if err != nil {
				t.Fatal(err)
			}
			nums := []string{"447700900123", "33612345678", "12"}
			if len(recs) != len(nums) {
				t.Fatalf("%d records: %s", len(recs), r.body)
			}
			for i, n := range nums {
				want := ResultRecordWith(n, nil, clock.Now())
				if !reflect.DeepEqual(recs[i], want) {
					t.Errorf("record %d = %v, want %v", i, recs[i], want)
				}
			}
		})
	}
}

func TestScheduleStartsByItself(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		proc     Processing
		after    time.Duration // past the scheduled start
		status   string
		complete int
	}{
		{"instant", Instant(), 0, StatusComplete, 4},
		{"rate halfway", Rate(2), time.Second, StatusProcessing, 2},
		{"rate done", Rate(2), time.Hour, StatusComplete, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			c := newTC(t, WithClock(clock.Now), WithProcessing(tt.proc))
			id := c.create("")
			c.upload(id, "447700900121\n447700900122\n447700900123\n447700900124\n")
			start := clock.Now().Add(time.Hour).Truncate(time.Second)
			b := c.put(id, `{"scheduledStart":"`+start.Format(time.RFC3339)+`"}`)
			if b.Status != StatusScheduled || b.ScheduledStart == nil || *b.ScheduledStart != start.Format(time.RFC3339) {
				t.Fatalf("after schedule: %+v", b)
			}
			clock.Advance(59 * time.Minute)
			if b = c.get(id); b.Status != StatusScheduled || b.NumComplete != 0 {
				t.Fatalf("before the start: %+v", b)
			}
			clock.Advance(start.Sub(clock.Now()) + tt.after)
			if b = c.get(id); b.Status != tt.status || b.NumComplete != tt.complete {
				t.Fatalf("after the start: status %s, %d complete; want %s, %d", b.Status, b.NumComplete, tt.status, tt.complete)
			}
			if tt.status == StatusComplete {
				st, _ := c.srv.Batch(id)
				wantDone := start
				if tt.proc.kind == procRate {
					wantDone = start.Add(2 * time.Second) // 4 items at 2/s
				}
				if !st.CompletedAt.Equal(wantDone) {
					t.Errorf("completed at %v, want %v", st.CompletedAt, wantDone)
				}
			}
		})
	}
}

func TestPauseResume(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithProcessing(PerPoll(1)))
	id := c.create("")
	c.upload(id, "447700900121\n447700900122\n447700900123\n")
	steps := []struct {
		method, body string
		status       string
		complete     int
	}{
		{"PUT", `{"status":"PROCESSING"}`, StatusProcessing, 0},
		{"GET", "", StatusProcessing, 1},
		{"PUT", `{"status":"PAUSED"}`, StatusPaused, 1},
		{"PUT", `{"status":"PAUSED"}`, StatusPaused, 1}, // no-op
		{"GET", "", StatusPaused, 1},                    // no progress while paused
		{"PUT", `{"status":"PROCESSING"}`, StatusProcessing, 1},
		{"PUT", `{"status":"PROCESSING"}`, StatusProcessing, 1}, // idempotent
		{"GET", "", StatusProcessing, 2},
		{"GET", "", StatusComplete, 3},
		{"GET", "", StatusComplete, 3},
	}
	for i, s := range steps {
		var b wireBatch
		if s.method == "PUT" {
			b = c.put(id, s.body)
		} else {
			b = c.get(id)
		}
		if b.Status != s.status || b.NumComplete != s.complete {
			t.Fatalf("step %d %s %s: %s %d, want %s %d", i, s.method, s.body, b.Status, b.NumComplete, s.status, s.complete)
		}
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("k2", "s2"))
	other := c.as("k2", "s2")
	for i := range 25 {
		c.create("")
		if i == 3 {
			other.create("") // id 1005 belongs to k2
		}
	}
	type list struct {
		Total, Offset, Limit int
		Batches              []wireBatch
	}
	ids := func(l list) []string {
		var out []string
		for _, b := range l.Batches {
			out = append(out, b.ID.(string))
		}
		return out
	}
	mine := []string{}
	for n := 1001; n <= 1026; n++ {
		if n != 1005 {
			mine = append(mine, strconv.Itoa(n))
		}
	}
	tests := []struct {
		client               *tc
		query                string
		total, offset, limit int
		want                 []string
	}{
		{c, "", 25, 0, 10, mine[:10]},
		{c, "?offset=10", 25, 10, 10, mine[10:20]},
		{c, "?offset=20&limit=10", 25, 20, 10, mine[20:]},
		{c, "?limit=500", 25, 0, 100, mine},
		{c, "?limit=0", 25, 0, 10, mine[:10]},
		{c, "?offset=30", 25, 30, 10, nil},
		{other, "", 1, 0, 10, []string{"1005"}},
	}
	for _, tt := range tests {
		r := tt.client.must(http.StatusOK, "GET", "/batches"+tt.query, "", "")
		var l list
		if err := json.Unmarshal(r.body, &l); err != nil {
			t.Fatal(err)
		}
		if l.Total != tt.total || l.Offset != tt.offset || l.Limit != tt.limit || !slices.Equal(ids(l), tt.want) {
			t.Errorf("%s %s: total %d offset %d limit %d ids %v", tt.client.key, tt.query, l.Total, l.Offset, l.Limit, ids(l))
		}
		if !bytes.Contains(r.body, []byte(`"batches":[`)) {
			t.Errorf("batches is not an array: %s", r.body)
		}
	}
}

func TestAccountsAndOwnership(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("k2", "s2"), WithAccount("k3", "s3"))
	k3 := c.as("k3", "s3")
	id := k3.create("")
	if b := k3.get(id); b.OwnerName != "3" {
		t.Errorf("ownerName %q, want 3", b.OwnerName)
	}
	for _, cl := range []*tc{c, c.as("k2", "s2")} {
		if r := cl.do("GET", "/batches/"+id, "", ""); r.status != 403 || r.errCode() != "FORBIDDEN" {
			t.Errorf("%s: %d %s", cl.key, r.status, r.body)
		}
	}
	if st, ok := c.srv.Batch(id); !ok || st.Owner != "k3" || st.OwnerName != "3" {
		t.Errorf("Batch = %+v, %v", st, ok)
	}
	if r := c.do("GET", "/batches/"+id, "", ""); r.status != 403 {
		t.Errorf("status %d", r.status)
	}
}

func TestNumericIDsAndDelete(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithNumericIDs())
	r := c.must(http.StatusCreated, "POST", "/batches", "application/json", `{"filename":"x","type":"HLR_LOOKUP"}`)
	var b struct {
		ID   json.RawMessage
		Type string
	}
	if err := json.Unmarshal(r.body, &b); err != nil || string(b.ID) != "1001" || b.Type != "HLR_LOOKUP" {
		t.Fatalf("id %s type %s (%v)", b.ID, b.Type, err)
	}
	c.must(http.StatusOK, "DELETE", "/batches/1001/", "", "")
	if _, ok := c.srv.Batch("1001"); ok {
		t.Error("deleted batch still there")
	}
	if r := c.do("GET", "/batches/1001", "", ""); r.status != 404 {
		t.Errorf("GET deleted: %d", r.status)
	}
	// Ids are never reused.
	r = c.must(http.StatusCreated, "POST", "/batches/", "application/json", `{"type":"HLR_V2"}`)
	if !bytes.Contains(r.body, []byte(`"id":1002`)) {
		t.Errorf("second batch %s", r.body)
	}
}

func TestUploadShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		body    string
		numbers []string
		columns int
		header  []string
	}{
		{"one per line", "", "447700900121\r\n447700900122\r\n", []string{"447700900121", "447700900122"}, 1, nil},
		{"bom and blanks", "", "\ufeff447700900121\n \n\n447700900122", []string{"447700900121", "447700900122"}, 1, nil},
		{"header column C", "?column=2", "id,name,phone\n1,\"Smith, J\",447700900121\n2,Doe\n", []string{"447700900121", ""}, 3, []string{"id", "name", "phone"}},
		{"no header", "?column=0", "447700900121,x\n447700900122,y\n", []string{"447700900121", "447700900122"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTC(t)
			id := c.create("")
			b := c.decodeBatch(c.must(http.StatusOK, "POST", "/batches/"+id+"/source"+tt.query, "text/plain; charset=utf-8", tt.body))
			if b.NumItems != len(tt.numbers) || b.NumColumns != tt.columns || b.Status != StatusReady {
				t.Errorf("batch %+v", b)
			}
			if got := c.srv.Numbers(id); !slices.Equal(got, tt.numbers) {
				t.Errorf("numbers %q, want %q", got, tt.numbers)
			}
			c.put(id, `{"status":"PROCESSING"}`)
			rows, err := csv.NewReader(bytes.NewReader(c.must(200, "GET", "/batches/"+id+"/results", "", "").body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			head := tt.header
			if head == nil {
				for i := range tt.columns {
					head = append(head, fmt.Sprintf("column_%d", i+1))
				}
			}
			if !slices.Equal(rows[0][:tt.columns], head) || len(rows) != len(tt.numbers)+1 {
				t.Errorf("CSV head %q, %d rows", rows[0][:tt.columns], len(rows))
			}
		})
	}
}
