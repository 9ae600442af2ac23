package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

var lookupCommand = &command{
	name:    "lookup",
	args:    "[--mnp|--validate] NUMBER... | -",
	summary: "look numbers up now (HLR, or --mnp, --validate) and print a table",
	help: `Look numbers up at once with the instant lookups (POST /apiv2/hlr; with --mnp
POST /apiv2/mnp, portability only; with --validate POST /apiv2/validate, number
type and original network, no live check) and print a table: number, live
status, type, network, country, ported, credits. MNP and validation show the
columns they have ("-" for the others); a number the service could not look
up (INSUFFICIENT_CREDIT, INTERNAL_ERROR) shows in an ERROR column, and the exit
code stays 0. The totals go to standard error. With --json each result is one
JSON object on its own line.

Any count of numbers: they go in requests of at most 80, a few at once, and
come back in the order given. Numbers are sent as written; one the service
cannot read comes back as BAD_FORMAT, free. "-" reads standard input, one
number per line (blank lines skipped). A lookup whose outcome is unknown (a
lost connection, a 5xx) is never repeated in a way that could charge again:
hlrbatch names the numbers in doubt instead.`,
	example: `hlrbatch lookup +447700900001 +14155550100
hlrbatch lookup --mnp +447700900001 --json
cut -d, -f2 customers.csv | hlrbatch lookup --cache-days-private 7 -`,
	run: apiCommand(1, math.MaxInt, lookupSteps),
}

// lookupLine is a result as --json prints it: one object per line, named as
// the service names the fields; what a lookup kind does not return is left
// out.
type lookupLine struct {
	TelephoneNumber          string          `json:"telephone_number"`
	Error                    string          `json:"error,omitempty"`
	DetectedTelephoneNumber  string          `json:"detected_telephone_number,omitempty"`
	FormattedTelephoneNumber string          `json:"formatted_telephone_number,omitempty"`
	LiveStatus               string          `json:"live_status,omitempty"`
	TelephoneNumberType      string          `json:"telephone_number_type,omitempty"`
	IsPorted                 string          `json:"is_ported,omitempty"`
	DisposableNumber         string          `json:"disposable_number,omitempty"`
	OriginalNetwork          *lookupNetwork  `json:"original_network,omitempty"`
	CurrentNetwork           *lookupNetwork  `json:"current_network,omitempty"`
	CreditsSpent             float64         `json:"credits_spent"`
	Timestamp                *time.Time      `json:"timestamp,omitempty"`
	UUID                     string          `json:"uuid,omitempty"`
	Extra                    json.RawMessage `json:"extra,omitempty"`
}

// lookupNetwork is a network in a lookupLine.
type lookupNetwork struct {
	Status      string `json:"status,omitempty"`
	Name        string `json:"name,omitempty"`
	MCCMNC      string `json:"mccmnc,omitempty"`
	CountryName string `json:"country_name,omitempty"`
	CountryISO3 string `json:"country_iso3,omitempty"`
}

// newLookupNetwork returns n for a lookupLine, nil if it is empty.
func newLookupNetwork(n hlrlookup.Network) *lookupNetwork {
	if n == (hlrlookup.Network{}) {
		return nil
	}
	return &lookupNetwork{Status: n.Status, Name: n.Name, MCCMNC: n.MCCMNC, CountryName: n.CountryName, CountryISO3: n.CountryISO3}
}

// newLookupLine returns r as --json prints it.
func newLookupLine(r *hlrlookup.Result) (*lookupLine, error) {
	l := &lookupLine{
		TelephoneNumber: r.TelephoneNumber, Error: r.Error,
		DetectedTelephoneNumber: r.DetectedTelephoneNumber, FormattedTelephoneNumber: r.FormattedTelephoneNumber,
		LiveStatus: string(r.LiveStatus), TelephoneNumberType: string(r.TelephoneNumberType),
		IsPorted: r.IsPorted, DisposableNumber: r.DisposableNumber,
		OriginalNetwork: newLookupNetwork(r.OriginalNetwork), CurrentNetwork: newLookupNetwork(r.CurrentNetwork),
		CreditsSpent: r.CreditsSpent, UUID: r.UUID,
	}
	if !r.Timestamp.IsZero() {
		ts := r.Timestamp.UTC()
		l.Timestamp = &ts
	}
	if len(r.Extra) > 0 {
		extra, err := json.Marshal(r.Extra)
		if err != nil {
			return nil, err
		}
		l.Extra = extra
	}
	return l, nil
}

