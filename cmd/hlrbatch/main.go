// Command hlrbatch runs HLR Lookup batches from the shell: create, upload,
// start, wait, download and summarise, with scriptable JSON output; and
// instant lookups (hlrbatch lookup) and the credit balance (hlrbatch balance).
//
// Run "hlrbatch --help" for the commands, or "hlrbatch demo" to see the whole
// flow against the built-in fake service, with no account.
package main

import (
	"context"
	"os"
)

func main() {
	// The signals stay caught until the exit: released earlier, a late
	// Ctrl-C would kill hlrbatch with the default action instead of exit 130.
	ctx, _ := interruptContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}
