package hlrlookuptest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestUploadLimits: by default the fake takes uploads of any size, as the
// service takes files; WithUploadLimits imposes a limit, on every upload.
func TestUploadLimits(t *testing.T) {
	t.Parallel()
	var over strings.Builder // one number more than a body may hold, 1.5 MiB
	for i := range DefaultMaxUploadNumbers + 1 {
		fmt.Fprintf(&over, "4477009%08d\n", i)
	}
	var bytesOver strings.Builder // few numbers, more bytes than a body may hold
	bytesOver.WriteString("name,number,note\n")
	for i := 0; bytesOver.Len() <= DefaultMaxUploadBytes; i++ {
		fmt.Fprintf(&bytesOver, "someone,4477009%05d,%s\n", i, strings.Repeat("x", 200))
	}
	for _, tc := range []struct {
		name   string
		opts   []ServerOption
		body   string
		column string
		status int
		items  int
		msg    string
	}{
		{name: "default: more numbers than a body holds", body: over.String(), status: http.StatusOK, items: DefaultMaxUploadNumbers + 1},
		{name: "default: more bytes than a body holds", body: bytesOver.String(), column: "?column=1", status: http.StatusOK, items: strings.Count(bytesOver.String(), "\n") - 1},
		{name: "body limits: numbers", opts: []ServerOption{WithUploadLimits(DefaultMaxUploadBytes, DefaultMaxUploadNumbers)}, body: over.String(),
			status: http.StatusBadRequest, msg: "limited to 2097152 bytes and 100000 numbers"},
		{name: "body limits: bytes", opts: []ServerOption{WithUploadLimits(DefaultMaxUploadBytes, DefaultMaxUploadNumbers)}, body: bytesOver.String(), column: "?column=1",
			status: http.StatusBadRequest, msg: "limited to 2097152 bytes and 100000 numbers"},
		{name: "numbers limit only", opts: []ServerOption{WithUploadLimits(0, 3)}, body: "1234567\n1234568\n1234569\n1234560\n",
			status: http.StatusBadRequest, msg: "limited to 3 numbers;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTC(t, tc.opts...)
			id := c.create("")
			r := c.must(tc.status, "POST", "/batches/"+id+"/source"+tc.column, "text/csv", tc.body)
			if tc.status == http.StatusOK {
				if b := c.decodeBatch(r); b.NumItems != tc.items {
					t.Errorf("numItems %d, want %d", b.NumItems, tc.items)
				}
			} else if !strings.Contains(string(r.body), tc.msg) {
				t.Errorf("body %s, want it to say %q", r.body, tc.msg)
			}
		})
	}
}
