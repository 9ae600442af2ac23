package hlrlookuptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// memoryHost is the host of a server made WithoutNetwork. The name is
// reserved (RFC 2606) and never resolves, so a request that misses the
// in-memory transport fails instead of reaching another host; https lets the
// SDK accept it as a base URL without a loopback address.
const memoryHost = "hlrlookuptest.invalid"

// bufferBeforeChunking is how much of a response net/http's server holds
// before it sends the headers: a handler that ends before writing more gets a
// Content-Length, any other answer is chunked unless the handler set one.
const bufferBeforeChunking = 2048

// errServerClosed ends the exchanges still in flight when the server closes.
var errServerClosed = errors.New("hlrlookuptest: the server was closed")

// memTransport is the http.RoundTripper of a server made WithoutNetwork: each
// request runs the server's handler on a new goroutine, with the request's
// context, and the answer streams back through a pipe.
type memTransport struct {
	s *Server

	mu       sync.Mutex
	closed   bool
	inflight map[*memExchange]struct{}
	wg       sync.WaitGroup // the handlers running
}

// memExchange is one request and its answer.
type memExchange struct {
	req    *http.Request // the client's
	cancel context.CancelFunc
	pr     *io.PipeReader
	pw     *io.PipeWriter

	ready chan struct{} // closed once resp or err is set
	resp  *http.Response
	err   error

	// bodyErr is the failure of the client's request body, if any.
	bodyMu  sync.Mutex
	bodyErr error
}

// RoundTrip serves req in memory. It honours req's context: a request still
// waiting for its answer (a FaultStall, say) returns the context's error when
// the context ends, and so does a body still being read; a request body still
// being sent then fails the handler's read, as a dropped connection does, so
// the fake never applies the request.
func (t *memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if req.URL == nil {
		closeBody()
		return nil, errors.New("hlrlookuptest: the request has no URL")
	}
	if !strings.EqualFold(req.URL.Host, memoryHost) || (req.URL.Scheme != "https" && req.URL.Scheme != "http") {
		closeBody()
		return nil, fmt.Errorf("hlrlookuptest: the in-memory transport serves only %s, not %s://%s", t.s.URL, req.URL.Scheme, req.URL.Host)
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody()
		return nil, err
	}
	hctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	x := &memExchange{req: req, cancel: cancel, pr: pr, pw: pw, ready: make(chan struct{})}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		cancel()
		closeBody()
		// As a closed listener would: the connection is refused.
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	if t.inflight == nil {
		t.inflight = make(map[*memExchange]struct{})
	}
	t.inflight[x] = struct{}{}
	t.wg.Add(1)
	t.mu.Unlock()

	go t.serve(hctx, x)
	go func() { // the context ends a body still being read, as net/http's does
		<-hctx.Done() // the request's context, or the handler, ended
		if err := ctx.Err(); err != nil {
			pw.CloseWithError(err)
		}
	}()

	select {
	case <-x.ready:
		return x.resp, x.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// closeAll ends every exchange in flight and waits for their handlers.
func (t *memTransport) closeAll() {
	t.mu.Lock()
	t.closed = true
	for x := range t.inflight {
		x.cancel()
		x.pw.CloseWithError(errServerClosed)
	}
	t.mu.Unlock()
	t.wg.Wait()
}

// serve runs the handler for x on the server-side copy of the request.
func (t *memTransport) serve(ctx context.Context, x *memExchange) {
	defer func() {
		x.cancel()
		if x.req.Body != nil {
			_ = x.req.Body.Close()
		}
		t.mu.Lock()
		delete(t.inflight, x)
		t.mu.Unlock()
		t.wg.Done()
	}()
	sreq := serverRequest(ctx, x)
	w := &memResponseWriter{x: x, header: http.Header{}, head: sreq.Method == http.MethodHead, declared: -1}
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				// As net/http's server does: log, and drop the connection.
				log.Printf("hlrlookuptest: panic serving %s %s: %v\n%s", sreq.Method, sreq.URL.Path, p, debug.Stack())
			}
			w.abort()
		}
	}()
	t.s.ServeHTTP(w, sreq)
	w.finish()
}

