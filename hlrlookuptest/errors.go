package hlrlookuptest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error codes of WIRE.md's error table. The codes themselves are assumed
// (the vendor page lost its headings); keep them here, in one place.
const (
	codeBadRequest            = "BAD_REQUEST"
	codeInvalidRequest        = "INVALID_REQUEST"
	codeInvalidBatchArguments = "INVALID_BATCH_ARGUMENTS"
	codeUnauthorized          = "UNAUTHORIZED"
	codeInvalidJSON           = "INVALID_JSON"
	codeNotFound              = "NOT_FOUND"
	codeForbidden             = "FORBIDDEN"
	codeDataAlreadyLoaded     = "DATA_ALREADY_LOADED"
)

// maxJSONRequestBody bounds the body of create and PUT requests.
const maxJSONRequestBody = 1 << 20

// writeError sends {"error":code,"message":message} with status: the
// assumed error body of the batches API.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{code, message})
}

// writeJSON sends v as JSON with status and a Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "hlrlookuptest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