func lookupSteps(inv *invocation) apiSteps[[]*hlrlookup.Result] {
	mnp := inv.fs.Bool("mnp", false, "look up portability only (POST /apiv2/mnp; no live status)")
	validate := inv.fs.Bool("validate", false, "validate only (POST /apiv2/validate; number type and original network, no live check)")
	argFlags := inv.batchArgs()
	inv.lookupFlag()
	var (
		kind = hlrlookup.LookupHLR
		opts hlrlookup.LookupOptions
	)
	return apiSteps[[]*hlrlookup.Result]{
		check: func(pos []string) (err error) {
			switch {
			case *mnp && *validate:
				return usagef("give --mnp or --validate, not both")
			case *mnp:
				kind = hlrlookup.LookupMNP
			case *validate:
				kind = hlrlookup.LookupValidate
			}
			for _, p := range pos {
				if p == "-" && len(pos) > 1 {
					return usagef(`"-" reads the numbers from standard input: give it alone, without numbers`)
				}
			}
			opts.Arguments, err = argFlags.arguments()
			return err
		},
		call: func(ctx context.Context, client *hlrlookup.Client, pos []string) (*[]*hlrlookup.Result, error) {
			numbers, inputErr := inv.a.lookupNumbers(ctx, pos)
			var (
				results []*hlrlookup.Result
				first   error
				count   int
			)
			for r, err := range client.Lookups(ctx, kind, numbers, &opts) {
				count++
				if err != nil {
					first = cmp.Or(first, err)
					continue
				}
				if inv.json {
					if err := printJSONLine(inv.a.stdout, r); err != nil {
						return nil, err
					}
					continue
				}
				results = append(results, r)
			}
			if count == 0 && first == nil && *inputErr == nil {
				return nil, errors.New("standard input holds no numbers: give one number per line")
			}
			if !inv.json && len(results) > 0 {
				if err := printLookupTable(inv.a.stdout, results); err != nil {
					return nil, err
				}
				printLookupTotals(inv.a.stderr, kind, results)
			}
			if err := *inputErr; err != nil {
				// After the results (those lookups were made, and paid for),
				// and with the lookup's own failure, which may name numbers
				// in doubt.
				return nil, errors.Join(err, first)
			}
			if ctx.Err() != nil {
				return nil, &interruptedError{"interrupted; any lookup already sent may have run and been charged"}
			}
			return nil, first // the results are the output
		},
	}
}

// lookupNumbers returns the numbers of pos, or with "-" those of standard
// input (trimmed, blank lines skipped), read as they are needed; a single
// Ctrl-C stops a read that waits. After the sequence ends, *err holds a
// read error, if any.
func (a *app) lookupNumbers(ctx context.Context, pos []string) (iter.Seq[string], *error) {
	var readErr error
	if len(pos) != 1 || pos[0] != "-" {
		return slices.Values(pos), &readErr
	}
	return func(yield func(string) bool) {
		sc := bufio.NewScanner(a.interruptible(ctx))
		for sc.Scan() {
			if n := strings.TrimSpace(sc.Text()); n != "" && !yield(n) {
				return
			}
		}
		if err := sc.Err(); err != nil && ctx.Err() == nil {
			readErr = fmt.Errorf("read standard input: %w", err)
		}
	}, &readErr
}

// printJSONLine prints r as one line of JSON.
func printJSONLine(w io.Writer, r *hlrlookup.Result) error {
	l, err := newLookupLine(r)
	if err != nil {
		return err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = w.Write(append(escapeJSON(b), '\n'))
	return err
}

// printLookupTable prints lookup results as an aligned table, with an ERROR
// column when a number's lookup failed.
func printLookupTable(w io.Writer, results []*hlrlookup.Result) error {
	withErrors := false
	for _, r := range results {
		withErrors = withErrors || !r.OK()
	}
	t := newTable(w)
	header := "NUMBER\tLIVE STATUS\tTYPE\tNETWORK\tCOUNTRY\tPORTED\tCREDITS"
	if withErrors {
		header += "\tERROR"
	}
	fmt.Fprintln(t, header)
	for _, r := range results {
		network := r.CurrentNetwork
		if network.Name == "" && network.CountryISO3 == "" {
			network = r.OriginalNetwork // MNP and validate: what they have
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", dash(cmp.Or(r.TelephoneNumber, r.DetectedTelephoneNumber)),
			dash(string(r.LiveStatus)), dash(string(r.TelephoneNumberType)), dash(network.Name),
			dash(network.CountryISO3), dash(r.IsPorted), credits(r.CreditsSpent))
		if withErrors {
			e := "-"
			if !r.OK() {
				e = cell(r.Error)
			}
			row += "\t" + e
		}
		fmt.Fprintln(t, row)
	}
	return t.Flush()
}

// printLookupTotals says on standard error what the lookups cost.
func printLookupTotals(w io.Writer, kind hlrlookup.LookupKind, results []*hlrlookup.Result) {
	var spent float64
	failed := 0
	for _, r := range results {
		spent += r.CreditsSpent
		if !r.OK() {
			failed++
		}
	}
	fmt.Fprintf(w, "%d numbers (%s): %s credits spent, %d lookup errors\n", len(results), strings.ToUpper(string(kind)), credits(spent), failed)
}

var balanceCommand = &command{
	name:    "balance",
	summary: "show the credits left on the account",
	help: `Show the credits left on the account (POST /apiv2/balance). Batches and
instant lookups spend the same credits.`,
	example: `hlrbatch balance
hlrbatch balance --json`,
	run: apiCommand(0, 0, balanceSteps),
}

// balance is the JSON form of the balance.
type balance struct {
	Credits float64 `json:"credits"`
}

func balanceSteps(inv *invocation) apiSteps[balance] {
	inv.lookupFlag()
	return apiSteps[balance]{
		call: func(ctx context.Context, client *hlrlookup.Client, _ []string) (*balance, error) {
			c, err := client.Balance(ctx)
			if err != nil {
				return nil, err
			}
			return &balance{Credits: c}, nil
		},
		text: func(a *app, b *balance) error {
			fmt.Fprintf(a.stdout, "%s credits\n", credits(b.Credits))
			return nil
		},
	}
}
