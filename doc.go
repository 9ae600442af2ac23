// Package hlrlookup is a client for HLR Lookup's batch API ("Bulk Uploads
// Via API"): create a batch, upload a file or a list of phone numbers, start,
// pause or schedule it, wait for it, download the results as CSV or JSON,
// and delete it.
//
// # Getting started
//
// Create one [Client] per set of credentials with [NewClient] and reuse it;
// it is safe for concurrent use:
//
//	client, err := hlrlookup.NewClient(os.Getenv("HLRLOOKUP_API_KEY"), os.Getenv("HLRLOOKUP_SECRET"))
//	if err != nil { … }
//	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "march.csv"})
//	err = client.UploadFile(ctx, batch.ID, "march.csv", nil)
//	err = client.StartBatch(ctx, batch.ID)
//	batch, err = client.WaitForBatch(ctx, batch.ID, nil)
//	for r, err := range client.Results(ctx, batch.ID) { … r.LiveStatus … }
//
// Every method takes a [context.Context] first; cancelling it stops waits,
// retries and transfers at once. Package hlrlookuptest provides an in-memory
// fake of the service for tests and demos, with no credentials and no credits.
//
// # Operations and REST calls
//
//   - [Client.ListBatches], [Client.AllBatches]: GET /batches/
//   - [Client.GetBatch]: GET /batches/{id}
//   - [Client.CreateBatch]: POST /batches/
//   - [Client.UploadFile], [Client.Upload], [Client.UploadNumbers]: POST /batches/{id}/source
//   - [Client.StartBatch], [Client.PauseBatch], [Client.ScheduleBatch]: PUT /batches/{id}/
//   - [Client.WaitForBatch]: GET /batches/{id}, polled
//   - [Client.Download], [Client.DownloadTo], [Client.DownloadFile], [Client.Results]: GET /batches/{id}/results
//   - [Client.DeleteBatch]: DELETE /batches/{id}
//   - [Client.LookupHLR], [Client.LookupMNP], [Client.ValidateNumbers],
//     [Client.Lookups]: POST /apiv2/hlr, /apiv2/mnp, /apiv2/validate on the
//     lookup URL ([WithLookupURL]), at most [MaxLookupNumbers] numbers each
//   - [Client.Balance]: POST /apiv2/balance
//
// # Documented and assumed wire details
//
// The vendor's page lost its code samples, so a few details are this SDK's
// best reading rather than documented fact: the JSON results selector
// (format=json), the list parameters (offset, limit), the pause body, the
// scheduledStart format, the numbers-in-the-body upload form, and the error
// codes behind the sentinels. Answers are decoded tolerantly (three JSON
// results envelopes; errors classified by HTTP status when the code is
// unknown). WIRE.md, at the root of the repository, lists every wire detail,
// whether the vendor documents it or it is assumed, and the one place in the
// code that holds it.
//
// # The request pipeline
//
// Every operation goes down the same layers:
//
//	operation (CreateBatch, UploadFile, …)
//	  → send: builds the request, classifies the answer (client.go)
//	  → go-retryablehttp: retries and backoff, by the SDK's rules (retry.go)
//	  → credential transport: adds apikey and secret for the API's host only (transport.go)
//	  → the caller's transport (WithHTTPClient), or the SDK's own pooled one
//
// The credentials are added beneath the retry layer, to a clone of each
// request: no request above the credential transport carries them, so
// errors, logs, retries and resp.Request never show them.
//
// # Errors
//
// A non-2xx answer is an [*APIError] carrying the status, the server's code
// and message, the request's method and path (never its query), the number
// of attempts and a hint from the service's documentation. Classify it with
// errors.Is and the sentinels (by the server's code where it is one the SDK
// assumes, otherwise by the HTTP status) ([ErrBatchNotFound], [ErrUnauthorized],
// [ErrRateLimited], [ErrServer], …). A request that got no answer is a
// [*RequestError]. Arguments the SDK refuses before sending anything are
// [*InputError] values matching [ErrInvalidInput].
//
// # Retries
//
// Requests go through go-retryablehttp with the default policy
// ([DefaultRetryPolicy] is a copy of it) unless [WithRetryPolicy] says
// otherwise. GET, PUT and DELETE are retried on
// connection errors, 429 and 5xx (not 501). POST (create, upload) is retried
// only when it provably never reached the service (connection refused) or on
// 429 and 503, which the service answers without acting. Retry-After is
// honoured, capped at RetryPolicy.MaxWait, and when it would outlast the
// context's deadline the call fails at once instead of waiting. A create
// whose outcome is unknown returns an error matching [ErrOutcomeUnknown]; an
// upload whose outcome is unknown is settled by reading the batch, so data is
// stored exactly once. A lookup whose outcome is unknown is repeated only
// from the private cache (cache_days_private of at least 1), so that nothing
// is paid for twice, and an answer older than the call is not passed off as
// a fresh lookup: the numbers left in doubt come back in a
// [*LookupOutcomeError] matching [ErrOutcomeUnknown].
//
// # Security
//
// The service takes the API key and secret as query parameters. The SDK adds
// them beneath its retry layer, only to requests for the API's own scheme and
// host, so they never appear in an error, a log line, resp.Request.URL, or
// the client's own formatting; a server's echo of the secret is redacted in
// every encoding, and a redirect that carries it is refused. The one place
// that does see the secret is the transport given with [WithHTTPClient]: it
// sends the request, so a tracing or logging wrapper there must drop the
// query. The instant lookups take the credentials in the JSON body instead:
// the SDK adds none to their query, never logs a request body, keeps the
// secret out of errors and logs as above, and refuses any redirect of such a
// request. Nothing is logged unless [WithLogger] is given.
package hlrlookup
