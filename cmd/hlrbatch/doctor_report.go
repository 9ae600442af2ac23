package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/seed682fd871/hlrlookup"
)

// doctorReport is what 'hlrbatch doctor' found: the table of checks, the
// steps that failed, the batch, the cost and the record. --json prints it
// as it is.
type doctorReport struct {
	SDKVersion  string        `json:"sdk_version"`
	Mode        string        `json:"mode"` // "live" or "sandbox"
	BatchesURL  string        `json:"batches_url,omitempty"`
	LookupURL   string        `json:"lookup_url"`
	Checks      []checkResult `json:"checks"`
	Confirmed   int           `json:"confirmed"`
	Contradict  int           `json:"contradicted"`
	NotObserved int           `json:"not_observed"`
	// Failures are the steps that failed in a way no check expects (a
	// refused connection, a 5xx, an answer the SDK cannot read).
	Failures    []stepFailure  `json:"failures"`
	Batch       *doctorBatch   `json:"batch,omitempty"`
	Cost        *doctorCost    `json:"cost,omitempty"`
	Record      *recordSummary `json:"record,omitempty"`
	Interrupted bool           `json:"interrupted,omitempty"`
}

// checkResult is one row of the report.
type checkResult struct {
	ID       string  `json:"id"`
	Wire     string  `json:"wire"`
	Expected string  `json:"expected"`
	Verdict  verdict `json:"verdict"`
	Detail   string  `json:"detail"`
}

// stepFailure is a step that failed.
type stepFailure struct {
	Step  string `json:"step"`
	Error string `json:"error"`
}

// doctorBatch is the doctor's batch and what became of it.
type doctorBatch struct {
	ID       hlrlookup.BatchID `json:"id"`
	Filename string            `json:"filename"`
	Deleted  bool              `json:"deleted"`
}

// doctorCost is what the run cost, as far as the service says.
type doctorCost struct {
	// ResultsCredits is the sum of credits_spent over the batch's results
	// and the lookups.
	ResultsCredits float64  `json:"results_credits"`
	BalanceBefore  *float64 `json:"balance_before,omitempty"`
	BalanceAfter   *float64 `json:"balance_after,omitempty"`
}

// recordSummary is where the exchanges were recorded and whether the files
// passed the check for credentials.
type recordSummary struct {
	Dir       string   `json:"dir"`
	Exchanges int      `json:"exchanges"`
	Files     []string `json:"files"`
	// SecretFree: every file was read back and holds neither the API key
	// nor the secret.
	SecretFree bool `json:"secret_free"`
	// Removed are the files that did hold one, deleted.
	Removed []string `json:"removed,omitempty"`
}

// decideAll runs every check on ev (with --sandbox, those of the instant
// lookups) and counts the verdicts.
func (rep *doctorReport) decideAll(ev *evidence) {
	rep.Checks = []checkResult{}
	rep.Confirmed, rep.Contradict, rep.NotObserved = 0, 0, 0
	for _, a := range assumptions {
		if a.batches && ev.sandbox {
			continue
		}
		v, detail := a.decide(ev)
		rep.Checks = append(rep.Checks, checkResult{ID: a.id, Wire: a.wire, Expected: a.expect, Verdict: v, Detail: detail})
		switch v {
		case confirmed:
			rep.Confirmed++
		case contradicted:
			rep.Contradict++
		default:
			rep.NotObserved++
		}
	}
}

// printDoctorReport prints the report for people: the table, what each
// contradicted row expected, the counts and the cost.
func printDoctorReport(w io.Writer, rep *doctorReport) error {
	where := rep.LookupURL
	if rep.BatchesURL != "" {
		where = rep.BatchesURL + " and " + rep.LookupURL
	}
	fmt.Fprintf(w, "hlrbatch doctor (SDK %s), against %s:\n\n", rep.SDKVersion, cell(where))
	t := newTable(w)
	fmt.Fprintln(t, "ID\tWIRE\tVERDICT\tDETAIL")
	for _, c := range rep.Checks {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", c.ID, c.Wire, c.Verdict, cell(c.Detail))
	}
	if err := t.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d checks: %d confirmed, %d contradicted, %d not observed.\n",
		len(rep.Checks), rep.Confirmed, rep.Contradict, rep.NotObserved)
	for _, c := range rep.Checks {
		if c.Verdict == contradicted {
			fmt.Fprintf(w, "%s (WIRE.md %s) expected: %s\n", c.ID, c.Wire, c.Expected)
		}
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "Step %s failed: %s\n", f.Step, f.Error)
	}
	if rep.Cost != nil && rep.Cost.BalanceBefore != nil {
		line := fmt.Sprintf("Cost: the results say %s credits spent", credits(rep.Cost.ResultsCredits))
		if rep.Cost.BalanceBefore != nil && rep.Cost.BalanceAfter != nil {
			line += fmt.Sprintf("; the balance went from %s to %s", credits(*rep.Cost.BalanceBefore), credits(*rep.Cost.BalanceAfter))
		}
		fmt.Fprintln(w, line+".")
	}
	return nil
}

// doctorMaintainersHint says what to send when something is contradicted.
func doctorMaintainersHint(rep *doctorReport) string {
	var b strings.Builder
	b.WriteString("send the maintainers the --json report and the --record directory: ")
	b.WriteString("hlrbatch doctor --yes --json --record doctor-record > doctor-report.json")
	if rep.Mode == "sandbox" {
		b.WriteString(" (with --sandbox)")
	}
	return b.String()
}
