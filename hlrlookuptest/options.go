package hlrlookuptest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// APIKey and Secret are the credentials of the default account of every
// Server. Batches requests carry them as the apikey and secret query
// parameters, lookup requests as api_key and api_secret in the JSON body.
const (
	APIKey = "test-key"
	Secret = "test-secret"
)

// DefaultMaxUploadBytes and DefaultMaxUploadNumbers are the documented
// limits of numbers sent in a request body (2 MiB, 100,000 numbers). The
// wire cannot tell such a body from a file upload, which has no documented
// limit, so the fake does not apply them unless asked: pass them to
// WithUploadLimits to have it refuse larger uploads.
const (
	DefaultMaxUploadBytes   = 2 << 20
	DefaultMaxUploadNumbers = 100_000
)

// ServerOption configures a Server built by NewServer.
type ServerOption func(*config)

// account is one set of credentials known to the fake.
type account struct {
	key, secret string
	ownerName   string // the Batch object's ownerName: "1", "2", … in order of creation
}

type config struct {
	accounts   []account
	processing Processing
	now        func() time.Time
	envelope   Envelope
	numericIDs bool
	maxBytes   int64
	maxNumbers int
	noNetwork  bool

	balance        float64                              // every account's starting credit
	lookupEnvelope Envelope                             // of the lookup endpoints' answers
	lookupDelay    func(numbers []string) time.Duration // nil: none

	// Variants that contradict one assumed wire detail each (see the
	// package documentation, "Variants").
	jsonByAccept     bool           // WithJSONByAccept
	statusEmpty      string         // WithPreStartStatuses: NEW on the wire
	statusLoaded     string         // WithPreStartStatuses: READY on the wire
	listPaging       ListPaging     // WithListPaging
	errorBodies      ErrorBodyStyle // WithErrorBodies
	dataLoadedStatus int            // WithDataAlreadyLoadedStatus
	balanceAnswer    BalanceAnswer  // WithBalanceAnswer

	// WithoutLookupFields, WithLookupFieldRenamed: the edits of each
	// kind's records, in order.
	lookupEdits map[hlrlookup.LookupKind][]fieldEdit
}

func defaultConfig() config {
	return config{
		accounts:   []account{{key: APIKey, secret: Secret, ownerName: "1"}},
		processing: Instant(),
		now:        time.Now,
		envelope:   EnvelopeArray,

		balance:        DefaultBalance,
		lookupEnvelope: EnvelopeResults,

		statusEmpty:      StatusNew,
		statusLoaded:     StatusReady,
		dataLoadedStatus: http.StatusConflict,
	}
}

// WithAccount adds an account besides the default APIKey/Secret one. Batches
// belong to the account that created them: other accounts get 403 FORBIDDEN
// for them and do not see them in the list. Accounts get the ownerName "2",
// "3", … in the order they are added. It panics on an empty key or secret.
func WithAccount(apiKey, secret string) ServerOption {
	if apiKey == "" || secret == "" {
		panic("hlrlookuptest: WithAccount needs a non-empty key and secret")
	}
	return func(c *config) {
		c.accounts = append(c.accounts, account{
			key: apiKey, secret: secret, ownerName: fmt.Sprint(len(c.accounts) + 1),
		})
	}
}

// WithoutNetwork makes a Server that opens no socket: its Client and
// Transport call the server's handler in memory, on a goroutine per request,
// and its URL (https://hlrlookuptest.invalid) names no real host. The answers
// are those the networked server gives: the same statuses, headers (a
// Content-Length when net/http's server would send one, chunked otherwise),
// streamed bodies and faults (a hang-up fails the request, a cut body ends in
// io.ErrUnexpectedEOF, a FaultStall lasts until the request's context ends).
// A request after Close fails as a refused connection does.
//
// With no socket, every wait is on channels and timers, so a test of code
// that polls and retries runs inside a testing/synctest bubble, where the
// clock jumps ahead whenever every goroutine waits: WaitForBatch's default
// five-second polls and a Retry-After of a minute take microseconds (see the
// package documentation). Create, use and close the Server inside the
// bubble. Connections is always 0 for such a server.
func WithoutNetwork() ServerOption {
	return func(c *config) { c.noNetwork = true }
}

