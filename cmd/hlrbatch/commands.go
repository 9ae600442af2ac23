package main

import (
	"context"
	"fmt"

	"github.com/seed682fd871/hlrlookup"
)

// commands lists hlrbatch's commands in the order --help shows them.
var commands []*command

func init() {
	commands = []*command{
		runCommand, demoCommand,
		listCommand, getCommand, createCommand, uploadCommand,
		startCommand, pauseCommand, resumeCommand, scheduleCommand, waitCommand,
		downloadCommand, resultsCommand, deleteCommand,
		lookupCommand, balanceCommand, doctorCommand, versionCommand,
	}
}

var versionCommand = &command{
	name:    "version",
	summary: "print the version of the SDK hlrbatch is built on",
	help:    `Print the version of hlrbatch and of the SDK it is built on.`,
	example: `hlrbatch version`,
	run: func(ctx context.Context, a *app, c *command, args []string) error {
		inv := a.newInvocation(c)
		if _, err := inv.parse(args, 0, 0); err != nil {
			return err
		}
		return inv.output(map[string]string{"sdk_version": hlrlookup.Version}, func() error {
			fmt.Fprintf(a.stdout, "hlrbatch, built on the hlrlookup Go SDK %s\n", hlrlookup.Version)
			return nil
		})
	},
}
