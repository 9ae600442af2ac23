package main

import (
	"context"

	"github.com/seed682fd871/hlrlookup"
)

// apiSteps are the parts of a command that calls the service which differ
// from one command to the next; apiCommand supplies the rest.
type apiSteps[R any] struct {
	// check refuses a bad command line before the credentials are read
	// (optional).
	check func(pos []string) error
	// call does the command's work with the service and returns what it
	// prints. A nil result prints nothing: the command wrote its output
	// itself (results streamed to standard output).
	call func(ctx context.Context, client *hlrlookup.Client, pos []string) (*R, error)
	// text prints the result for people; with --json it is printed as JSON
	// instead.
	text func(a *app, result *R) error
}

// apiCommand returns the run function of a command that calls the service:
// the frame they all share. It starts the flag set with --json, --base-url
// and --api-key; setup adds the command's own flags and returns its steps.
// Then it parses the command line (between min and max positional
// arguments), runs check, builds the client from the credentials, runs call
// and prints the result, as JSON with --json and as text otherwise.
func apiCommand[R any](min, max int, setup func(inv *invocation) apiSteps[R]) func(context.Context, *app, *command, []string) error {
	return func(ctx context.Context, a *app, c *command, args []string) error {
		inv := a.newInvocation(c)
		inv.apiFlags()
		steps := setup(inv)
		pos, err := inv.parse(args, min, max)
		if err != nil {
			return err
		}
		if steps.check != nil {
			if err := steps.check(pos); err != nil {
				return err
			}
		}
		client, err := inv.client()
		if err != nil {
			return err
		}
		result, err := steps.call(ctx, client, pos)
		if err != nil || result == nil {
			return err
		}
		return inv.output(result, func() error { return steps.text(a, result) })
	}
}

// output prints result as JSON with --json, else runs text.
func (inv *invocation) output(result any, text func() error) error {
	if inv.json {
		return printJSON(inv.a.stdout, result)
	}
	return text()
}
