package hlrlookup_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// secSecret is distinctive, and differs from its query-escaped form, so
// that both spellings can be looked for.
const secSecret = "Zebra/Quartz+9f3e-secret"

// secWriter is a concurrency-safe log sink.
type secWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *secWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *secWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// secRenderings gives every way a user might print err and its chain.
func secRenderings(err error) []string {
	var out []string
	for _, e := range hlrlookup.ErrorChain(err) {
		out = append(out, e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%s", e))
		if ue, ok := e.(*url.Error); ok {
			out = append(out, ue.URL)
		}
	}
	return out
}

// secFind fails when s shows the secret in any encoding (plain, percent-,
// HTML- or JSON-escaped: see containsSecret in errors_test.go).
func secFind(t *testing.T, what, s string) {
	t.Helper()
	if hlrlookup.ContainsSecret(s, secSecret) {
		t.Errorf("%s shows the secret: %s", what, s)
	}
}

// TestSecretNeverShownUnderFaults runs the fault matrix with a debug logger
// and looks for the secret in every error (and every error in its chain,
// in every format), the logs, the client's formatting and the fake's log.
// The rows that only wait out a 1-second Retry-After and succeed add no
// failure and are skipped.
func TestSecretNeverShownUnderFaults(t *testing.T) {
	t.Parallel()
	logs := &secWriter{}
	env := relEnv{apiKey: "leak-test-key", secret: secSecret,
		logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	var mu sync.Mutex
	failures := 0
	t.Run("cells", func(t *testing.T) {
		for _, f := range relFaults {
			for _, op := range relOps {
				if w := f.want(op); w.ok && w.minElapsed > 0 {
					continue
				}
				t.Run(f.name+"/"+op.name, func(t *testing.T) {
					t.Parallel()
					res, _, _ := relRunCell(t, env, op, f)
					if res.err != nil {
						mu.Lock()
						failures++
						mu.Unlock()
					}
					for _, s := range secRenderings(res.err) {
						secFind(t, "error", s)
					}
					for _, r := range res.log {
						secFind(t, "fake log entry", r.String())
						secFind(t, "fake log entry", fmt.Sprintf("%+v", r))
					}
					c := res.client
					for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v %+v %#v", *c, *c, *c)} {
						secFind(t, "client", s)
					}
					env.logger.Info("client", "client", c, "copy", *c)
				})
			}
		}
	})
	all := logs.String()
	secFind(t, "logs", all)
	// The test must be able to fail: the logs were written, at debug level,
	// and the failures were many.
	if !strings.Contains(all, "level=DEBUG") || !strings.Contains(all, "will retry") || !strings.Contains(all, "leak") {
		t.Errorf("the debug logs are missing:\n%.500s", all)
	}
	if failures < 40 {
		t.Errorf("only %d failing cells; the matrix did not run", failures)
	}
}