// serverRequest is the request as a handler behind net/http's server sees it.
func serverRequest(ctx context.Context, x *memExchange) *http.Request {
	req := x.req
	sreq := req.Clone(ctx)
	sreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	sreq.RequestURI = req.URL.RequestURI()
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	sreq.RemoteAddr = "192.0.2.1:49152"
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	sreq.Close = false
	sreq.GetBody = nil
	sreq.TLS = nil
	if _, ok := req.Header["User-Agent"]; !ok {
		sreq.Header.Set("User-Agent", "Go-http-client/1.1")
	}
	sreq.TransferEncoding = nil
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		sreq.Body, sreq.ContentLength = http.NoBody, 0
	case req.ContentLength > 0:
		sreq.Body = &memRequestBody{x: x, ctx: ctx, r: req.Body, left: req.ContentLength, declared: req.ContentLength}
		sreq.ContentLength = req.ContentLength
		sreq.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	default:
		// An unknown length goes chunked; for a method that usually has no
		// body, net/http's client first reads a byte, and sends an empty
		// body as none.
		var r io.Reader = req.Body
		if lacksBody(req.Method) {
			var first [1]byte
			n, err := io.ReadFull(req.Body, first[:])
			switch {
			case n == 0 && err == io.EOF:
				sreq.Body, sreq.ContentLength = http.NoBody, 0
				return sreq
			case n == 1:
				r = io.MultiReader(strings.NewReader(string(first[:])), req.Body)
			default:
				x.setBodyErr(err)
				r = &errReader{io.ErrUnexpectedEOF}
			}
		}
		sreq.Body = &memRequestBody{x: x, ctx: ctx, r: r, left: -1, declared: -1}
		sreq.ContentLength = -1
		sreq.TransferEncoding = []string{"chunked"}
	}
	return sreq
}

// lacksBody reports the methods whose body net/http's client probes.
func lacksBody(method string) bool {
	switch method {
	case "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH":
		return true
	}
	return false
}

func (x *memExchange) setBodyErr(err error) {
	x.bodyMu.Lock()
	defer x.bodyMu.Unlock()
	if x.bodyErr == nil {
		x.bodyErr = err
	}
}

func (x *memExchange) bodyFailed() error {
	x.bodyMu.Lock()
	defer x.bodyMu.Unlock()
	return x.bodyErr
}

// errReader fails every read.
type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// memRequestBody is the request body as the handler reads it: at most the
// declared length; a client body that fails or ends early fails the request
// (the handler sees io.ErrUnexpectedEOF, as on a dropped connection), and so
// does the end of the exchange (ctx: the request's context ended, or the
// server closed), even while the client's body still has bytes to give.
type memRequestBody struct {
	x        *memExchange
	ctx      context.Context // the handler's: ends with the exchange
	r        io.Reader
	left     int64 // -1: chunked
	declared int64
	read     int64
	closed   bool
}

func (b *memRequestBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.left == 0 {
		return 0, io.EOF
	}
	if b.dropped() {
		return 0, io.ErrUnexpectedEOF
	}
	if b.left > 0 && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	if b.dropped() { // what was read meanwhile never arrived
		return 0, io.ErrUnexpectedEOF
	}
	b.read += int64(n)
	if b.left > 0 {
		b.left -= int64(n)
		if b.left == 0 && err == nil {
			return n, io.EOF
		}
	}
	switch {
	case err == io.EOF && b.left > 0:
		b.x.setBodyErr(fmt.Errorf("http: ContentLength=%d with Body length %d", b.declared, b.read))
		return n, io.ErrUnexpectedEOF
	case err != nil && err != io.EOF:
		b.x.setBodyErr(err)
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *memRequestBody) Close() error {
	b.closed = true
	return nil
}

// dropped reports whether the exchange has ended, as a dropped connection
// ends a body being received; the request then fails with the context's
// error, or as a connection closed by the server does.
func (b *memRequestBody) dropped() bool {
	if b.ctx.Err() == nil {
		return false
	}
	err := b.x.req.Context().Err()
	if err == nil {
		err = errServerClosed
	}
	b.x.setBodyErr(err)
	return true
}

// memResponseWriter is the http.ResponseWriter of an in-memory exchange. It
// answers as net/http's server does: headers are sent on the first Flush, on
// the first write past bufferBeforeChunking bytes, or when the handler ends;
// a Content-Length is set when the handler ended first (or set one itself);
// Date and a sniffed Content-Type are added when missing.
type memResponseWriter struct {
	x         *memExchange
	header    http.Header
	head      bool
	status    int
	sent      http.Header // the headers as sent
	declared  int64       // the Content-Length sent; -1: chunked
	buf       []byte
	committed bool
	written   int64
}

func (w *memResponseWriter) Header() http.Header { return w.header }

func (w *memResponseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.status != 0 || code < 200 {
		return // a superfluous call, or an informational status
	}
	w.status = code
	w.sent = w.header.Clone()
	if cl := w.sent.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declared = n
		} else {
			w.sent.Del("Content-Length")
		}
	}
}

