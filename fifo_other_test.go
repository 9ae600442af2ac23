//go:build !unix

package hlrlookup_test

import "errors"

// makeFIFO reports that named pipes cannot be made here; the FIFO cases are
// left out of the table on such systems.
func makeFIFO(string) error { return errors.ErrUnsupported }