// WithProcessing sets how a started batch advances. The default is Instant().
func WithProcessing(p Processing) ServerOption {
	return func(c *config) { c.processing = p }
}

// WithClock sets the server clock (default time.Now). It drives Rate
// processing, scheduled starts, creationDate, result timestamps and
// Request.At. The function must be safe for concurrent use.
func WithClock(now func() time.Time) ServerOption {
	if now == nil {
		panic("hlrlookuptest: WithClock(nil)")
	}
	return func(c *config) { c.now = now }
}

// Envelope selects the shape of the JSON results download.
type Envelope int

const (
	// EnvelopeArray sends a bare JSON array of records (the default).
	EnvelopeArray Envelope = iota
	// EnvelopeResults sends {"results":[…]}.
	EnvelopeResults
	// EnvelopeBody sends {"body":{"results":[…]}}.
	EnvelopeBody
)

// WithJSONEnvelope sets the envelope of GET /batches/{id}/results?format=json.
// The real envelope is unknown; the SDK must accept all three.
func WithJSONEnvelope(e Envelope) ServerOption {
	return func(c *config) { c.envelope = e }
}

// WithNumericIDs makes the server send batch ids as JSON numbers (1001)
// instead of strings ("1001"), to test tolerant decoding.
func WithNumericIDs() ServerOption {
	return func(c *config) { c.numericIDs = true }
}

// WithUploadLimits sets the largest upload the fake accepts, in bytes and in
// numbers; a value <= 0 sets no limit of that kind. By default there is
// none: a file upload has no documented limit, and the wire cannot tell a
// file from numbers sent in the body (the SDK refuses a body over
// MaxBodyBytes or MaxBodyNumbers before sending it). A limit, when set,
// applies to every POST /batches/{id}/source; WithUploadLimits(
// DefaultMaxUploadBytes, DefaultMaxUploadNumbers) makes the fake refuse what
// the service refuses in a body.
func WithUploadLimits(maxBytes int64, maxNumbers int) ServerOption {
	return func(c *config) {
		if maxBytes > 0 {
			c.maxBytes = maxBytes
		}
		if maxNumbers > 0 {
			c.maxNumbers = maxNumbers
		}
	}
}

// Processing says how a started batch advances from PROCESSING to COMPLETE.
// The zero value is Instant().
type Processing struct {
	kind    processingKind
	perPoll int
	rate    float64
}

type processingKind int

const (
	procInstant processingKind = iota
	procPerPoll
	procRate
)

// Instant completes a batch the moment it starts: the PUT that starts it
// already answers COMPLETE.
func Instant() Processing { return Processing{kind: procInstant} }

// PerPoll completes n items of a running batch on every GET /batches/{id} of
// that batch (counted before the answer is built), so a test sees progress
// without any clock. It panics if n < 1.
func PerPoll(n int) Processing {
	if n < 1 {
		panic("hlrlookuptest: PerPoll needs n >= 1")
	}
	return Processing{kind: procPerPoll, perPoll: n}
}

// Rate completes itemsPerSecond items per second of the server clock (see
// WithClock) while a batch runs; progress is computed lazily on each request.
// It panics unless itemsPerSecond is a finite number > 0.
func Rate(itemsPerSecond float64) Processing {
	if !(itemsPerSecond > 0) || math.IsInf(itemsPerSecond, 0) {
		panic("hlrlookuptest: Rate needs a finite itemsPerSecond > 0")
	}
	return Processing{kind: procRate, rate: itemsPerSecond}
}

// DefaultBalance is every account's starting credit unless WithBalance sets
// another: a billion credits, enough for any test or benchmark that does not
// mean to run out (and exact in float64 to the quarter credit).
const DefaultBalance = 1_000_000_000

// WithBalance sets the starting credit of every account (the default one and
// those added with WithAccount); the default is DefaultBalance. Lookups and
// batch processing both spend it (see the package documentation); read and
// change it with Server.Balance and Server.SetBalance. It panics on a
// negative, NaN or infinite amount.
func WithBalance(credits float64) ServerOption {
	if !(credits >= 0) || math.IsInf(credits, 0) {
		panic("hlrlookuptest: WithBalance needs a finite amount >= 0")
	}
	return func(c *config) { c.balance = credits }
}

