package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/seed682fd871/hlrlookup"
)

// stdinHelp explains FILE "-", for the --help of run and upload.
const stdinHelp = `FILE "-" reads standard input, one number per line (blank lines skipped):
up to 100,000 numbers and 2 MiB go in the request body (UploadNumbers);
more than that, lines with commas (CSV) or a --column other than A are
spooled to a temporary file, uploaded as a file (UploadFile) and removed.`

// uploadInput uploads file ("-" for standard input) to batch id and says on
// standard error how it went.
func (a *app) uploadInput(ctx context.Context, client *hlrlookup.Client, id hlrlookup.BatchID, file string, column hlrlookup.Column) error {
	if file == "-" {
		return a.uploadStdin(ctx, client, id, column)
	}
	return a.uploadFile(ctx, client, id, file, column)
}

// uploadFile uploads a file with a progress bar on a terminal.
func (a *app) uploadFile(ctx context.Context, client *hlrlookup.Client, id hlrlookup.BatchID, path string, column hlrlookup.Column) error {
	bar := newProgress(a.progressOut(), a.stderrTTY, false, "upload", bytesSize)
	var size int64
	err := client.UploadFile(ctx, id, path, &hlrlookup.UploadOptions{Column: column, OnProgress: func(sent, total int64) {
		bar.update(sent, total)
		atomic.StoreInt64(&size, total)
	}})
	bar.finish()
	if err == nil {
		fmt.Fprintf(a.stderr, "Uploaded %s (%s, column %s)\n", filepath.Base(path), bytesSize(atomic.LoadInt64(&size)), column)
	}
	return err
}

// uploadStdin reads numbers from standard input and uploads them in the
// request body, or spools them to a temporary file when they do not fit.
func (a *app) uploadStdin(ctx context.Context, client *hlrlookup.Client, id hlrlookup.BatchID, column hlrlookup.Column) error {
	sc := bufio.NewScanner(a.interruptible(ctx))
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var (
		lines []string // raw, non-blank
		size  int      // bytes of the body UploadNumbers would send
		spool = column != hlrlookup.ColumnA
	)
	for sc.Scan() {
		line := sc.Text()
		n := strings.TrimSpace(line)
		if n == "" {
			continue
		}
		lines = append(lines, line)
		size += len(n) + 1
		if strings.ContainsAny(n, ",\"") || len(lines) > hlrlookup.MaxBodyNumbers || size > hlrlookup.MaxBodyBytes {
			spool = true
			break
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	if !spool {
		if len(lines) == 0 {
			return errors.New("standard input holds no numbers: give one number per line")
		}
		numbers := make([]string, len(lines))
		for i, l := range lines {
			numbers[i] = strings.TrimSpace(l)
		}
		if err := client.UploadNumbers(ctx, id, numbers); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Uploaded %d numbers from standard input in the request body\n", len(numbers))
		return nil
	}
	dir, err := os.MkdirTemp("", "hlrbatch-stdin-")
	if err != nil {
		return fmt.Errorf("spool standard input: %w", err)
	}
	// The spool holds the user's numbers: gone on every return, and on a
	// second Ctrl-C too.
	removeSpool := func() { _ = os.RemoveAll(dir) }
	defer guard.hold(removeSpool)()
	defer removeSpool()
	path := filepath.Join(dir, "stdin.csv")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("spool standard input: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l + "\n")
	}
	for sc.Scan() {
		w.WriteString(sc.Text() + "\n")
	}
	err = errors.Join(sc.Err(), w.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("spool standard input: %w", err)
	}
	fmt.Fprintln(a.stderr, "Standard input does not fit in a request body: uploading it as a file")
	return a.uploadFile(ctx, client, id, path, column)
}

// parseColumn reads --column, as a usage error if it is wrong.
func parseColumn(s string) (hlrlookup.Column, error) {
	c, err := hlrlookup.ParseColumn(s)
	if err != nil {
		return 0, usagef("bad --column %q: give a letter (A, B, AA) or a zero-based number", s)
	}
	return c, nil
}
