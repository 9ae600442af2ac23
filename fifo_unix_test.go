//go:build unix

package hlrlookup_test

import "syscall"

// makeFIFO creates a named pipe at path, for the tests that refuse one.
func makeFIFO(path string) error { return syscall.Mkfifo(path, 0o644) }