// WithLookupEnvelope sets the envelope of the lookup endpoints' results:
// EnvelopeResults ({"results":[…]}, the default, as production clients read
// it) or EnvelopeBody ({"body":{"results":[…]}}, as the vendor's page shows
// it). It panics on EnvelopeArray: no lookup answer is a bare array.
func WithLookupEnvelope(e Envelope) ServerOption {
	if e != EnvelopeResults && e != EnvelopeBody {
		panic("hlrlookuptest: WithLookupEnvelope needs EnvelopeResults or EnvelopeBody")
	}
	return func(c *config) { c.lookupEnvelope = e }
}

// WithLookupDelay makes the lookup endpoints (hlr, mnp, validate) wait
// delay(numbers) before applying and answering a valid request, numbers
// being the request's telephone_number values in order, so that a test
// decides which answers arrive late, whatever order the requests arrive
// in. A wait ends early, without applying the request and without an
// answer, when the request's context ends or the server closes. The wait is
// a time.Timer, so inside a testing/synctest bubble (with WithoutNetwork) it
// runs on the bubble's clock. delay must be safe for concurrent use; a
// result <= 0 means no wait.
func WithLookupDelay(delay func(numbers []string) time.Duration) ServerOption {
	return func(c *config) { c.lookupDelay = delay }
}

// WithJSONByAccept makes GET /batches/{id}/results choose its format by the
// request's Accept header instead of the query: it ignores the format
// parameter (format=json, format=csv and any other value alike) and answers
// JSON, in the envelope set with WithJSONEnvelope, when Accept prefers
// application/json to text/csv, and CSV otherwise. Preference is by
// q-value, each type's q taken from the most specific range that matches it
// (application/json, then application/*, then */*; a type no range matches
// has q 0); JSON only when its q is strictly higher, so a tie, an Accept
// naming neither and no Accept at all get CSV. Content-Type says which was
// sent (application/json or text/csv).
//
// It imitates a service that negotiates the format by content type, as many
// do, and contradicts WIRE.md row 19 (format=json as the JSON selector). The
// SDK sends Accept "application/json, text/csv;q=0.9, */*;q=0.5" (row 5) on
// every request, so with this switch its plain CSV download gets JSON.
func WithJSONByAccept() ServerOption {
	return func(c *config) { c.jsonByAccept = true }
}

// WithPreStartStatuses sets the status names a batch has on the wire before
// its start: empty with no data loaded (StatusNew by default), loaded once
// its upload is stored (StatusReady by default); "" keeps that default. Only
// the names change: the batch behaves as before (a start without data is
// refused, a loaded batch starts, and so on), error messages that name the
// status use the new names, and Batch reports them too. Any name is
// accepted, even one the SDK knows (PAUSED, COMPLETE): that is the point of
// some variants.
//
// It imitates a service whose statuses before the start are not the fake's
// NEW and READY (e.g. CREATED, WAITING, UPLOADED), and contradicts the
// pre-start reading of WIRE.md row 26: a loaded batch read back before its
// start has a status the SDK does not expect.
func WithPreStartStatuses(empty, loaded string) ServerOption {
	return func(c *config) {
		if empty != "" {
			c.statusEmpty = empty
		}
		if loaded != "" {
			c.statusLoaded = loaded
		}
	}
}

// ListPaging selects the query and the envelope of GET /batches/.
type ListPaging int

const (
	// ListByOffset reads offset and limit from the query and answers
	// {"total","offset","limit","batches":[…]} (the default, WIRE.md rows 7
	// and 22).
	ListByOffset ListPaging = iota
	// ListByPage reads page (1-based; 0 or none is the first) and per_page
	// from the query, ignores offset and limit, and answers
	// {"total","page","per_page","batches":[…]}. per_page has the default
	// and the cap of limit (10 and 100; 0 means the default), and the same
	// validation (a non-negative integer, else 400).
	ListByPage
)

