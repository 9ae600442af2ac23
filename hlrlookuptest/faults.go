package hlrlookuptest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// FaultKind is the kind of failure InjectFault arranges.
type FaultKind int

const (
	// FaultNone marks a request that got no fault (Request.Fault).
	FaultNone FaultKind = iota
	// FaultStatus answers Fault.Status without applying the request:
	// 429 with a JSON TOO_MANY_REQUESTS body, 500 with an empty body, 502 and
	// 504 with a small HTML page, 503 with plain text, any other status with
	// the JSON error of that status (on the batches endpoints, the JSON
	// bodies in the style WithErrorBodies sets). Retry-After is set when
	// Fault.RetryAfter is.
	FaultStatus
	// FaultHangUpBefore reads the request body and closes the connection
	// without applying the request and without a response.
	FaultHangUpBefore
	// FaultHangUpAfter applies the request, then closes the connection
	// without a response: the ambiguous case, where the client cannot know.
	FaultHangUpAfter
	// FaultCutBody applies the request, sends the response headers with the
	// full Content-Length, then only the first half of the body, then closes
	// the connection.
	FaultCutBody
	// FaultStall applies nothing and answers nothing: the request blocks until
	// the client goes away or the server is closed.
	FaultStall
	// FaultDelay waits Fault.Delay, then applies and answers the request as
	// if there were no fault. The wait is a time.Timer (the bubble's clock
	// inside testing/synctest); it ends early, without applying the request
	// and without an answer, when the client goes away or the server closes.
	FaultDelay
)

// String names the kind: "none", "status", "hang-up-before", "hang-up-after",
// "cut-body", "stall" or "delay".
func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultStatus:
		return "status"
	case FaultHangUpBefore:
		return "hang-up-before"
	case FaultHangUpAfter:
		return "hang-up-after"
	case FaultCutBody:
		return "cut-body"
	case FaultStall:
		return "stall"
	case FaultDelay:
		return "delay"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault describes a failure for InjectFault.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string
	// Path matches the request path; "" matches any. Either a route pattern
	// ("/batches/", "/batches/{id}", "/batches/{id}/source",
	// "/batches/{id}/results", "/apiv2/hlr", "/apiv2/mnp",
	// "/apiv2/validate", "/apiv2/balance") or a literal path
	// ("/batches/1001/source").
	// A trailing slash is not significant.
	Path string
	// Times is how many matching requests get the fault; 0 means 1.
	Times int
	// Kind is the failure. A zero Kind with a non-zero Status means
	// FaultStatus; with a non-zero Delay (and no Status), FaultDelay.
	Kind FaultKind
	// Status is the HTTP status for FaultStatus (429, 500, 502, 503, 504 …).
	Status int
	// RetryAfter is the Retry-After header value for FaultStatus, e.g. "1" or
	// an HTTP-date; "" sends none.
	RetryAfter string
	// Delay is how long FaultDelay holds the request before serving it.
	Delay time.Duration
}

type pendingFault struct {
	Fault
	left int
}

// InjectFault arranges for the next f.Times requests matching f.Method and
// f.Path to get the fault f. Faults are checked before authentication, in
// the order they were injected; the first that matches is used. It panics
// on a fault without a kind, a FaultStatus without a status, or a FaultDelay
// without a positive Delay.
//
// Note that net/http's Transport silently retries a GET (or any replayable,
// idempotent request) once on a fresh connection when a reused keep-alive
// connection is closed without a response; such a retry consumes another
// Times. Use a fresh transport, or Times: 2, when that matters.
func (s *Server) InjectFault(f Fault) {
	if f.Kind == FaultNone && f.Status != 0 {
		f.Kind = FaultStatus
	}
	if f.Kind == FaultNone && f.Delay > 0 {
		f.Kind = FaultDelay
	}
	if f.Kind <= FaultNone || f.Kind > FaultDelay {
		panic("hlrlookuptest: InjectFault needs a Kind (or a Status)")
	}
	if f.Kind == FaultStatus && (f.Status < 100 || f.Status > 999) {
		panic("hlrlookuptest: InjectFault: FaultStatus needs a Status")
	}
	if f.Kind == FaultDelay && f.Delay <= 0 {
		panic("hlrlookuptest: InjectFault: FaultDelay needs a positive Delay")
	}
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &pendingFault{Fault: f, left: f.Times})
}

// takeFaultLocked consumes one use of the first pending fault matching the
// request and returns it, or nil.
func (s *Server) takeFaultLocked(method, path, pattern string) *Fault {
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && f.Path != pattern &&
			strings.TrimSuffix(f.Path, "/") != strings.TrimSuffix(path, "/") {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		fc := f.Fault
		return &fc
	}
	return nil
}

// writeFaultStatus sends the canned response of a FaultStatus, its JSON
// error bodies (429 and other 4xx) written by writeErr.
func writeFaultStatus(w http.ResponseWriter, f *Fault, writeErr func(w http.ResponseWriter, status int, code, message string)) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	text := http.StatusText(f.Status)
	switch {
	case f.Status == http.StatusTooManyRequests:
		writeErr(w, f.Status, "TOO_MANY_REQUESTS", "Please try again later")
	case f.Status == http.StatusInternalServerError:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(f.Status)
	case f.Status == http.StatusBadGateway || f.Status == http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			f.Status, text, f.Status, text)
	case f.Status == http.StatusServiceUnavailable:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "%s: the service is temporarily unavailable, try again later\n", text)
	case f.Status >= 400 && f.Status < 500:
		writeErr(w, f.Status, codeForStatus(f.Status), "injected fault: "+text)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "%d %s\n", f.Status, text)
	}
}

// codeForStatus is the error code the fake uses for a 4xx status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusConflict:
		return codeDataAlreadyLoaded
	case http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		return codeInvalidRequest
	case http.StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	}
	return codeBadRequest
}
