package hlrlookup_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/seed682fd871/hlrlookup"
)

// secSecret is distinctive, and differs from its query-escaped form, so
// that both spellings can be looked for.
const secSecret = "Zebra/Quartz+9f3e-secret"

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

// relHuntSecret is the secret hunt of one cell of the fault matrix
// (TestFaultMatrix): it looks for the secret in the cell's error (and every
// error in its chain, in every format), the fake's log and the client's
// formatting, and logs the client, so that the hunt of the logs at the end of
// the matrix covers its LogValue too.
func relHuntSecret(t *testing.T, env relEnv, res relResult) {
	t.Helper()
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
}