// WithListPaging sets how GET /batches/ pages (ListByOffset by default).
// ListByPage imitates a service that pages by page number, as many do: the
// SDK's offset and limit are then ignored (every list is the first page of
// 10) and its envelope has page and per_page instead of offset and limit. It
// contradicts WIRE.md row 7 (the list query's names) and, through its
// envelope, row 22 (the list envelope's fields): which row a report names is
// the reader's choice. It panics on an unknown value.
func WithListPaging(p ListPaging) ServerOption {
	if p != ListByOffset && p != ListByPage {
		panic("hlrlookuptest: WithListPaging needs ListByOffset or ListByPage")
	}
	return func(c *config) { c.listPaging = p }
}

// ErrorBodyStyle selects the body of the batches endpoints' error answers.
type ErrorBodyStyle int

const (
	// ErrorBodyCode sends {"error":"CODE","message":"…"} (the default,
	// WIRE.md row 37).
	ErrorBodyCode ErrorBodyStyle = iota
	// ErrorBodyMessage sends {"message":"…"}: the message alone, no code.
	ErrorBodyMessage
	// ErrorBodyText sends the message as a text/plain sentence (with a
	// trailing newline): no JSON, no code.
	ErrorBodyText
	// ErrorBodyStatusCode sends a JSend-style error:
	// {"status":"error","code":409,"error_code":"CODE","message":"…"}, code
	// being the HTTP status as a number and the fake's code under
	// error_code, so that nothing is in "error".
	ErrorBodyStatusCode
)

// WithErrorBodies sets the body of every error answer of the batches
// endpoints (/batches/…), those of injected faults that have a JSON body
// (a FaultStatus 429 or other 4xx) included; statuses and headers other than
// Content-Type are unchanged. The lookup endpoints (/apiv2/…) keep their
// documented bodies. It imitates a service whose errors are not shaped as
// assumed, and contradicts WIRE.md row 37 (the error body); with
// ErrorBodyMessage and ErrorBodyText row 38's codes cannot be observed at
// all, with ErrorBodyStatusCode only under another key. It panics on an
// unknown style.
func WithErrorBodies(s ErrorBodyStyle) ServerOption {
	if s < ErrorBodyCode || s > ErrorBodyStatusCode {
		panic("hlrlookuptest: WithErrorBodies needs ErrorBodyCode, ErrorBodyMessage, ErrorBodyText or ErrorBodyStatusCode")
	}
	return func(c *config) { c.errorBodies = s }
}

// WithDataAlreadyLoadedStatus sets the HTTP status of the refusal of a
// second upload to a batch (409 by default); its body (code
// DATA_ALREADY_LOADED) is unchanged, in the style WithErrorBodies sets.
// status must be 200 (a refusal inside a success, as the lookup API's
// errors in a 200) or from 400 to 599; it panics otherwise. It imitates a
// service that answers this refusal with another status (400 or 422 are
// the likely ones), and contradicts WIRE.md row 42 (the status of "a batch
// takes data once").
func WithDataAlreadyLoadedStatus(status int) ServerOption {
	if status != http.StatusOK && (status < 400 || status > 599) {
		panic("hlrlookuptest: WithDataAlreadyLoadedStatus needs 200 or a status from 400 to 599")
	}
	return func(c *config) { c.dataLoadedStatus = status }
}

// BalanceAnswer selects the body of POST /apiv2/balance's answer.
type BalanceAnswer int

const (
	// BalanceAnswerCredits sends {"Status":"OK","Credits":1234.5} (the
	// default, WIRE.md row L3).
	BalanceAnswerCredits BalanceAnswer = iota
	// BalanceAnswerLowerCase sends {"status":"OK","credits":"1234.5"}:
	// lower-case keys and the amount as a numeric string. Row L3 allows
	// both, so this one contradicts nothing: a control for code that must
	// not report a tolerated difference.
	BalanceAnswerLowerCase
	// BalanceAnswerBody sends {"body":{"Status":"OK","Credits":1234.5}}: the
	// default answer in the {"body":…} envelope the vendor's page shows
	// around lookup results.
	BalanceAnswerBody
	// BalanceAnswerBalance sends {"balance":"1234.50"}: the amount under
	// another key, as a string with two decimals, and no status.
	BalanceAnswerBalance
)

