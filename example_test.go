package hlrlookup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// The examples run against the in-memory fake service of package
// hlrlookuptest: no credentials, no credits, and the same output every time.

func ExampleNewClient() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()

	// Against the real service: hlrlookup.NewClient(os.Getenv("HLRLOOKUP_API_KEY"), os.Getenv("HLRLOOKUP_SECRET")).
	client, err := hlrlookup.NewClient(hlrlookuptest.APIKey, hlrlookuptest.Secret, hlrlookup.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	list, err := client.ListBatches(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("batches:", list.Total)
	// Output:
	// batches: 0
}

func ExampleClient_CreateBatch() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()

	days := 7
	batch, err := client.CreateBatch(context.Background(), hlrlookup.NewBatch{
		Filename:  "march.csv",
		Arguments: &hlrlookup.BatchArguments{CacheDaysGlobal: &days, OutputFormat: "E164"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(batch.ID, batch.Filename, batch.Type, batch.Status)
	fmt.Println("cache_days_global:", *batch.Arguments.CacheDaysGlobal, "output_format:", batch.Arguments.OutputFormat)
	// Output:
	// 1001 march.csv HLR_V2 NEW
	// cache_days_global: 7 output_format: E164
}

func ExampleClient_UploadNumbers() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "leads"})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = client.UploadNumbers(ctx, batch.ID, []string{"+447700900123", "+1 202-555-0143", "+4915123456789"})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch, err = client.GetBatch(ctx, batch.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(batch.NumItems, "numbers,", batch.Status)
	// Output:
	// 3 numbers, READY
}

func ExampleClient_UploadFile() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "customers.csv"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// customers.csv has a header row "customer_id,phone,name": the numbers are in column B.
	err = client.UploadFile(ctx, batch.ID, "testdata/customers.csv", &hlrlookup.UploadOptions{Column: hlrlookup.ColumnB})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch, err = client.GetBatch(ctx, batch.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d numbers in %d columns\n", batch.NumItems, batch.NumColumns)
	// Output:
	// 12 numbers in 3 columns
}

func ExampleClient_WaitForBatch() {
	// This fake completes 2 numbers each time the batch is polled.
	srv := hlrlookuptest.NewServer(hlrlookuptest.WithProcessing(hlrlookuptest.PerPoll(2)))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{})
	if err == nil {
		err = client.UploadNumbers(ctx, batch.ID, []string{"+447700900123", "+447700900456", "+447700900789", "+447911123456", "+12025550143"})
	}
	if err == nil {
		err = client.StartBatch(ctx, batch.ID)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	batch, err = client.WaitForBatch(ctx, batch.ID, &hlrlookup.WaitOptions{
		PollInterval: 10 * time.Millisecond, // the default, 5s, suits the real service
		OnProgress: func(b *hlrlookup.Batch) {
			fmt.Printf("%d/%d done (%.0f%%)\n", b.NumComplete, b.NumItems, 100*b.Progress())
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(batch.Status)
	// Output:
	// 2/5 done (40%)
	// 4/5 done (80%)
	// 5/5 done (100%)
	// COMPLETE
}

func ExampleClient_Results() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{})
	if err == nil {
		err = client.UploadNumbers(ctx, batch.ID, []string{"+447700900123", "+1 202-555-0143", "12345"})
	}
	if err == nil {
		err = client.StartBatch(ctx, batch.ID) // the fake completes at once
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	for r, err := range client.Results(ctx, batch.ID) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s %s %q, %g credits\n", r.TelephoneNumber, r.LiveStatus, r.TelephoneNumberType, r.CurrentNetwork.Name, r.CreditsSpent)
	}
	// Output:
	// +447700900123: LIVE MOBILE "EE Limited (T-Mobile)", 1 credits
	// +1 202-555-0143: DEAD MOBILE "Verizon Wireless", 1 credits
	// 12345: NOT_APPLICABLE BAD_FORMAT "", 0 credits
}

func ExampleReadResults() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{})
	if err == nil {
		err = client.UploadNumbers(ctx, batch.ID, []string{"+33612345678", "+393471234567"})
	}
	if err == nil {
		err = client.StartBatch(ctx, batch.ID)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	// Save a download (here JSON, in memory; usually a file), then read it back.
	var saved bytes.Buffer
	if _, err := client.DownloadTo(ctx, batch.ID, hlrlookup.FormatJSON, &saved); err != nil {
		fmt.Println(err)
		return
	}
	for r, err := range hlrlookup.ReadResults(&saved) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r.DetectedTelephoneNumber, r.LiveStatus, r.CurrentNetwork.Name, r.CurrentNetwork.CountryISO3)
	}
	// Output:
	// 33612345678 DEAD SFR FRA
	// 393471234567 LIVE WindTre ITA
}

func ExampleClient_AllBatches() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	for _, name := range []string{"jan.csv", "feb.csv", "mar.csv", "apr.csv", "may.csv"} {
		if _, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: name}); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Pages of 2 are read as the loop needs them: three requests here.
	for b, err := range client.AllBatches(ctx, &hlrlookup.ListOptions{Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(b.ID, b.Filename, b.Status)
	}
	// Output:
	// 1001 jan.csv NEW
	// 1002 feb.csv NEW
	// 1003 mar.csv NEW
	// 1004 apr.csv NEW
	// 1005 may.csv NEW
}

func ExampleClient_DownloadFile() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{})
	if err == nil {
		err = client.UploadNumbers(ctx, batch.ID, []string{"+447700900123", "+4915123456789"})
	}
	if err == nil {
		err = client.StartBatch(ctx, batch.ID)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "hlrlookup-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// The file appears under its name only once the whole download arrived.
	path := filepath.Join(dir, "results.csv")
	if _, err := client.DownloadFile(ctx, batch.ID, hlrlookup.FormatCSV, path); err != nil {
		fmt.Println(err)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.Count(data, []byte("\n")), "lines (a header and two results)")
	// Output:
	// 3 lines (a header and two results)
}

func ExampleClient_DeleteBatch() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	batch, err := client.CreateBatch(ctx, hlrlookup.NewBatch{Filename: "old.csv"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := client.DeleteBatch(ctx, batch.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.GetBatch(ctx, batch.ID)
	fmt.Println("gone:", errors.Is(err, hlrlookup.ErrBatchNotFound))
	// Output:
	// gone: true
}

func ExampleParseColumn() {
	for _, s := range []string{"B", "aa", "0", "XFD", "A1"} {
		c, err := hlrlookup.ParseColumn(s)
		if err != nil {
			fmt.Printf("%q: invalid: %v\n", s, errors.Is(err, hlrlookup.ErrInvalidInput))
			continue
		}
		fmt.Printf("%q: column %s, index %d\n", s, c, int(c))
	}
	// Output:
	// "B": column B, index 1
	// "aa": column AA, index 26
	// "0": column A, index 0
	// "XFD": column XFD, index 16383
	// "A1": invalid: true
}

func ExampleAPIError() {
	srv := hlrlookuptest.NewServer()
	defer srv.Close()
	client := srv.Client()

	_, err := client.GetBatch(context.Background(), "9999")

	// Classify with errors.Is and the sentinels …
	fmt.Println("not found:", errors.Is(err, hlrlookup.ErrBatchNotFound))
	fmt.Println("temporary:", errors.Is(err, hlrlookup.ErrRateLimited) || errors.Is(err, hlrlookup.ErrServer))
	// … or read the details with errors.As.
	var apiErr *hlrlookup.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Method, apiErr.Path)
	}
	// Output:
	// not found: true
	// temporary: false
	// 404 NOT_FOUND GET /batches/9999
}
