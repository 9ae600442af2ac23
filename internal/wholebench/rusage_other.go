//go:build !unix

package main

import "os"

// maxRSSKB is unknown (-1) where getrusage is not.
func maxRSSKB(*os.ProcessState) int64 { return -1 }