// WithBalanceAnswer sets the body of POST /apiv2/balance's answer (200,
// application/json, the account's credit as Balance reports it). It
// imitates a service whose balance answer is not the one real clients were
// seen reading: BalanceAnswerBody and BalanceAnswerBalance contradict
// WIRE.md row L3 (the balance answer); BalanceAnswerLowerCase stays within
// it. The request and its errors are unchanged. It panics on an unknown
// value.
func WithBalanceAnswer(a BalanceAnswer) ServerOption {
	if a < BalanceAnswerCredits || a > BalanceAnswerBalance {
		panic("hlrlookuptest: WithBalanceAnswer needs BalanceAnswerCredits, BalanceAnswerLowerCase, BalanceAnswerBody or BalanceAnswerBalance")
	}
	return func(c *config) { c.balanceAnswer = a }
}

// WithoutLookupFields leaves fields out of every record the lookup endpoint
// kind (hlrlookup.LookupHLR, LookupMNP or LookupValidate: "hlr", "mnp",
// "validate") answers, INSUFFICIENT_CREDIT records included where they have
// the field. A field is a top-level key ("is_ported") or a key one level
// down, after a dot ("current_network_details.mccmnc"). WithoutLookupFields
// and WithLookupFieldRenamed apply in the order given; an edit of a field an
// earlier one removed does nothing. The records' other fields keep their
// order and values.
//
// It imitates a service whose lookup records lack fields the SDK reads, and
// contradicts WIRE.md row L10 (the records: the HLR_V2 record plus
// disposable_number, MNP and validate records the subsets LOOKUPS.md
// assumes). It panics on an unknown kind, or a field kind's records do not
// have (see the package documentation for each kind's fields).
func WithoutLookupFields(kind hlrlookup.LookupKind, fields ...string) ServerOption {
	edits := make([]fieldEdit, len(fields))
	for i, f := range fields {
		edits[i] = newFieldEdit("WithoutLookupFields", kind, f, "")
	}
	return func(c *config) { c.addLookupEdits(kind, edits) }
}

// WithLookupFieldRenamed sends field under the name newName in every record
// the lookup endpoint kind answers, in the same place and with the same
// value; kind and field are as for WithoutLookupFields. It imitates a
// service that spells a field otherwise (e.g. "ported" for "is_ported",
// "mccmnc" as "mcc_mnc"), and contradicts WIRE.md row L10. It panics on an
// unknown kind or field, an empty newName, or one that names a field beside
// it already.
func WithLookupFieldRenamed(kind hlrlookup.LookupKind, field, newName string) ServerOption {
	if newName == "" {
		panic("hlrlookuptest: WithLookupFieldRenamed needs a new name")
	}
	edit := newFieldEdit("WithLookupFieldRenamed", kind, field, newName)
	return func(c *config) { c.addLookupEdits(kind, []fieldEdit{edit}) }
}

func (c *config) addLookupEdits(kind hlrlookup.LookupKind, edits []fieldEdit) {
	if c.lookupEdits == nil {
		c.lookupEdits = make(map[hlrlookup.LookupKind][]fieldEdit)
	}
	c.lookupEdits[kind] = append(c.lookupEdits[kind], edits...)
}

// newFieldEdit checks an edit of field in kind's records against a
// generated record of that kind, and panics, naming option, when it cannot
// apply.
func newFieldEdit(option string, kind hlrlookup.LookupKind, field, newName string) fieldEdit {
	fail := func(format string, a ...any) {
		panic(fmt.Sprintf("hlrlookuptest: %s: "+format, append([]any{option}, a...)...))
	}
	sample, ok := sampleLookupRecord(string(kind))
	if !ok {
		fail("unknown lookup kind %q (use hlr, mnp or validate)", kind)
	}
	path := strings.Split(field, ".")
	if len(path) > 2 || slices.Contains(path, "") {
		fail("field %q: a key, or a key and one nested key after a dot", field)
	}
	obj := sample
	for i, key := range path {
		v, ok := obj[key]
		if !ok {
			fail("the %s records have no field %q", kind, field)
		}
		if i == len(path)-1 {
			if _, clash := obj[newName]; clash && newName != "" {
				fail("%q is a field beside %q already", newName, field)
			}
			break
		}
		if obj, ok = v.(map[string]any); !ok {
			fail("field %q: %q is not an object", field, key)
		}
	}
	return fieldEdit{path: path, newName: newName}
}
