package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/seed682fd871/hlrlookup"
)

// printJSON writes v as indented JSON and a newline.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(escapeJSON(b), '\n')
	_, err = w.Write(b)
	return err
}

// newTable returns a writer that aligns tab-separated columns; Flush it.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// dash shows an empty value as "-", and any other as a cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return cell(s)
}

// timeString formats t in UTC to the second, or "-" for the zero time.
func timeString(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// doneString formats a batch's progress: "4/12 (33%)".
func doneString(b *hlrlookup.Batch) string {
	return fmt.Sprintf("%d/%d (%s)", b.NumComplete, b.NumItems, percent(int64(b.NumComplete), int64(b.NumItems)))
}

// printBatchList prints batches as an aligned table.
func printBatchList(w io.Writer, batches []*hlrlookup.Batch) error {
	t := newTable(w)
	fmt.Fprintln(t, "ID\tSTATUS\tDONE\tCREATED\tFILENAME")
	for _, b := range batches {
		fmt.Fprintf(t, "%s\t%s\t%d/%d\t%s\t%s\n", cell(string(b.ID)), cell(string(b.Status)), b.NumComplete, b.NumItems,
			timeString(b.CreationDate), dash(b.Filename))
	}
	return t.Flush()
}

// printBatch prints one batch as aligned name/value lines.
func printBatch(w io.Writer, b *hlrlookup.Batch) error {
	t := newTable(w)
	scheduled := "-"
	if b.ScheduledStart != nil {
		scheduled = timeString(*b.ScheduledStart)
	}
	args, err := json.Marshal(b.Arguments)
	if err != nil {
		return err
	}
	fmt.Fprintf(t, "ID\t%s\n", cell(string(b.ID)))
	fmt.Fprintf(t, "Status\t%s\n", dash(string(b.Status)))
	fmt.Fprintf(t, "Done\t%s\n", doneString(b))
	fmt.Fprintf(t, "Filename\t%s\n", dash(b.Filename))
	fmt.Fprintf(t, "Type\t%s\n", dash(string(b.Type)))
	fmt.Fprintf(t, "Created\t%s\n", timeString(b.CreationDate))
	fmt.Fprintf(t, "Scheduled start\t%s\n", scheduled)
	fmt.Fprintf(t, "Columns\t%d\n", b.NumColumns)
	fmt.Fprintf(t, "Arguments\t%s\n", escapeJSON(args))
	return t.Flush()
}

// batchList is the JSON form of a list of batches.
type batchList struct {
	Total   int                `json:"total"`
	Offset  int                `json:"offset"`
	Limit   int                `json:"limit,omitempty"`
	Batches []*hlrlookup.Batch `json:"batches"`
}

// summary counts a batch's results.
type summary struct {
	BatchID      hlrlookup.BatchID `json:"batch_id,omitempty"`
	Batch        *hlrlookup.Batch  `json:"batch,omitempty"`
	File         string            `json:"file,omitempty"`   // where the results were saved or read
	Format       hlrlookup.Format  `json:"format,omitempty"` // of File
	Rows         int               `json:"rows"`
	CreditsSpent float64           `json:"credits_spent"`
	LookupErrors int               `json:"lookup_errors"` // rows whose error is not NONE
	LiveStatus   map[string]int    `json:"live_status"`
	NumberType   map[string]int    `json:"telephone_number_type"`
}

// summarize counts results; it stops at the first error.
func summarize(results iter.Seq2[*hlrlookup.Result, error]) (*summary, error) {
	s := &summary{LiveStatus: map[string]int{}, NumberType: map[string]int{}}
	for r, err := range results {
		if err != nil {
			return nil, err
		}
		s.Rows++
		s.CreditsSpent += r.CreditsSpent
		if !r.OK() {
			s.LookupErrors++
		}
		s.LiveStatus[cmp.Or(string(r.LiveStatus), "(none)")]++
		s.NumberType[cmp.Or(string(r.TelephoneNumberType), "(none)")]++
	}
	return s, nil
}

// credits formats a number of credits without trailing zeros: "11.5".
func credits(c float64) string { return strconv.FormatFloat(c, 'f', -1, 64) }

// printSummary prints a summary for people: totals, then counts by
// live_status and by telephone_number_type, largest first.
func printSummary(w io.Writer, s *summary) error {
	switch {
	case s.Batch != nil:
		fmt.Fprintf(w, "Batch %s %s: %d numbers\n", s.Batch.ID, cell(string(s.Batch.Status)), s.Batch.NumItems)
	case s.BatchID != "":
		fmt.Fprintf(w, "Batch %s\n", s.BatchID)
	}
	fmt.Fprintf(w, "Results: %d rows, %s credits spent, %d lookup errors\n", s.Rows, credits(s.CreditsSpent), s.LookupErrors)
	switch {
	case s.File != "" && s.Format != "":
		fmt.Fprintf(w, "File: %s (%s)\n", s.File, s.Format)
	case s.File != "":
		fmt.Fprintf(w, "File: %s\n", s.File)
	}
	t := newTable(w)
	for _, part := range []struct {
		title  string
		counts map[string]int
	}{{"LIVE STATUS", s.LiveStatus}, {"NUMBER TYPE", s.NumberType}} {
		fmt.Fprintf(t, "\n%s\tCOUNT\n", part.title)
		for _, k := range byCount(part.counts) {
			fmt.Fprintf(t, "%s\t%d\n", cell(k), part.counts[k])
		}
	}
	return t.Flush()
}

// byCount returns the keys of m, largest count first, then by name.
func byCount(m map[string]int) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
}
