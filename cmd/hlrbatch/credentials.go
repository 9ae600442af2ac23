package main

import (
	"fmt"
	"strings"

	"github.com/seed682fd871/hlrlookup"
)

// Environment variables hlrbatch reads.
const (
	envAPIKey  = "HLRLOOKUP_API_KEY"
	envSecret  = "HLRLOOKUP_SECRET"
	envBaseURL = "HLRLOOKUP_BASE_URL"
	// envLookupURL is the instant lookups' address (lookup, balance, doctor).
	envLookupURL = "HLRLOOKUP_LOOKUP_URL"
)

// userAgent names hlrbatch to the service, in front of the SDK's own.
const userAgent = "hlrbatch/" + hlrlookup.Version

// client builds an SDK client from the environment and the shared flags.
// The secret comes only from the environment: a flag would land in shell
// history and in the process list. It is never printed.
func (inv *invocation) client() (*hlrlookup.Client, error) {
	key, secret, err := inv.credentials()
	if err != nil {
		return nil, err
	}
	return inv.clientFor(key, secret)
}

// clientFor builds an SDK client for key and secret with the shared flags
// and the environment's addresses; extra options come last (the doctor's
// recording transport).
func (inv *invocation) clientFor(key, secret string, extra ...hlrlookup.Option) (*hlrlookup.Client, error) {
	a := inv.a
	base := inv.baseURL
	if base == "" {
		base = strings.TrimSpace(a.getenv(envBaseURL))
	}
	opts := []hlrlookup.Option{hlrlookup.WithUserAgent(userAgent)}
	if base != "" {
		opts = append(opts, hlrlookup.WithBaseURL(base))
	}
	lookupURL := inv.lookupURL
	if lookupURL == "" {
		lookupURL = strings.TrimSpace(a.getenv(envLookupURL))
	}
	if lookupURL != "" {
		opts = append(opts, hlrlookup.WithLookupURL(lookupURL))
	}
	c, err := hlrlookup.NewClient(key, secret, append(opts, extra...)...)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}

// credentials returns the API key (--api-key, else the environment) and the
// secret (the environment only), or a usage error naming what is missing.
func (inv *invocation) credentials() (key, secret string, err error) {
	a := inv.a
	key = strings.TrimSpace(a.getenv(envAPIKey))
	if inv.apiKey != "" {
		fmt.Fprintf(a.stderr, "hlrbatch: warning: --api-key lands in your shell history; prefer %s\n", envAPIKey)
		key = inv.apiKey
	}
	secret = strings.TrimSpace(a.getenv(envSecret))
	var missing []string
	if key == "" {
		missing = append(missing, envAPIKey)
	}
	if secret == "" {
		missing = append(missing, envSecret)
	}
	if len(missing) > 0 {
		return "", "", usagef("no credentials: set %s (your account's API key and secret; try 'hlrbatch demo' to see hlrbatch work without an account)",
			strings.Join(missing, " and "))
	}
	return key, secret, nil
}
