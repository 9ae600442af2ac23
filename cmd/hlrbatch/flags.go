package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// command is one hlrbatch subcommand.
type command struct {
	name    string // "run"
	args    string // the positional arguments for the usage line: "FILE"
	summary string // one line for the overview
	help    string // what it does, in a few lines
	example string // one or more example command lines
	run     func(ctx context.Context, a *app, c *command, args []string) error
}

// findCommand returns the command called name, or nil.
func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// invocation holds a command's flag set and the flags every command shares.
type invocation struct {
	a      *app
	c      *command
	fs     *flag.FlagSet
	common map[string]bool // names of the shared flags, listed last in --help

	json      bool
	baseURL   string
	apiKey    string
	lookupURL string
}

// newInvocation starts the flag set of command c with --json.
func (a *app) newInvocation(c *command) *invocation {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	inv := &invocation{a: a, c: c, fs: fs, common: map[string]bool{}}
	fs.BoolVar(&inv.json, "json", false, "print machine-readable JSON on standard output")
	inv.common["json"] = true
	return inv
}

// apiFlags adds the flags of commands that talk to the service.
func (inv *invocation) apiFlags() {
	inv.fs.StringVar(&inv.baseURL, "base-url", "", "the service's `URL` (default $HLRLOOKUP_BASE_URL, else "+hlrlookup.DefaultBaseURL+")")
	inv.fs.StringVar(&inv.apiKey, "api-key", "", "the API `KEY` (default $HLRLOOKUP_API_KEY; a flag lands in shell history)")
	inv.common["base-url"] = true
	inv.common["api-key"] = true
}

// lookupFlag adds --lookup-url for the commands that use the instant
// lookups' service (lookup, balance, doctor).
func (inv *invocation) lookupFlag() {
	inv.fs.StringVar(&inv.lookupURL, "lookup-url", "", "the instant lookups' `URL` (default $HLRLOOKUP_LOOKUP_URL, else "+hlrlookup.DefaultLookupURL+")")
	inv.common["lookup-url"] = true
}

// parse parses args, flags and positional arguments in any order ("--" ends
// the flags), and checks that there are between min and max positional
// arguments. It prints the help and returns errHelpShown for --help.
func (inv *invocation) parse(args []string, min, max int) ([]string, error) {
	var positional []string
	for {
		err := inv.fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printHelpFlags(inv.a.stdout, inv.c, inv.fs, inv.common)
			return nil, errHelpShown
		}
		if err != nil {
			return nil, usagef("%s", flagNames(err.Error()))
		}
		rest := inv.fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	switch {
	case len(positional) < min:
		return nil, usagef("missing arguments: usage: hlrbatch %s %s", inv.c.name, inv.c.args)
	case len(positional) > max:
		return nil, usagef("too many arguments: %q", positional[max:])
	}
	return positional, nil
}

// flagName matches the flag name in the flag package's errors, which spell
// it with one dash: "flag needs an argument: -column", `invalid value "x"
// for flag -offset: …`. It is anchored to the messages' own wording, past
// the quoted value, so that a value the user typed ("for -x") is quoted as
// typed.
var flagName = regexp.MustCompile(`^(flag provided but not defined: |flag needs an argument: |invalid (?:boolean )?value "(?:[^"\\]|\\.)*" for (?:flag )?|invalid boolean flag )-?([A-Za-z][\w-]*)`)

// flagNames rewrites a flag package error to name flags as hlrbatch
// documents them and users type them: --column.
func flagNames(msg string) string {
	return flagName.ReplaceAllString(msg, "${1}--${2}")
}

// set reports whether the flag name was given on the command line.
func (inv *invocation) set(name string) bool {
	found := false
	inv.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// printHelp prints the help of command c by running it with --help.
func (a *app) printHelp(ctx context.Context, c *command) error {
	return c.run(ctx, a, c, []string{"--help"})
}

// printHelpFlags prints the usage line, description, flags and example of c.
func printHelpFlags(w io.Writer, c *command, fs *flag.FlagSet, common map[string]bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  hlrbatch %s", c.name)
	if c.args != "" {
		b.WriteString(" " + c.args)
	}
	b.WriteString(" [flags]\n\n")
	b.WriteString(strings.TrimSpace(c.help) + "\n\nFlags:\n")
	var own, shared []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if common[f.Name] {
			shared = append(shared, f)
		} else {
			own = append(own, f)
		}
	})
	for _, f := range append(own, shared...) {
		typ, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if typ != "" {
			left += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(&b, "  %-26s %s\n", left, usage)
	}
	fmt.Fprintf(&b, "  %-26s %s\n", "--help", "show this help")
	b.WriteString("\nExample:\n")
	for _, line := range strings.Split(strings.TrimSpace(c.example), "\n") {
		b.WriteString("  " + strings.TrimSpace(line) + "\n")
	}
	io.WriteString(w, b.String())
}

