package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/seed682fd871/hlrlookup"
)

// Exit codes.
const (
	exitOK    = 0 // success
	exitError = 1 // an API or I/O error
	exitUsage = 2 // a usage error: bad flags, arguments or configuration
)

// app is one invocation of hlrbatch: its streams, environment and whether
// they are terminals.
type app struct {
	stdin     io.Reader
	stdout    io.Writer // text and JSON, control characters escaped
	stderr    io.Writer // messages, control characters escaped
	rawStdout io.Writer // results as downloaded; nil: stdout
	rawStderr io.Writer // progress bars, which draw with escapes; nil: stderr
	getenv    func(string) string
	// transport carries the doctor's requests beneath its recorder; nil
	// means a transport of its own. Tests set the fake service's.
	transport http.RoundTripper
	stdinTTY  bool // ask before deleting
	stdoutTTY bool // results shown, not piped: escape them too
	stderrTTY bool // draw progress bars
}

// run runs hlrbatch with args (without the program name) and returns the exit
// code. main calls it with the process's streams; tests call it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := newApp(stdin, stdout, stderr, getenv)
	code := a.main(ctx, args)
	a.stdout.(*controlEscaper).flush()
	a.stderr.(*controlEscaper).flush()
	return code
}

// newApp returns the app of one run on these streams.
func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *app {
	return &app{
		stdin:     stdin,
		stdout:    &controlEscaper{w: stdout},
		stderr:    &controlEscaper{w: stderr},
		rawStdout: stdout,
		rawStderr: stderr,
		getenv:    getenv,
		stdinTTY:  isTerminal(stdin),
		stdoutTTY: isTerminal(stdout),
		stderrTTY: isTerminal(stderr),
	}
}

// resultsOut is where downloaded results go on standard output: as they
// are into a pipe or file, with control characters escaped on a terminal.
func (a *app) resultsOut() io.Writer {
	if a.stdoutTTY || a.rawStdout == nil {
		return a.stdout
	}
	return a.rawStdout
}

// progressOut is where progress bars draw: the terminal itself.
func (a *app) progressOut() io.Writer {
	if a.rawStderr == nil {
		return a.stderr
	}
	return a.rawStderr
}

// isTerminal reports whether v is a file open on a terminal. A character
// device is not enough: /dev/null is one, and nobody answers a prompt there.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// main dispatches to a command and turns its error into a message and an
// exit code.
func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.printOverview(a.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		a.printOverview(a.stdout)
		return exitOK
	case "help":
		if len(rest) == 0 {
			a.printOverview(a.stdout)
			return exitOK
		}
		if c := findCommand(rest[0]); c != nil {
			return a.report(ctx, c, a.printHelp(ctx, c))
		}
		fmt.Fprintf(a.stderr, "hlrbatch: unknown command %q\nRun 'hlrbatch --help' for the list of commands.\n", rest[0])
		return exitUsage
	case "-v", "-version", "--version":
		name = "version"
	}
	c := findCommand(name)
	if c == nil {
		fmt.Fprintf(a.stderr, "hlrbatch: unknown command %q\nRun 'hlrbatch --help' for the list of commands.\n", name)
		return exitUsage
	}
	return a.report(ctx, c, c.run(ctx, a, c, rest))
}

// report prints err, if any, and returns the exit code for it.
func (a *app) report(ctx context.Context, c *command, err error) int {
	var (
		usage *usageError
		intr  *interruptedError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelpShown):
		return exitOK
	case errors.As(err, &intr):
		fmt.Fprintln(a.stderr, intr.Error())
		return exitInterrupted
	case ctx.Err() != nil:
		fmt.Fprintln(a.stderr, "interrupted")
		return exitInterrupted
	case errors.As(err, &usage):
		fmt.Fprintf(a.stderr, "hlrbatch %s: %s\nRun 'hlrbatch %s --help' for usage.\n", c.name, usage.msg, c.name)
		return exitUsage
	case errors.Is(err, hlrlookup.ErrInvalidInput):
		// The SDK refused an argument before sending anything: a usage error.
		fmt.Fprintf(a.stderr, "hlrbatch: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(a.stderr, "hlrbatch: %v\n", err)
		return exitError
	}
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// interruptedError is a command stopped by Ctrl-C, with what to do next.
type interruptedError struct{ msg string }

func (e *interruptedError) Error() string { return e.msg }

// errHelpShown ends a command whose --help was printed: exit code 0.
var errHelpShown = errors.New("help shown")

// printOverview prints the list of commands.
func (a *app) printOverview(w io.Writer) {
	var b strings.Builder
	b.WriteString("hlrbatch runs HLR Lookup batches, and instant lookups, from the shell.\n\n")
	b.WriteString("Usage:\n  hlrbatch COMMAND [ARGS] [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Credentials come from HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET; --base-url or
HLRLOOKUP_BASE_URL points hlrbatch at another service (a test server), and
--lookup-url or HLRLOOKUP_LOOKUP_URL the instant lookups (lookup, balance,
doctor).
Every command takes --json (machine-readable output) and --help.
Exit codes: 0 success, 1 API or I/O error, 2 usage error, 130 interrupted.

Examples:
  hlrbatch demo
  hlrbatch run numbers.csv --column B --out results.csv
  hlrbatch list --json
  hlrbatch lookup +447700900001 +14155550100

Run 'hlrbatch COMMAND --help' for more about a command.
`)
	io.WriteString(w, b.String())
}
