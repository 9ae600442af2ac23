// Package hlrlookuptest is an in-memory fake of HLR Lookup's batches API
// ("Bulk Uploads Via API") and of its instant lookups (APIv2: HLR, MNP,
// validation, balance) on net/http/httptest, for tests of code that uses
// package hlrlookup and for its examples.
//
// A Server is stateful, concurrency-safe and deterministic: batch ids are
// sequential (1001, 1002, …), results are a pure function of each number and
// the options (the same for a batch and a lookup), and nothing sleeps except
// a FaultStall, a FaultDelay and WithLookupDelay. Tests can inject transport
// and HTTP faults (InjectFault), read a redacted log of every request
// (Requests), count TCP connections (Connections) and requests in flight
// (InFlight, MaxInFlight), inspect stored batches (Batch, Numbers), and read
// each account's credit (Balance) and how often each number was charged
// (Charges).
//
//	srv := hlrlookuptest.NewServer(hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(10)))
//	defer srv.Close()
//	client := srv.Client()
//
// # Without a network, inside synctest
//
// NewServer(WithoutNetwork()) opens no socket: its Client (and Transport, for
// an *http.Client of your own) calls the handler in memory and answers as the
// networked server does: statuses, headers, a Content-Length where net/http
// would send one, streamed bodies, and every fault; a FaultStall ends when
// the request's context does. Created inside a testing/synctest bubble, such
// a server lets a test of code that polls and retries (WaitForBatch's
// five-second polls, a Retry-After of a minute, a deadline) run on the
// bubble's clock, in microseconds:
//
//	synctest.Test(t, func(t *testing.T) {
//		srv := hlrlookuptest.NewServer(hlrlookuptest.WithoutNetwork(),
//			hlrlookuptest.WithProcessing(hlrlookuptest.Rate(1)))
//		defer srv.Close()
//		client := srv.Client()
//		// ... create, upload and start a batch, then:
//		b, err := client.WaitForBatch(t.Context(), id, nil)
//	})
//
// # Routes
//
// Every request needs the query parameters apikey and secret of an account
// (APIKey/Secret, or one added with WithAccount); they are checked first,
// after injected faults.
//
//	GET    /batches/                   list the caller's batches, oldest first: {"total","offset","limit","batches":[…]}
//	POST   /batches/                   create: {"filename","type","batchArguments"} → 201 and the batch
//	GET    /batches/{id}               the batch
//	PUT    /batches/{id}/              {"status":"PROCESSING"}, {"status":"PAUSED"} or {"scheduledStart":"RFC 3339"} → 200 and the batch
//	DELETE /batches/{id}               → 200 and the batch as it was; the id is gone for good
//	POST   /batches/{id}/source        upload CSV or text, ?column=N (0-based) → 200 and the batch
//	GET    /batches/{id}/results       CSV, or JSON with ?format=json
//
// A trailing slash is optional on every route.
//
// The lookup endpoints of LOOKUPS.md take the credentials in the JSON body
// instead, as api_key and api_secret, and ignore the query string:
//
//	POST   /apiv2/hlr                  {"api_key","api_secret","requests":[{"telephone_number":…, options…}, …]} → 200 {"results":[…]}
//	POST   /apiv2/mnp                  the same → MNP records
//	POST   /apiv2/validate             the same → validation records
//	POST   /apiv2/balance              {"api_key","api_secret"} → 200 {"Status":"OK","Credits":1234.5}
//
// Any other path under /apiv2/ is a 404 with an empty body. Server.Client
// points both the SDK's batches URL and its lookup URL (LookupURL) at the
// server.
//
// # Assumptions
//
// WIRE.md is the law; where the vendor's page is silent the fake
// assumes the following. Each is a choice, not a fact about the real
// service.
//
//   - Statuses: NEW after create, READY after the upload, SCHEDULED after a
//     schedule, then PROCESSING, PAUSED, COMPLETE. A scheduled batch starts
//     by itself when the server clock passes scheduledStart (checked lazily
//     on every request and by Batch).
//   - Start (PUT PROCESSING) of a NEW batch is 400 BAD_REQUEST "no data
//     loaded", of a COMPLETE one 400 BAD_REQUEST; of a PROCESSING batch it is
//     a 200 no-op, so retries are safe; READY, PAUSED and SCHEDULED batches
//     start (resume) at once. With Instant processing the answer to the start
//     already says COMPLETE.
//   - Pause of a PAUSED batch is a 200 no-op; of a PROCESSING or SCHEDULED
//     batch it pauses; otherwise 400 BAD_REQUEST.
//   - Schedule needs a time strictly in the future (else 400 INVALID_REQUEST)
//     and a READY, PAUSED or SCHEDULED batch (else 400 BAD_REQUEST). A PUT
//     body must hold exactly one of status and scheduledStart.
//   - Create needs "type" HLR_V2 or HLR_LOOKUP; "filename" is optional;
//     "batchArguments" is echoed as sent (compacted; {} when absent or
//     null). ownerName is "1" for the default account, "2", "3", … for the
//     accounts added with WithAccount, in order.
//   - List: limit defaults to 10 (also for limit=0) and is capped at 100;
//     an offset past the end gives an empty page.
//   - Uploads: Content-Type text/csv or text/plain; the body is read as CSV
//     with any number of columns (lazy quotes, a UTF-8 BOM is skipped);
//     blank lines are skipped; a first row whose chosen column holds no digit
//     is a header, kept for the results; short rows are padded. There is no
//     size limit unless WithUploadLimits sets one, which then applies to
//     every upload, since the wire cannot tell a file from a body. A second
//     upload is 409 DATA_ALREADY_LOADED, even while the first is in flight.
//   - Results are only served for COMPLETE batches (else 400 BAD_REQUEST
//     "results not ready"). The CSV download has the file's own columns first
//     (their header names, else column_1…column_N), then the result fields
//     flattened with dots. The JSON download holds only the result records,
//     in the envelope chosen with WithJSONEnvelope.
//   - A result is a function of the number (see ResultRecord): letters, or
//     fewer than 7 or more than 15 digits, give telephone_number_type
//     BAD_FORMAT, live_status NOT_APPLICABLE, networks NOT_AVAILABLE,
//     is_ported UNKNOWN, 0 credits. Otherwise an FNV hash of the digits picks
//     live_status (mostly LIVE; NO_COVERAGE costs 0 credits and has no
//     current network), the number type, porting and the networks, from a
//     small table by calling code (44, 1, 49, 33, 34, 39, 31; others get the
//     test network 001-01). credits_spent is 1, or 0.5 (a global-cache hit)
//     when cache_days_global > 0 and the hash is divisible by 4. A leading
//     "00" or "+" marks an international number; a leading 0 is converted
//     with input_format. formatted_telephone_number is "+digits" unless
//     output_format says E164 (digits) or names the number's own country
//     (national form). timestamp is the time the batch completed.
//   - Defaults echoed in request_parameters: cache days 0, save_to_cache YES,
//     get_ported_date, get_landline_status and usa_status NO, empty formats.
//   - Errors are {"error":"CODE","message":"…"} (unless WithErrorBodies
//     sets another body) with the status and code of WIRE.md's error table,
//     checked in this order: injected fault, authentication (401), path
//     (404), method (405), Content-Type (415), the request's own parameters
//     and JSON body (400), the batch (404 unknown or deleted, 403 another
//     account's), its state (400, 409). An upload body is read only after
//     the batch checks pass.
//
// # Lookup assumptions
//
// LOOKUPS.md is the law for the lookup endpoints; where it is silent the
// fake assumes the following.
//
//   - Checks run in this order: injected fault, path (404, empty body, no
//     credentials needed), method (405 with Allow: POST), Content-Type
//     (anything but application/json is a 400: LOOKUPS.md's error table has
//     no 415), the JSON object (400), credentials (missing, empty or not
//     strings: 400; no such account: 401 UNAUTHORIZED "Invalid api_key or
//     api_secret"), unknown top-level keys (400), then "requests" (400).
//     Every 400 has the code BAD_REQUEST. Messages name the bad item and key
//     but never a value, and never hold a secret.
//   - "requests" is an array of 1 to 80 objects; each needs a string
//     telephone_number and may hold the batchArguments options, with the
//     same rules as for a batch (integers as JSON numbers, YES/NO strings);
//     any other key is a 400. /mnp and /validate take the same set. The
//     request body is at most 1 MiB.
//   - /balance takes only api_key and api_secret and answers the account's
//     credit as a JSON number (in the shape WithBalanceAnswer sets).
//   - Results are in the order of the requests, in the envelope set with
//     WithLookupEnvelope ({"results":[…]} by default). An HLR record is the
//     batch record of the same number and options (ResultRecord), stamped
//     with the server-clock time of the lookup (RFC 3339, whole seconds),
//     plus disposable_number: UNKNOWN for a bad format, YES for some VOIP
//     numbers, else NO. An MNP record has error, uuid, request_parameters,
//     credits_spent, detected_telephone_number, formatted_telephone_number,
//     telephone_number_type, the original and current networks and their
//     details, is_ported and timestamp; a validation record the same
//     without the current network and is_ported. No live_status in either,
//     and no disposable_number.
//   - As for batches, get_ported_date, get_landline_status and usa_status
//     are only echoed: no ported date, no USA status, no extra charge.
//   - Prices: HLR what the record says (1; 0.5 for a global-cache hit; 0
//     for BAD_FORMAT and NO_COVERAGE); MNP 0.5 and validation 0.25 (an
//     assumed price) for every well-formed number; BAD_FORMAT is always free.
//   - Credit: every account starts with WithBalance (DefaultBalance unless
//     set). A lookup charges each number as it is answered; a number that
//     costs more than the credit left gets {"error":"INSUFFICIENT_CREDIT",
//     "request_parameters":{…},"credits_spent":0}, is not charged and not
//     cached, and the request still answers 200 (free numbers after it go
//     through). The credit never goes below 0.
//   - Batch processing spends the same credit: each item is charged to the
//     batch's owner as it completes (at the start with Instant, on each
//     poll with PerPoll, lazily with Rate). An item the credit cannot pay is
//     not charged and has error INSUFFICIENT_CREDIT in the results, with
//     its request_parameters, credits_spent 0 and every other field empty;
//     the batch still completes. (*Server).ResultRecord does not show this.
//   - The private cache is per account and per endpoint, keyed by the
//     detected number. A fresh lookup of a well-formed number with
//     save_to_cache YES (the default) stores its time, replacing an older
//     entry; one with cache_days_private >= 1 whose entry is at most that
//     many days (of 24 hours) old is answered from the cache: the record of
//     the new request's number and options with the cached lookup's
//     timestamp, credits_spent 0, not charged. This holds within one request
//     too (a number sent twice). Batches neither read nor write the cache.
//   - Charges counts, per number exactly as sent, the lookups and batch
//     items that cost more than 0 credits, whichever account paid.
//   - Faults apply to the lookup endpoints as to the others: FaultStatus,
//     FaultHangUpBefore and FaultStall apply nothing (nothing is charged);
//     FaultHangUpAfter and FaultCutBody apply the request (it is charged).
//     WithLookupDelay waits after the request is validated, before it is
//     applied.
//   - The request log records lookups as every request: method, path
//     (the query is empty), no body; and the ReferenceID and AccountID
//     headers, with any account's secret in them replaced by "REDACTED".
//
// # Variants
//
// A few options make the fake contradict one assumed wire detail of WIRE.md
// each, as the real service might, so that code which checks those details
// (hlrbatch doctor) can be tested against every wrong assumption in turn.
// Each leaves everything else as described above. Three older options vary
// details within what WIRE.md allows: WithJSONEnvelope (row 32),
// WithLookupEnvelope (row L9) and WithNumericIDs (row 24).
//
//   - WithJSONByAccept: the results' format is chosen by the Accept header,
//     not by format=json (row 19).
//   - WithPreStartStatuses: other names for NEW and READY, the statuses
//     before the start (row 26).
//   - WithListPaging(ListByPage): the list pages by page and per_page, not
//     by offset and limit, and says so in its envelope (rows 7 and 22).
//   - WithErrorBodies: the batches endpoints' errors have another body: a
//     message alone, plain text, or a JSend-style object (row 37, and with
//     it row 38's codes).
//   - WithDataAlreadyLoadedStatus: a second upload is refused with another
//     status than 409 (row 42).
//   - WithBalanceAnswer: the balance answer in another shape (row L3);
//     BalanceAnswerLowerCase is a control that stays within the row.
//   - WithoutLookupFields, WithLookupFieldRenamed: the HLR, MNP or
//     validation records lack fields, or spell them otherwise (row L10).
//
// # Faults and keep-alive
//
// net/http's Transport retries a replayable request (a GET without a body,
// for one) once on a new connection when a reused keep-alive connection is
// closed without a response. A FaultHangUpBefore or FaultHangUpAfter on
// such a request may therefore be absorbed by the transport and consume a
// second use of the fault; see InjectFault.
package hlrlookuptest
