package hlrlookup

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A record's members cost the decoder linear time, as they cost main's: a
// record of 50,000 to 200,000 members (under 2 MB) decodes
// in about the time main's decoder takes, whatever mix of values its members
// hold. It took minutes when each value was compared with every value before
// it in the record (to share a suffix) and each shared or empty value looked
// through all the record's own values for one it replaces.
func TestReadResultsJSONManyMembersLinearTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		n      int
		member func(b *strings.Builder, i, n int)
	}{
		{"numbers", 50_000, func(b *strings.Builder, i, n int) { fmt.Fprintf(b, `"k%d":%d`, i, i) }},
		{"numbers then nulls", 50_000, func(b *strings.Builder, i, n int) {
			fmt.Fprintf(b, `"k%d":%s`, i, map[bool]string{true: "1", false: "null"}[i < n/2])
		}},
		{"a field own then empty", 200_000, func(b *strings.Builder, i, n int) {
			fmt.Fprintf(b, `"uuid":%s`, map[bool]string{true: "1", false: `""`}[i%2 == 0])
		}},
		{"an entry own then empty", 200_000, func(b *strings.Builder, i, n int) {
			fmt.Fprintf(b, `"k":%s`, map[bool]string{true: "1", false: `""`}[i%2 == 0])
		}},
	} {
		var b strings.Builder
		b.WriteString("[{")
		for i := range tt.n {
			if i > 0 {
				b.WriteString(",")
			}
			tt.member(&b, i, tt.n)
		}
		b.WriteString("}]")
		body := b.String()
		start := time.Now()
		want, wantErr := drainResults(refMainDecodeJSONResults(strings.NewReader(body)))
		mainTook := time.Since(start)
		start = time.Now()
		got, gotErr := drainResults(decodeJSONResults(strings.NewReader(body)))
		took := time.Since(start)
		if gotErr != wantErr || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d results, error %q; main: %d results, error %q", tt.name, len(got), gotErr, len(want), wantErr)
		}
		t.Logf("%s (%d bytes): %v, main's decoder %v", tt.name, len(body), took, mainTook)
		if took > 20*mainTook+time.Second {
			t.Errorf("%s: %d members took %v, main's decoder %v", tt.name, tt.n, took, mainTook)
		}
	}
}
