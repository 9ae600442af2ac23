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

// batchError sends an error answer of the batches endpoints: status, and a
// body holding code and message in the style WithErrorBodies set.
func (s *Server) batchError(w http.ResponseWriter, status int, code, message string) {
	switch s.cfg.errorBodies {
	case ErrorBodyMessage:
		writeJSON(w, status, struct {
			Message string `json:"message"`
		}{message})
	case ErrorBodyText:
		b := []byte(message + "\n")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
	case ErrorBodyStatusCode:
		writeJSON(w, status, struct {
			Status    string `json:"status"`
			Code      int    `json:"code"`
			ErrorCode string `json:"error_code"`
			Message   string `json:"message"`
		}{"error", status, code, message})
	default:
		writeError(w, status, code, message)
	}
}

// writeError sends {"error":code,"message":message} with status: the
// assumed error body of the batches API (the default of batchError) and the
// documented one of the lookup API.
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