// batchArgFlags are the flags that become a new batch's BatchArguments.
type batchArgFlags struct {
	inv               *invocation
	cacheDaysPrivate  int
	cacheDaysGlobal   int
	saveToCache       string
	inputFormat       string
	outputFormat      string
	getPortedDate     bool
	getLandlineStatus bool
	usaStatus         bool
}

// batchArgs adds the batch-argument flags to inv.
func (inv *invocation) batchArgs() *batchArgFlags {
	f := &batchArgFlags{inv: inv}
	fs := inv.fs
	fs.IntVar(&f.cacheDaysPrivate, "cache-days-private", 0, "reuse your own results up to `N` days old (0-30)")
	fs.IntVar(&f.cacheDaysGlobal, "cache-days-global", 0, "reuse shared-cache results up to `N` days old (0-30; half a credit)")
	fs.StringVar(&f.saveToCache, "save-to-cache", "", "share your results to the global cache (`yes|no`)")
	fs.StringVar(&f.inputFormat, "input-format", "", "read national numbers as this `COUNTRY`'s (ISO 3166 alpha-3, e.g. GBR)")
	fs.StringVar(&f.outputFormat, "output-format", "", "fill formatted_telephone_number in this `FORMAT`: E164, PLUS_E164 or an alpha-3 country")
	fs.BoolVar(&f.getPortedDate, "get-ported-date", false, "ask for the date a number was ported (costs extra)")
	fs.BoolVar(&f.getLandlineStatus, "get-landline-status", false, "check landlines live")
	fs.BoolVar(&f.usaStatus, "usa-status", false, "extra status for US mobiles")
	return f
}

// arguments returns the BatchArguments the flags ask for, nil if none, or a
// usage error if they are invalid.
func (f *batchArgFlags) arguments() (*hlrlookup.BatchArguments, error) {
	var args hlrlookup.BatchArguments
	given := false
	intFlag := func(name string, v int) *int {
		if !f.inv.set(name) {
			return nil
		}
		given = true
		return &v
	}
	boolFlag := func(name string, v bool) *bool {
		if !f.inv.set(name) {
			return nil
		}
		given = true
		return &v
	}
	args.CacheDaysPrivate = intFlag("cache-days-private", f.cacheDaysPrivate)
	args.CacheDaysGlobal = intFlag("cache-days-global", f.cacheDaysGlobal)
	args.GetPortedDate = boolFlag("get-ported-date", f.getPortedDate)
	args.GetLandlineStatus = boolFlag("get-landline-status", f.getLandlineStatus)
	args.USAStatus = boolFlag("usa-status", f.usaStatus)
	if f.inv.set("save-to-cache") {
		switch strings.ToLower(f.saveToCache) {
		case "yes", "true":
			args.SaveToCache = boolFlag("save-to-cache", true)
		case "no", "false":
			args.SaveToCache = boolFlag("save-to-cache", false)
		default:
			return nil, usagef("--save-to-cache must be yes or no, not %q", f.saveToCache)
		}
	}
	if f.inputFormat != "" {
		args.InputFormat, given = f.inputFormat, true
	}
	if f.outputFormat != "" {
		args.OutputFormat, given = f.outputFormat, true
	}
	if !given {
		return nil, nil
	}
	if err := args.Validate(); err != nil {
		return nil, usagef("%v", err)
	}
	return &args, nil
}

// pollFlag adds --poll-interval for the commands that wait.
func (inv *invocation) pollFlag(def time.Duration) *time.Duration {
	usage := "check the batch every `DURATION`"
	if def == 0 {
		usage += " (default 5s, growing to 1m)"
	}
	return inv.fs.Duration("poll-interval", def, usage)
}