func (w *memResponseWriter) bodyAllowed() bool {
	return !w.head && w.status != http.StatusNoContent && w.status != http.StatusNotModified
}

func (w *memResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.head {
		return len(p), nil
	}
	if !w.bodyAllowed() {
		return 0, http.ErrBodyNotAllowed
	}
	var tooLong bool
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		p, tooLong = p[:w.declared-w.written], true
	}
	w.written += int64(len(p))
	var n int
	var err error
	if !w.committed && len(w.buf)+len(p) <= bufferBeforeChunking {
		w.buf = append(w.buf, p...)
		n = len(p)
	} else {
		if !w.committed {
			w.commit(false)
		}
		n, err = w.send(p)
	}
	if err == nil && tooLong {
		err = http.ErrContentLength
	}
	return n, err
}

// Flush sends the headers and what the handler wrote so far.
func (w *memResponseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(false)
	}
	_, _ = w.send(nil)
}

// send writes the buffered bytes, then p, to the client; it blocks until
// the client reads them.
func (w *memResponseWriter) send(p []byte) (int, error) {
	if len(w.buf) > 0 {
		buf := w.buf
		w.buf = nil
		if _, err := w.x.pw.Write(buf); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	return w.x.pw.Write(p)
}

// commit hands the client its response. done says the handler has ended,
// so the whole body is in buf.
func (w *memResponseWriter) commit(done bool) {
	w.committed = true
	h := w.sent
	if h == nil {
		h = w.header.Clone()
	}
	x := w.x
	if err := x.bodyFailed(); err != nil { // the request never finished sending
		x.err = err
		close(x.ready)
		x.pw.CloseWithError(io.ErrUnexpectedEOF)
		return
	}
	if _, ok := h["Date"]; !ok {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if _, ok := h["Content-Type"]; !ok && w.bodyAllowed() && len(w.buf) > 0 {
		h.Set("Content-Type", http.DetectContentType(w.buf))
	}
	if w.declared < 0 && done && w.bodyAllowed() {
		w.declared = int64(len(w.buf))
		h.Set("Content-Length", strconv.Itoa(len(w.buf)))
	}
	if !w.bodyAllowed() && !w.head {
		h.Del("Content-Length")
		w.declared = 0
	}
	h.Del("Transfer-Encoding")
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		ContentLength: w.declared,
		Request:       x.req,
	}
	switch {
	case w.head || !w.bodyAllowed() || w.declared == 0:
		resp.Body = http.NoBody
		x.pw.Close()
	case w.declared < 0:
		resp.TransferEncoding = []string{"chunked"}
		resp.Body = &memResponseBody{x: x}
	default:
		resp.Body = &memResponseBody{x: x}
	}
	x.resp = resp
	close(x.ready)
}

// finish ends a handler that returned normally.
func (w *memResponseWriter) finish() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(true)
	}
	if _, err := w.send(nil); err != nil {
		return
	}
	if w.declared >= 0 && w.written < w.declared && !w.head {
		// net/http's server drops the connection: the client reads too little.
		w.x.pw.CloseWithError(io.ErrUnexpectedEOF)
		return
	}
	w.x.pw.Close()
}

// abort drops the connection, as a handler's panic does: before the headers
// the request fails; after them the body ends early.
func (w *memResponseWriter) abort() {
	x := w.x
	if !w.committed {
		w.committed = true
		x.err = x.bodyFailed()
		if x.err == nil {
			x.err = fmt.Errorf("hlrlookuptest: the server closed the connection without an answer: %w", io.EOF)
		}
		close(x.ready)
	}
	x.pw.CloseWithError(io.ErrUnexpectedEOF)
}

// memResponseBody is a response body in flight. Closing it early drops the
// connection: the handler's writes fail and its context ends.
type memResponseBody struct {
	x   *memExchange
	eof bool
}

// Read reads the answer; once the request's context has ended, it fails with
// the context's error (unless the body was read to its end).
func (b *memResponseBody) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if err := b.x.req.Context().Err(); err != nil {
		b.x.pw.CloseWithError(err)
		return 0, err
	}
	n, err := b.x.pr.Read(p)
	b.eof = err == io.EOF
	return n, err
}

func (b *memResponseBody) Close() error {
	b.x.pr.Close()
	b.x.cancel()
	return nil
}
