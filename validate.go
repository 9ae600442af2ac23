package hlrlookup

import (
	"fmt"
	"net/url"
	"unicode/utf8"
)

// maxIDLen bounds a batch ID; real IDs are short decimal numbers.
const maxIDLen = 128

// checkID refuses a batch ID that is empty, too long, "." or "..", or holds
// anything but letters, digits, '-', '_' and '.', so that no ID can change the
// path of a request (a '/', '?' or '#') or smuggle control characters.
func checkID(op string, id BatchID) error {
	s := string(id)
	switch {
	case s == "":
		return inputError(op, "batch ID", nil, "must not be empty")
	case len(s) > maxIDLen:
		return inputError(op, "batch ID", s, fmt.Sprintf("is longer than %d bytes", maxIDLen))
	case s == "." || s == "..":
		return inputError(op, "batch ID", s, `must not be "." or ".."`)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			continue
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return inputError(op, "batch ID", s, fmt.Sprintf("contains %q at byte %d; only letters, digits, '-', '_' and '.' are allowed", r, i))
	}
	return nil
}

// batchesPath is the resource root below the base URL (documented:
// /batches/): the list and create requests go to it, and every batch's path
// starts with it.
const batchesPath = "batches/"

// batchPath is the path of a batch below the base URL, e.g. "batches/42";
// suffix is appended as is ("/" for the PUT commands, as a real client sends
// them; "/source"; "/results").
func batchPath(id BatchID, suffix string) string {
	return batchesPath + url.PathEscape(string(id)) + suffix
}
