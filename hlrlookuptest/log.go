package hlrlookuptest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// redacted replaces the secret wherever the fake records a request.
const redacted = "REDACTED"

// Request is one entry of the server's request log. The log holds every
// request, including faulted and unauthorized ones; it never holds a secret.
type Request struct {
	Method string
	Path   string     // the URL path as received, without the query
	Query  url.Values // the query, with the value of "secret" replaced by "REDACTED"

	ContentType      string
	ContentLength    int64    // as declared by the client; -1 when unknown
	TransferEncoding []string // e.g. ["chunked"]
	BodyBytes        int64    // request body bytes the server actually read

	// ReferenceID and AccountID are the headers of those names (sent with
	// lookups), "" when absent.
	ReferenceID, AccountID string

	// Status is the status sent; 0 when the connection was dropped without
	// a response (and while the request is still in flight).
	Status int
	// Fault is the injected fault this request got, FaultNone if none.
	Fault FaultKind
	// Applied reports whether the service processed the request (its effect,
	// if any, is in the server's state). False for FaultStatus,
	// FaultHangUpBefore and FaultStall.
	Applied bool
	// At is the server-clock time the request arrived.
	At time.Time
}

// String renders the entry on one line: method, path, redacted query,
// status and fault. It never contains the secret.
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.Path)
	if len(r.Query) > 0 {
		b.WriteByte('?')
		b.WriteString(redactQuery(r.Query).Encode())
	}
	fmt.Fprintf(&b, " -> %d", r.Status)
	if r.Fault != FaultNone {
		fmt.Fprintf(&b, " fault=%s", r.Fault)
	}
	if !r.Applied {
		b.WriteString(" (not applied)")
	}
	return b.String()
}

// redactQuery returns a copy of q with every value of the "secret" key
// (any case) replaced by "REDACTED".
func redactQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		vs = slices.Clone(vs)
		if strings.EqualFold(k, "secret") {
			for i := range vs {
				vs[i] = redacted
			}
		}
		out[k] = vs
	}
	return out
}

// redactSecrets replaces every account's secret wherever it appears in s (a
// path or a query value a client put it in by mistake).
func (s *Server) redactSecrets(v string) string {
	for _, a := range s.cfg.accounts {
		v = strings.ReplaceAll(v, a.secret, redacted)
	}
	return v
}

// loggedQuery is q as the log keeps it: the secret parameter's values and
// any account secret inside other keys or values replaced by "REDACTED".
func (s *Server) loggedQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range redactQuery(q) {
		for i := range vs {
			vs[i] = s.redactSecrets(vs[i])
		}
		out[s.redactSecrets(k)] = append(out[s.redactSecrets(k)], vs...)
	}
	return out
}

// Requests returns a copy of the request log, oldest first. A request still
// in flight shows Status 0.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		out[i] = *r
		out[i].Query = redactQuery(r.Query)
		out[i].TransferEncoding = slices.Clone(r.TransferEncoding)
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Connections returns the number of TCP connections the server has accepted
// so far, for connection-reuse tests; always 0 for a server made
// WithoutNetwork.
func (s *Server) Connections() int {
	return int(s.conns.Load())
}
