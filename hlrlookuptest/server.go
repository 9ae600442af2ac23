package hlrlookuptest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an in-memory fake of the batches service, listening on a
// loopback httptest server, or on no socket at all (WithoutNetwork). It is
// safe for concurrent use.
type Server struct {
	// URL is the base URL of the fake, e.g. "http://127.0.0.1:41234",
	// to be given to the SDK as its base URL; "https://hlrlookuptest.invalid"
	// for a server made WithoutNetwork, reachable only through its Transport.
	URL string

	ts        *httptest.Server // nil WithoutNetwork
	mem       *memTransport    // non-nil WithoutNetwork
	cfg       config
	conns     atomic.Int64
	closing   chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	nextID  int
	batches map[string]*batch // live batches by id
	order   []*batch          // every batch ever created, oldest first
	faults  []*pendingFault
	log     []*Request

	balances map[string]float64     // credit left, by API key
	charges  map[string]int         // charges by number as sent
	cache    map[cacheKey]time.Time // the private cache: when each lookup ran

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// NewServer starts a fake batches service on a loopback address, or in
// memory with WithoutNetwork. Close it when done, typically with
// t.Cleanup(s.Close).
func NewServer(opts ...ServerOption) *Server {
	s := &Server{
		cfg:     defaultConfig(),
		closing: make(chan struct{}),
		nextID:  firstBatchID,
		batches: make(map[string]*batch),
		charges: make(map[string]int),
		cache:   make(map[cacheKey]time.Time),
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	s.balances = make(map[string]float64, len(s.cfg.accounts))
	for _, a := range s.cfg.accounts {
		s.balances[a.key] = s.cfg.balance
	}
	if s.cfg.noNetwork {
		s.mem = &memTransport{s: s}
		s.URL = "https://" + memoryHost
		return s
	}
	s.ts = httptest.NewUnstartedServer(s)
	s.ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.ts.Start()
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down, first releasing any stalled request, and
// waits for outstanding requests. It may be called more than once. A server
// made WithoutNetwork also ends the exchanges still in flight: answers still
// being read, and request bodies still being sent (such a request is not
// applied).
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	if s.mem != nil {
		s.mem.closeAll()
		return
	}
	s.ts.Close()
}

// Transport returns an http.RoundTripper that reaches the server: for a
// server made WithoutNetwork the in-memory one its Client uses, otherwise
// the transport of the httptest server (closed with the server). Give it to
// an *http.Client of your own, e.g. with hlrlookup.WithHTTPClient.
func (s *Server) Transport() http.RoundTripper {
	if s.mem != nil {
		return s.mem
	}
	return s.ts.Client().Transport
}

// InFlight returns how many requests the server is handling now (stalled
// and delayed ones included), on every route.
func (s *Server) InFlight() int {
	return int(s.inFlight.Load())
}

// MaxInFlight returns the largest number of requests the server handled at
// the same time, on every route, since it started or since the last
// ResetMaxInFlight: a test of a concurrency bound checks it.
func (s *Server) MaxInFlight() int {
	return int(s.maxInFlight.Load())
}

// ResetMaxInFlight sets MaxInFlight back to the number in flight now.
func (s *Server) ResetMaxInFlight() {
	s.maxInFlight.Store(s.inFlight.Load())
}

// enter counts a request in flight; the returned function counts it out.
func (s *Server) enter() func() {
	n := s.inFlight.Add(1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { s.inFlight.Add(-1) }
}

// route is a normalised request path.
type route struct {
	// pattern is "/batches/", "/batches/{id}", "/batches/{id}/source",
	// "/batches/{id}/results", "/apiv2/hlr", "/apiv2/mnp",
	// "/apiv2/validate", "/apiv2/balance", or "" if unknown.
	pattern string
	id      string
	apiv2   bool   // the path is under /apiv2/
	lookup  string // for an /apiv2/ route: "hlr", "mnp", "validate" or "balance"
}

// parseRoute maps a URL path to its route; a trailing slash is optional.
func parseRoute(p string) route {
	if rest, ok := strings.CutPrefix(p, lookupPrefix+"/"); ok || p == lookupPrefix {
		switch kind := strings.TrimSuffix(rest, "/"); kind {
		case kindHLR, kindMNP, kindValidate, kindBalance:
			return route{pattern: lookupPrefix + "/" + kind, apiv2: true, lookup: kind}
		}
		return route{apiv2: true}
	}
	rest, ok := strings.CutPrefix(p, "/batches")
	if !ok {
		return route{}
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return route{pattern: "/batches/"}
	}
	if rest[0] != '/' {
		return route{}
	}
	parts := strings.Split(rest[1:], "/")
	if parts[0] == "" {
		return route{}
	}
	switch {
	case len(parts) == 1:
		return route{pattern: "/batches/{id}", id: parts[0]}
	case len(parts) == 2 && parts[1] == "source":
		return route{pattern: "/batches/{id}/source", id: parts[0]}
	case len(parts) == 2 && parts[1] == "results":
		return route{pattern: "/batches/{id}/results", id: parts[0]}
	}
	return route{}
}

// ServeHTTP logs the request, applies any injected fault, and otherwise
// serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r.URL.Path)
	entry := &Request{
		Method:           r.Method,
		Path:             s.redactSecrets(r.URL.Path),
		Query:            s.loggedQuery(r.URL.Query()),
		ContentType:      r.Header.Get("Content-Type"),
		ContentLength:    r.ContentLength,
		TransferEncoding: append([]string(nil), r.TransferEncoding...),
		ReferenceID:      s.redactSecrets(r.Header.Get("ReferenceID")),
		AccountID:        s.redactSecrets(r.Header.Get("AccountID")),
		At:               s.cfg.now(),
	}
	defer s.enter()()
	pattern := rt.pattern
	if pattern == "" {
		pattern = r.URL.Path
	}
	s.mu.Lock()
	s.log = append(s.log, entry)
	fault := s.takeFaultLocked(r.Method, r.URL.Path, pattern)
	if fault != nil {
		entry.Fault = fault.Kind
	}
	s.mu.Unlock()

	body := &countingReader{r: r.Body}
	r.Body = body
	finish := func(status int, applied bool) {
		s.mu.Lock()
		entry.Status = status
		entry.Applied = applied
		entry.BodyBytes = body.n.Load()
		s.mu.Unlock()
	}

	if fault == nil {
		sw := &statusWriter{ResponseWriter: w}
		s.serve(sw, r, rt)
		finish(sw.code(), true)
		return
	}
	switch fault.Kind {
	case FaultStatus:
		drain(body)
		errorWriter := s.batchError // the fault's JSON body as the batches API's errors
		if rt.apiv2 {
			errorWriter = writeError
		}
		writeFaultStatus(w, fault, errorWriter)
		finish(fault.Status, false)
	case FaultHangUpBefore:
		drain(body)
		finish(0, false)
		panic(http.ErrAbortHandler)
	case FaultHangUpAfter:
		rec := &recorder{header: http.Header{}, discard: true}
		s.serve(rec, r, rt)
		drain(body)
		finish(0, true)
		panic(http.ErrAbortHandler)
	case FaultCutBody:
		rec := &recorder{header: http.Header{}}
		s.serve(rec, r, rt)
		drain(body)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		full := rec.buf.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(full)))
		w.Header().Del("Transfer-Encoding")
		w.WriteHeader(rec.code())
		_, _ = w.Write(full[:len(full)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		finish(rec.code(), true)
		panic(http.ErrAbortHandler)
	case FaultStall:
		drain(body)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		finish(0, false)
		panic(http.ErrAbortHandler)
	case FaultDelay:
		if !s.wait(r.Context(), fault.Delay) {
			finish(0, false)
			panic(http.ErrAbortHandler)
		}
		sw := &statusWriter{ResponseWriter: w}
		s.serve(sw, r, rt)
		finish(sw.code(), true)
	}
}

// wait waits d on a time.Timer; it reports false if ctx ended or the
// server closed first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// serve authenticates and dispatches a request to its handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	if rt.apiv2 {
		s.serveLookup(w, r, rt.lookup)
		return
	}
	acct, ok := s.authenticate(r)
	if !ok {
		drain(r.Body)
		s.batchError(w, http.StatusUnauthorized, codeUnauthorized,
			"missing or wrong apikey or secret: check your KEY or SECRET")
		return
	}
	var allowed []string
	switch rt.pattern {
	case "/batches/":
		allowed = []string{http.MethodGet, http.MethodPost}
		switch r.Method {
		case http.MethodGet:
			s.handleList(w, r, acct)
			return
		case http.MethodPost:
			s.handleCreate(w, r, acct)
			return
		}
	case "/batches/{id}":
		allowed = []string{http.MethodGet, http.MethodPut, http.MethodDelete}
		switch r.Method {
		case http.MethodGet:
			s.handleGet(w, r, acct, rt.id)
			return
		case http.MethodPut:
			s.handlePut(w, r, acct, rt.id)
			return
		case http.MethodDelete:
			s.handleDelete(w, r, acct, rt.id)
			return
		}
	case "/batches/{id}/source":
		allowed = []string{http.MethodPost}
		if r.Method == http.MethodPost {
			s.handleUpload(w, r, acct, rt.id)
			return
		}
	case "/batches/{id}/results":
		allowed = []string{http.MethodGet}
		if r.Method == http.MethodGet {
			s.handleResults(w, r, acct, rt.id)
			return
		}
	default:
		drain(r.Body)
		s.batchError(w, http.StatusNotFound, codeNotFound, "no such path: "+r.URL.Path)
		return
	}
	drain(r.Body)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.batchError(w, http.StatusMethodNotAllowed, codeInvalidRequest,
		"wrong request type "+r.Method+" for "+rt.pattern+"; use "+strings.Join(allowed, " or "))
}

// authenticate finds the account named by the apikey and secret query
// parameters.
func (s *Server) authenticate(r *http.Request) (*account, bool) {
	q := r.URL.Query()
	key, secret := q.Get("apikey"), q.Get("secret")
	for i := range s.cfg.accounts {
		a := &s.cfg.accounts[i]
		if a.key == key && a.secret == secret {
			return a, true
		}
	}
	return nil, false
}

// drain reads and discards what is left of a request body (bounded), so
// that the client finishes sending before the response or the hang-up.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 256<<20))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReadCloser
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// recorder captures a response instead of sending it (for faults that
// apply a request but do not answer it normally).
type recorder struct {
	header  http.Header
	status  int
	discard bool
	buf     bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.discard {
		return len(p), nil
	}
	return r.buf.Write(p)
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
