// Command lookup checks a few numbers right now with the instant lookups: an
// HLR lookup of four numbers (live status and current network), an MNP
// lookup of one (portability), a validation of one (number type, no live
// check), and the credit balance before and after.
//
// Run it from the repository root:
//
//	go run ./examples/lookup
//
// Without HLRLOOKUP_API_KEY and HLRLOOKUP_SECRET it uses the built-in fake
// service (whose account starts with 100 credits here); with them it spends
// real credits (about one per HLR lookup, half for the MNP lookup).
package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/seed682fd871/hlrlookup/examples/internal/exampleenv"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// numbers are looked up with LookupHLR. They are sent as written: the
// service reads free text, and answers the last one, which it cannot read,
// with telephone_number_type BAD_FORMAT, free of charge.
var numbers = []string{"+447700900001", "+14155550100", "+49 151 1234 5678", "12345"}

func main() {
	exampleenv.Run(run, hlrlookuptest.WithBalance(100))
}

func run(ctx context.Context, env *exampleenv.Env) error {
	client := env.Client

	before, err := client.Balance(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Balance: %s credits.\n\n", credits(before))

	// Any count of numbers works: more than 80 are split into requests of
	// 80, a few in flight at once, and the results come back in this order.
	results, err := client.LookupHLR(ctx, numbers, nil)
	if err != nil {
		return err
	}
	fmt.Println("HLR lookup:")
	t := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(t, "NUMBER\tLIVE STATUS\tTYPE\tNETWORK\tCOUNTRY\tCREDITS")
	for _, r := range results {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", r.TelephoneNumber, r.LiveStatus, r.TelephoneNumberType,
			cmp.Or(r.CurrentNetwork.Name, "-"), cmp.Or(r.CurrentNetwork.CountryISO3, "-"), credits(r.CreditsSpent))
	}
	if err := t.Flush(); err != nil {
		return err
	}

	mnp, err := client.LookupMNP(ctx, []string{"+4915112345678"}, nil)
	if err != nil {
		return err
	}
	m := mnp[0]
	fmt.Printf("\nMNP lookup of %s: network %s, ported %s (%s credits).\n",
		m.TelephoneNumber, m.CurrentNetwork.Name, m.IsPorted, credits(m.CreditsSpent))

	valid, err := client.ValidateNumbers(ctx, []string{"+33 6 12 34 56 78"}, nil)
	if err != nil {
		return err
	}
	v := valid[0]
	fmt.Printf("Validation of %s: %s %s, original network %s (%s).\n",
		v.TelephoneNumber, v.TelephoneNumberType, v.DetectedTelephoneNumber, v.OriginalNetwork.Name, v.OriginalNetwork.CountryISO3)

	after, err := client.Balance(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\nBalance: %s credits (%s spent).\n", credits(after), credits(before-after))
	return nil
}

// credits formats a number of credits without trailing zeros: "0.5".
func credits(c float64) string { return strconv.FormatFloat(c, 'f', -1, 64) }
