package hlrlookup_test

import (
	"context"
	"fmt"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// The instant lookups' examples run against the fake service too:
// Server.Client points both the batches URL and the lookup URL at it.

func ExampleClient_LookupHLR() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client() // against the real service: hlrlookup.NewClient(key, secret)

	// Numbers are sent as written; any count is fine (split into requests of
	// hlrlookup.MaxLookupNumbers), and the results come back in this order.
	results, err := client.LookupHLR(context.Background(), []string{"+447700900001", "+1 415 555 0100", "12345"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Printf("%s: %s %s %q, %v credits\n", r.TelephoneNumber, r.LiveStatus, r.TelephoneNumberType, r.CurrentNetwork.Name, r.CreditsSpent)
	}
	// Output:
	// +447700900001: LIVE LANDLINE "Three UK", 1 credits
	// +1 415 555 0100: LIVE MOBILE "Verizon Wireless", 1 credits
	// 12345: NOT_APPLICABLE BAD_FORMAT "", 0 credits
}

func ExampleClient_Balance() {
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithBalance(100))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	before, err := client.Balance(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	days := 7 // a repeat within 7 days answers from the private cache, free
	opts := &hlrlookup.LookupOptions{Arguments: &hlrlookup.BatchArguments{CacheDaysPrivate: &days}}
	if _, err := client.LookupMNP(ctx, []string{"+4915112345678"}, opts); err != nil {
		fmt.Println(err)
		return
	}
	after, err := client.Balance(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v credits, then %v after one MNP lookup\n", before, after)
	// Output:
	// 100 credits, then 99.5 after one MNP lookup
}
