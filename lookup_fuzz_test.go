package hlrlookup

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// FuzzLookupResponse feeds any body to the lookup answer decoder: it never
// panics, a success gives a non-nil result per record and a result slot per
// number, and no error quotes the secret.
func FuzzLookupResponse(f *testing.F) {
	for _, name := range []string{"hlr_documented_body.json", "hlr_documented_results.json", "hlr_signal_results.json",
		"hlr_errors_per_number.json", "mnp_results.json", "validate_results.json", "error_unauthorized.json", "balance.json"} {
		f.Add([]byte(readTestdataF(f, "lookups/"+name)))
	}
	for _, s := range []string{"", "{}", "[]", `{"results":null}`, `{"error":"X","message":"` + testSecret + `"}`,
		`{"body":{"results":[{"request_parameters":{"telephone_number":"a"}}]},"results":[]}`, `{"results":[1]}`, "<html>" + testSecret} {
		f.Add([]byte(s))
	}
	c, err := NewClient(testKey, testSecret)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: &bufferedBody{data: data}}
		got, err := c.decodeLookupResponse("lookup hlr", "/apiv2/hlr", resp)
		if err != nil {
			if got != nil {
				t.Fatalf("results %v with error %v", got, err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			return
		}
		for i, r := range got {
			if r == nil {
				t.Fatalf("result %d is nil", i)
			}
		}
		numbers := []string{"a", "b"}
		if m := matchLookupResults(numbers, got); len(m) != len(numbers) {
			t.Fatalf("%d slots for %d numbers", len(m), len(numbers))
		}
	})
}

func readTestdataF(f *testing.F, name string) string {
	f.Helper()
	s, err := readTestdataB(name)
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// readTestdataB reads a file of testdata/ for a fuzz target or a benchmark.
func readTestdataB(name string) (string, error) {
	b, err := os.ReadFile("testdata/" + name)
	return string(b), err
}
