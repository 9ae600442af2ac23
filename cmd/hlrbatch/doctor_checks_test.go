package main

import (
	"net/http"
	"strings"
	"testing"
)

// answered is an exchange of step answered status with body.
func answered(step string, status int, body string) *exchange {
	return &exchange{Step: step, Method: http.MethodGet, URL: "/batches/1003", Status: status,
		ResponseHeader: http.Header{}, ResponseBody: recordBody{data: []byte(body)}}
}

// TestChecksNeedEvidence: a check confirms only what it saw. A GET after the
// deletion that fails otherwise than with a 404 (a 500, a 401) does not show
// the batch gone; a record without telephone_number_type or credits_spent
// does not show BAD_FORMAT and 0 credits.
func TestChecksNeedEvidence(t *testing.T) {
	t.Parallel()
	record := func(fields string) string {
		return `{"results":[{"error":"NONE","uuid":"u"` + fields + `}]}`
	}
	type checkCase struct {
		name      string
		check     func(*evidence) (verdict, string)
		exchanges []*exchange
		want      verdict
		detail    string
	}
	tests := []checkCase{
		{"deleted: GET 404", checkDelete, []*exchange{answered("delete", 200, "{}"), answered("get-deleted", 404, `{"error":"NOT_FOUND","message":"x"}`)},
			confirmed, "DELETE answered 200; then GET answered 404"},
		{"deleted: GET 500", checkDelete, []*exchange{answered("delete", 200, "{}"), answered("get-deleted", 500, "oops")},
			notObserved, "GET answered 500"},
		{"deleted: GET 401", checkDelete, []*exchange{answered("delete", 200, "{}"), answered("get-deleted", 401, "no")},
			notObserved, "GET answered 401"},
		{"bad format: seen", checkBadFormat, []*exchange{answered("lookup-hlr", 200, record(`,"telephone_number_type":"BAD_FORMAT","credits_spent":0`))},
			confirmed, "BAD_FORMAT, 0 credits: hlr"},
		{"bad format: no type, no credits", checkBadFormat, []*exchange{answered("lookup-hlr", 200, record(""))},
			notObserved, "12345 by hlr: the record has no telephone_number_type"},
		{"bad format: no credits", checkBadFormat, []*exchange{answered("lookup-mnp", 200, record(`,"telephone_number_type":"BAD_FORMAT"`))},
			notObserved, "12345 by mnp: the record has no credits_spent"},
		{"bad format: one seen, one without", checkBadFormat, []*exchange{
			answered("lookup-hlr", 200, record(`,"telephone_number_type":"BAD_FORMAT","credits_spent":0`)),
			answered("lookup-mnp", 200, record(""))},
			confirmed, "BAD_FORMAT, 0 credits: hlr; 12345 by mnp: the record has no telephone_number_type"},
	}
	long := answered("list-first", 200, `{"total":5000,"offset":0,"limit":1,"batches":[{"id":"1"},{"id":"2"}`)
	long.ResponseBody.truncated = true
	tests = append(tests, checkCase{"list: a page cut at the bound", checkListPaging, []*exchange{long}, contradicted, "more than the 64 KiB recorded: limit=1 is not honoured"})
	unauthorized := `{"error":"UNAUTHORIZED","message":"Invalid api_key or api_secret"}`
	tests = append(tests, []checkCase{
		{"lookup credentials: refused inside a 200", checkLookupCredentials, []*exchange{answered("lookup-hlr", 200, unauthorized)},
			contradicted, "the lookup refused the batches' key and secret: 200"},
		{"lookup credentials: another error inside a 200", checkLookupCredentials, []*exchange{answered("lookup-hlr", 200, `{"error":"SERVER_ERROR","message":"x"}`)},
			notObserved, "answered 200"},
		{"lookup credentials: results", checkLookupCredentials, []*exchange{answered("lookup-hlr", 200, record(""))},
			confirmed, "answered 200"},
		{"lookup envelope: an error inside a 200 is no envelope", checkLookupEnvelope, []*exchange{answered("lookup-hlr", 200, unauthorized)},
			notObserved, "answered 200"},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, detail := tc.check(newEvidence(tc.exchanges, map[string]string{}, false))
			if v != tc.want || !strings.Contains(detail, tc.detail) {
				t.Errorf("got %s: %s\nwant %s: …%s…", v, detail, tc.want, tc.detail)
			}
		})
	}
}
