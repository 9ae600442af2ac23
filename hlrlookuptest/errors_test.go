package hlrlookuptest

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrors checks every error of the contract's table with its status
// and code, against one server holding batches in every relevant state.
func TestErrors(t *testing.T) {
	t.Parallel()
	c := newTC(t, WithAccount("other-key", "other-secret"), WithUploadLimits(1024, 5))
	fresh := c.create("")                  // NEW
	ready := c.create("")                  // READY
	c.upload(ready, "447700900123\n")      //
	done := c.create("")                   // COMPLETE
	c.upload(done, "447700900123\n")       //
	c.put(done, `{"status":"PROCESSING"}`) //
	theirs := c.as("other-key", "other-secret").create("")
	gone := c.create("")
	c.must(http.StatusOK, "DELETE", "/batches/"+gone, "", "")

	const js, csv = "application/json", "text/csv"
	big := strings.Repeat("4477009001234567890,", 60) + "\n" // > 1024 bytes
	sub := func(s string) string {
		return strings.NewReplacer("{new}", fresh, "{ready}", ready, "{done}", done,
			"{theirs}", theirs, "{gone}", gone).Replace(s)
	}
	tests := []struct {
		name                string
		as                  string // "" default account; "none" no credentials; "badsecret"; "badkey"
		method, path, ctype string
		body                string
		status              int
		code                string
		msg                 string // substring of the message
	}{
		{"method on list", "", "PATCH", "/batches/", js, `{}`, 405, "INVALID_REQUEST", "PATCH"},
		{"method on batch", "", "POST", "/batches/{new}", js, `{}`, 405, "INVALID_REQUEST", ""},
		{"method on source", "", "GET", "/batches/{new}/source", "", "", 405, "INVALID_REQUEST", ""},
		{"method on results", "", "DELETE", "/batches/{done}/results", "", "", 405, "INVALID_REQUEST", ""},
		{"create content type", "", "POST", "/batches/", "text/plain", `{"type":"HLR_V2"}`, 415, "INVALID_REQUEST", "Content-Type"},
		{"create no content type", "", "POST", "/batches/", "", `{"type":"HLR_V2"}`, 415, "INVALID_REQUEST", ""},
		{"put content type", "", "PUT", "/batches/{ready}/", csv, `{"status":"PROCESSING"}`, 415, "INVALID_REQUEST", ""},
		{"upload content type", "", "POST", "/batches/{new}/source", js, "447700900123\n", 415, "INVALID_REQUEST", ""},
		{"create misspelt key", "", "POST", "/batches/", js, `{"fileName":"a","type":"HLR_V2"}`, 400, "INVALID_REQUEST", "fileName"},
		{"create unknown type", "", "POST", "/batches/", js, `{"filename":"a","type":"HLR_V3"}`, 400, "INVALID_REQUEST", "HLR_V2"},
		{"create missing type", "", "POST", "/batches/", js, `{"filename":"a"}`, 400, "INVALID_REQUEST", "type"},
		{"create filename not string", "", "POST", "/batches/", js, `{"filename":5,"type":"HLR_V2"}`, 400, "INVALID_REQUEST", "filename"},
		{"create not an object", "", "POST", "/batches/", js, `["HLR_V2"]`, 400, "INVALID_REQUEST", ""},
		{"create malformed JSON", "", "POST", "/batches/", js, `{"filename":"a",`, 400, "INVALID_JSON", ""},
		{"create empty body", "", "POST", "/batches/", js, ``, 400, "INVALID_JSON", ""},
		{"put malformed JSON", "", "PUT", "/batches/{ready}/", js, `{status: PROCESSING}`, 400, "INVALID_JSON", ""},
		{"put misspelt key", "", "PUT", "/batches/{ready}/", js, `{"scheduledstart":"2030-01-01T00:00:00Z"}`, 400, "INVALID_REQUEST", "scheduledstart"},
		{"put unknown status", "", "PUT", "/batches/{ready}/", js, `{"status":"STARTED"}`, 400, "INVALID_REQUEST", "STARTED"},
		{"put empty object", "", "PUT", "/batches/{ready}/", js, `{}`, 400, "INVALID_REQUEST", ""},
		{"put both keys", "", "PUT", "/batches/{ready}/", js, `{"status":"PAUSED","scheduledStart":"2030-01-01T00:00:00Z"}`, 400, "INVALID_REQUEST", ""},
		{"bad scheduledStart", "", "PUT", "/batches/{ready}/", js, `{"scheduledStart":"tomorrow"}`, 400, "INVALID_REQUEST", "scheduledStart"},
		{"past scheduledStart", "", "PUT", "/batches/{ready}/", js, `{"scheduledStart":"2001-01-01T00:00:00Z"}`, 400, "INVALID_REQUEST", "future"},
		{"schedule without data", "", "PUT", "/batches/{new}/", js, `{"scheduledStart":"2099-01-01T00:00:00Z"}`, 400, "BAD_REQUEST", "no data loaded"},
		{"cache_days_private 31", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"cache_days_private":31}}`, 400, "INVALID_BATCH_ARGUMENTS", "cache_days_private"},
		{"cache_days_private -1", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"cache_days_private":-1}}`, 400, "INVALID_BATCH_ARGUMENTS", "cache_days_private"},
		{"cache_days_global string", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"cache_days_global":"5"}}`, 400, "INVALID_BATCH_ARGUMENTS", "cache_days_global"},
		{"cache_days_global fraction", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"cache_days_global":1.5}}`, 400, "INVALID_BATCH_ARGUMENTS", "cache_days_global"},
		{"save_to_cache lower case", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"save_to_cache":"yes"}}`, 400, "INVALID_BATCH_ARGUMENTS", "save_to_cache"},
		{"get_ported_date bool", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"get_ported_date":true}}`, 400, "INVALID_BATCH_ARGUMENTS", "get_ported_date"},
		{"get_landline_status", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"get_landline_status":"Y"}}`, 400, "INVALID_BATCH_ARGUMENTS", "get_landline_status"},
		{"usa_status", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"usa_status":"MAYBE"}}`, 400, "INVALID_BATCH_ARGUMENTS", "usa_status"},
		{"input_format", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"input_format":"gb"}}`, 400, "INVALID_BATCH_ARGUMENTS", "input_format"},
		{"output_format", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":{"output_format":"E165"}}`, 400, "INVALID_BATCH_ARGUMENTS", "output_format"},
		{"batchArguments not object", "", "POST", "/batches/", js, `{"type":"HLR_V2","batchArguments":[1]}`, 400, "INVALID_BATCH_ARGUMENTS", "batchArguments"},
		{"no credentials", "none", "GET", "/batches/", "", "", 401, "UNAUTHORIZED", "KEY or SECRET"},
		{"wrong secret", "badsecret", "GET", "/batches/{new}", "", "", 401, "UNAUTHORIZED", ""},
		{"wrong key", "badkey", "POST", "/batches/", js, `{"type":"HLR_V2"}`, 401, "UNAUTHORIZED", ""},
		{"unauthorized unknown path", "none", "GET", "/nowhere", "", "", 401, "UNAUTHORIZED", ""},
		{"forbidden get", "", "GET", "/batches/{theirs}", "", "", 403, "FORBIDDEN", "does not belong"},
		{"forbidden put", "", "PUT", "/batches/{theirs}/", js, `{"status":"PAUSED"}`, 403, "FORBIDDEN", ""},
		{"forbidden delete", "", "DELETE", "/batches/{theirs}", "", "", 403, "FORBIDDEN", ""},
		{"forbidden upload", "", "POST", "/batches/{theirs}/source", csv, "447700900123\n", 403, "FORBIDDEN", ""},
		{"forbidden results", "", "GET", "/batches/{theirs}/results", "", "", 403, "FORBIDDEN", ""},
		{"unknown id", "", "GET", "/batches/9999", "", "", 404, "NOT_FOUND", "9999"},
		{"deleted id", "", "GET", "/batches/{gone}", "", "", 404, "NOT_FOUND", ""},
		{"delete deleted", "", "DELETE", "/batches/{gone}/", "", "", 404, "NOT_FOUND", ""},
		{"upload to unknown", "", "POST", "/batches/9999/source", csv, "447700900123\n", 404, "NOT_FOUND", ""},
		{"unknown path", "", "GET", "/nowhere", "", "", 404, "NOT_FOUND", ""},
		{"unknown sub-path", "", "GET", "/batches/{new}/bogus", "", "", 404, "NOT_FOUND", ""},
		{"second upload", "", "POST", "/batches/{ready}/source", csv, "447700900124\n", 409, "DATA_ALREADY_LOADED", "already has data"},
		{"too many bytes", "", "POST", "/batches/{new}/source", csv, big, 400, "BAD_REQUEST", "upload them as a file"},
		{"too many numbers", "", "POST", "/batches/{new}/source", "text/plain", "4477009001\n4477009002\n4477009003\n4477009004\n4477009005\n4477009006\n", 400, "BAD_REQUEST", "upload them as a file"},
		{"empty upload", "", "POST", "/batches/{new}/source", csv, "\n\n", 400, "BAD_REQUEST", "no numbers"},
		{"header only", "", "POST", "/batches/{new}/source", csv, "phone\n", 400, "BAD_REQUEST", "no numbers"},
		{"negative column", "", "POST", "/batches/{new}/source?column=-1", csv, "447700900123\n", 400, "BAD_REQUEST", "column"},
		{"letter column", "", "POST", "/batches/{new}/source?column=B", csv, "447700900123\n", 400, "BAD_REQUEST", "column"},
		{"column beyond", "", "POST", "/batches/{new}/source?column=2", csv, "a,447700900123\n", 400, "BAD_REQUEST", "beyond"},
		{"results of new", "", "GET", "/batches/{new}/results", "", "", 400, "BAD_REQUEST", "results not ready"},
		{"results of ready", "", "GET", "/batches/{ready}/results?format=json", "", "", 400, "BAD_REQUEST", "results not ready"},
		{"results format", "", "GET", "/batches/{done}/results?format=xml", "", "", 400, "BAD_REQUEST", "format"},
		{"start without data", "", "PUT", "/batches/{new}/", js, `{"status":"PROCESSING"}`, 400, "BAD_REQUEST", "no data loaded"},
		{"start complete", "", "PUT", "/batches/{done}", js, `{"status":"PROCESSING"}`, 400, "BAD_REQUEST", "COMPLETE"},
		{"pause ready", "", "PUT", "/batches/{ready}/", js, `{"status":"PAUSED"}`, 400, "BAD_REQUEST", ""},
		{"pause complete", "", "PUT", "/batches/{done}/", js, `{"status":"PAUSED"}`, 400, "BAD_REQUEST", ""},
		{"list negative offset", "", "GET", "/batches/?offset=-1", "", "", 400, "BAD_REQUEST", "offset"},
		{"list bad limit", "", "GET", "/batches?limit=ten", "", "", 400, "BAD_REQUEST", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := c
			switch tt.as {
			case "none":
				cl = c.as("", "")
			case "badsecret":
				cl = c.as(APIKey, "nope")
			case "badkey":
				cl = c.as("nope", Secret)
			}
			cl = &tc{t: t, srv: cl.srv, hc: cl.hc, key: cl.key, secret: cl.secret}
			r := cl.do(tt.method, sub(tt.path), tt.ctype, tt.body)
			if r.status != tt.status || r.errCode() != tt.code {
				t.Fatalf("got %d %q, want %d %q; body %s", r.status, r.errCode(), tt.status, tt.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(string(r.body), tt.msg) {
				t.Errorf("message %s does not mention %q", r.body, tt.msg)
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
	t.Cleanup(func() {
		// None of the refused requests changed the batches.
		for id, want := range map[string]string{fresh: StatusNew, ready: StatusReady, done: StatusComplete} {
			if st, _ := c.srv.Batch(id); st.Status != want || st.Uploads > 1 {
				t.Errorf("batch %s: %+v, want status %s", id, st, want)
			}
		}
		if st, _ := c.srv.Batch(ready); st.UploadAttempts != 2 || st.NumItems != 1 {
			t.Errorf("ready batch: %+v, want 2 upload attempts, 1 item", st)
		}
	})
}
