package hlrlookup_test

// Benchmarks of the SDK's bulk paths (upload, download, typed results) side
// by side with the plain net/http / encoding baselines, against a local
// server in the same process. Each benchmark has a "side=sdk" and a
// "side=baseline" sub-benchmark measured in the same run, so that benchstat
// shows them side by side (-col /side) and `go run ./internal/benchcheck`
// judges the targets (see BENCHMARKS.md).
//
// Sizes: full size by default (1,000,000 numbers / result rows, and 10x that
// file for the upload); -short or HLRLOOKUP_BENCH_SMALL=1 selects small
// inputs so that `go test -run '^$' -bench . -benchtime=1x -short` stays
// quick. Inputs are generated at run time into b.TempDir().

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed682fd871/hlrlookup"
	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// benchSmall reports whether the small inputs are selected.
func benchSmall() bool {
	return testing.Short() || os.Getenv("HLRLOOKUP_BENCH_SMALL") != ""
}

// benchSizes gives the (smaller, larger) size for a benchmark: numbers in an
// uploaded file, or rows of results.
func benchSizes(fullSmall, fullLarge, shortSmall, shortLarge int) []int {
	if benchSmall() {
		return []int{shortSmall, shortLarge}
	}
	return []int{fullSmall, fullLarge}
}

// ----------------------------------------------------------------- server

// benchServer is a minimal batches service on loopback: uploads are read
// and discarded, results are served from files (with sendfile, so the server
// costs the client as little as possible).
type benchServer struct {
	*httptest.Server
	mu      sync.Mutex
	results map[string]string // "<batch>.<csv|json>" -> file
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	s := &benchServer{results: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /batches/{id}/source", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 256<<10)
		n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r.Body, buf)
		if err != nil || (r.ContentLength >= 0 && n != r.ContentLength) {
			http.Error(w, `{"error":"SHORT_BODY"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true}`)
	})
	mux.HandleFunc("GET /batches/{id}/results", func(w http.ResponseWriter, r *http.Request) {
		format := r.URL.Query().Get("format")
		if format == "" {
			format = "csv"
		}
		s.mu.Lock()
		path, ok := s.results[r.PathValue("id")+"."+format]
		s.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"NOT_FOUND"}`, http.StatusNotFound)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if format == "json" {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/csv")
		}
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
	s.Server = httptest.NewServer(mux)
	b.Cleanup(s.Close)
	return s
}

// serve registers a results file for batch id in format ("csv" or "json").
func (s *benchServer) serve(id, format, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[id+"."+format] = path
}

// sdk returns an SDK client pointed at the server.
func (s *benchServer) sdk(b *testing.B) *hlrlookup.Client {
	b.Helper()
	c, err := hlrlookup.NewClient("bench-key", "bench-secret", hlrlookup.WithBaseURL(s.URL))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// plain returns the baseline's plain net/http client.
func (s *benchServer) plain() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// ----------------------------------------------------------------- inputs

// benchNumber is the i-th generated telephone number: 14 bytes with its
// line break, like a real list of UK mobiles.
func benchNumber(i int) string {
	return "+4477" + fmt.Sprintf("%08d", (i*7919)%100_000_000)
}

// writeBenchNumbers writes a file of n numbers, one per line.
func writeBenchNumbers(b *testing.B, path string, n int) int64 {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		_, _ = w.WriteString(benchNumber(i))
		_ = w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

type benchNet struct{ name, mccmnc string }

// benchNets are the UK networks of the fake service's table.
var benchNets = []benchNet{
	{"EE Limited (T-Mobile)", "23430"}, {"Vodafone UK", "23415"}, {"O2 (UK)", "23410"}, {"Three UK", "23420"},
}

// benchHeader is the CSV header of a results download: the uploaded file's
// one column, then the fake service's result columns.
var benchHeader = append([]string{"column_1"}, hlrlookuptest.ResultColumns()...)

type benchNetDetails struct {
	Name          string `json:"name"`
	MCCMNC        string `json:"mccmnc"`
	CountryName   string `json:"country_name"`
	CountryISO3   string `json:"country_iso3"`
	Area          string `json:"area"`
	CountryPrefix string `json:"country_prefix"`
}

// benchRecord is one result record, shaped like the fake service's.
type benchRecord struct {
	Error             string `json:"error"`
	UUID              string `json:"uuid"`
	RequestParameters struct {
		TelephoneNumber   string `json:"telephone_number"`
		CacheDaysPrivate  int    `json:"cache_days_private"`
		CacheDaysGlobal   int    `json:"cache_days_global"`
		SaveToCache       string `json:"save_to_cache"`
		InputFormat       string `json:"input_format"`
		OutputFormat      string `json:"output_format"`
		GetPortedDate     string `json:"get_ported_date"`
		GetLandlineStatus string `json:"get_landline_status"`
		USAStatus         string `json:"usa_status"`
	} `json:"request_parameters"`
	CreditsSpent             float64         `json:"credits_spent"`
	DetectedTelephoneNumber  string          `json:"detected_telephone_number"`
	FormattedTelephoneNumber string          `json:"formatted_telephone_number"`
	LiveStatus               string          `json:"live_status"`
	OriginalNetwork          string          `json:"original_network"`
	OriginalNetworkDetails   benchNetDetails `json:"original_network_details"`
	CurrentNetwork           string          `json:"current_network"`
	CurrentNetworkDetails    benchNetDetails `json:"current_network_details"`
	IsPorted                 string          `json:"is_ported"`
	DisposableNumber         string          `json:"disposable_number,omitempty"` // instant lookups only
	Timestamp                string          `json:"timestamp"`
	TelephoneNumberType      string          `json:"telephone_number_type"`
	SMSEmail                 string          `json:"sms_email"`
	MMSEmail                 string          `json:"mms_email"`
}

var benchStart = time.Date(2026, 5, 4, 10, 56, 3, 0, time.UTC)

// makeBenchRecord generates the deterministic result of the i-th number, as
// the fake service would: mostly LIVE mobiles, some ported, some without
// coverage, a timestamp that advances by a second every 50 lookups.
func makeBenchRecord(i int) *benchRecord {
	number := benchNumber(i)
	digits := number[1:]
	h := fnv.New64a()
	_, _ = h.Write([]byte(digits))
	sum := h.Sum64()
	r := &benchRecord{Error: "NONE", DetectedTelephoneNumber: digits, FormattedTelephoneNumber: number}
	r.UUID = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(sum>>32), uint16(sum>>16), uint16(sum)&0xfff, uint16(sum>>40)&0xfff, (sum*0x9E3779B97F4A7C15)>>16)
	p := &r.RequestParameters
	p.TelephoneNumber, p.SaveToCache, p.GetPortedDate, p.GetLandlineStatus, p.USAStatus = number, "YES", "NO", "NO", "NO"
	switch v := sum % 100; {
	case v < 70:
		r.LiveStatus = "LIVE"
	case v < 80:
		r.LiveStatus = "DEAD"
	case v < 87:
		r.LiveStatus = "ABSENT_SUBSCRIBER"
	case v < 92:
		r.LiveStatus = "NO_TELESERVICE_PROVISIONED"
	case v < 97:
		r.LiveStatus = "INCONCLUSIVE"
	default:
		r.LiveStatus = "NO_COVERAGE"
	}
	r.TelephoneNumberType = "MOBILE"
	if sum/100%100 >= 90 {
		r.TelephoneNumberType = "VOIP"
	}
	ni := int(sum / 1_000_000 % uint64(len(benchNets)))
	orig, cur := benchNets[ni], benchNets[ni]
	ported := sum/10_000%100 < 15
	if ported {
		cur = benchNets[(ni+1)%len(benchNets)]
	}
	details := func(n benchNet) benchNetDetails {
		return benchNetDetails{n.name, n.mccmnc, "United Kingdom", "GBR", "United Kingdom", "44"}
	}
	r.OriginalNetwork, r.OriginalNetworkDetails = "AVAILABLE", details(orig)
	r.IsPorted = "NO"
	if ported {
		r.IsPorted = "YES"
	}
	r.Timestamp = benchStart.Add(time.Duration(i/50) * time.Second).Format(time.RFC3339)
	if r.LiveStatus == "NO_COVERAGE" {
		r.CurrentNetwork, r.IsPorted = "NOT_AVAILABLE", "UNKNOWN"
		return r
	}
	r.CurrentNetwork, r.CurrentNetworkDetails = "AVAILABLE", details(cur)
	r.CreditsSpent = 1
	return r
}

// benchColumnFields gives, for each of the fake service's result columns,
// the index path of the benchRecord field that holds it, found by the JSON
// names ("a.b" is field b of the field a), so that the CSV rows follow the
// one column list (hlrlookuptest.ResultColumns) and a column the benchmark
// does not generate fails the benchmark instead of shifting the row.
func benchColumnFields() ([][]int, error) {
	var paths [][]int
	for _, col := range hlrlookuptest.ResultColumns() {
		var path []int
		t := reflect.TypeFor[benchRecord]()
		for name := range strings.SplitSeq(col, ".") {
			f, ok := benchJSONField(t, name)
			if !ok {
				return nil, fmt.Errorf("result column %q: benchRecord has no such field", col)
			}
			path, t = append(path, f.Index...), f.Type
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// benchJSONField is the field of struct type t named name in JSON.
func benchJSONField(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// csvFields appends r's CSV row to out[:0]: the uploaded number, then the
// fields at paths (from benchColumnFields).
func (r *benchRecord) csvFields(out []string, paths [][]int) []string {
	out = append(out[:0], r.RequestParameters.TelephoneNumber)
	v := reflect.ValueOf(r).Elem()
	for _, path := range paths {
		f := v.FieldByIndex(path)
		switch f.Kind() {
		case reflect.Int:
			out = append(out, strconv.FormatInt(f.Int(), 10))
		case reflect.Float64:
			out = append(out, strconv.FormatFloat(f.Float(), 'f', -1, 64))
		default:
			out = append(out, f.String())
		}
	}
	return out
}

// writeBenchResults writes rows results as a CSV download (format "csv") or
// a JSON download (a bare array, one compact record per line) and returns
// the file's size.
func writeBenchResults(b *testing.B, path, format string, rows int) int64 {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	switch format {
	case "csv":
		paths, perr := benchColumnFields()
		if perr != nil {
			b.Fatal(perr)
		}
		cw := csv.NewWriter(w)
		_ = cw.Write(benchHeader)
		var fields []string
		for i := range rows {
			fields = makeBenchRecord(i).csvFields(fields, paths)
			_ = cw.Write(fields)
		}
		cw.Flush()
		err = cw.Error()
	case "json":
		_, _ = w.WriteString("[\n")
		for i := range rows {
			line, merr := json.Marshal(makeBenchRecord(i))
			if merr != nil {
				b.Fatal(merr)
			}
			_, _ = w.Write(line)
			if i < rows-1 {
				_ = w.WriteByte(',')
			}
			_ = w.WriteByte('\n')
		}
		_, err = w.WriteString("]\n")
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// benchFixture generates a results file once, on first use, so that a
// filtered run (-bench) generates only what it runs.
type benchFixture struct {
	once sync.Once
	path string
	size int64
}

func (f *benchFixture) get(b *testing.B, srv *benchServer, dir, id, format string, rows int) (string, int64) {
	f.once.Do(func() {
		f.path = filepath.Join(dir, id+"."+format)
		f.size = writeBenchResults(b, f.path, format, rows)
		srv.serve(id, format, f.path)
	})
	if f.path == "" {
		b.Fatal("fixture generation failed")
	}
	return f.path, f.size
}

// ----------------------------------------------------------------- peak heap

// benchHeapPeak samples runtime/metrics every millisecond while the
// benchmark runs and reports two peaks: "peak-heap-MB", the bytes of heap
// objects, live and not yet collected (/memory/classes/heap/objects:bytes),
// and "peak-live-MB", the heap the last GC found live (/gc/heap/live:bytes),
// which is what the operation retains. The heap is collected first, so the
// figures are what the operation brought to the heap (plus the small
// resident heap of the test binary).
type benchHeapPeak struct {
	stop chan struct{}
	done chan [2]uint64
}

func startHeapPeak() *benchHeapPeak {
	runtime.GC()
	p := &benchHeapPeak{stop: make(chan struct{}), done: make(chan [2]uint64)}
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		var peak [2]uint64
		read := func() {
			metrics.Read(s)
			peak[0] = max(peak[0], s[0].Value.Uint64())
			peak[1] = max(peak[1], s[1].Value.Uint64())
		}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-p.stop:
				read()
				p.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// report stops sampling and reports the peak.
func (p *benchHeapPeak) report(b *testing.B) {
	close(p.stop)
	reportHeapPeak(b, <-p.done)
}

// reportHeapPeak reports a peak heap and live heap, in bytes, as megabytes
// (10^6 bytes): benchstat reads the unit "MB" so and prints bytes.
func reportHeapPeak(b *testing.B, peak [2]uint64) {
	b.ReportMetric(float64(peak[0])/1e6, "peak-heap-MB")
	b.ReportMetric(float64(peak[1])/1e6, "peak-live-MB")
}

// TestHeapPeakUnit: the peaks are reported in the unit their name says, MB
// (10^6 bytes, as benchstat reads it), not MiB: 3,000,000 bytes are 3 MB.
func TestHeapPeakUnit(t *testing.T) {
	t.Parallel()
	r := testing.Benchmark(func(b *testing.B) { reportHeapPeak(b, [2]uint64{3_000_000, 1_500_000}) })
	if heap, live := r.Extra["peak-heap-MB"], r.Extra["peak-live-MB"]; heap != 3 || live != 1.5 {
		t.Errorf("3,000,000 and 1,500,000 bytes reported as %v peak-heap-MB and %v peak-live-MB, want 3 and 1.5", heap, live)
	}
}

// benchRun runs op b.N times with the timer, allocation and heap
// accounting around it only.
func benchRun(b *testing.B, bytes int64, op func() error) {
	b.Helper()
	b.SetBytes(bytes)
	b.ReportAllocs()
	peak := startHeapPeak()
	b.ResetTimer()
	for range b.N {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak.report(b)
}

// reportRows reports rows/s for rows per operation.
func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// ----------------------------------------------------------------- 1. upload

// BenchmarkUploadFile compares UploadFile with a plain net/http POST of the
// same file (Content-Length set, body copied by net/http's io.Copy), for a
// file of ~14 MB and one ten times larger (allocations must not grow).
func BenchmarkUploadFile(b *testing.B) {
	srv := newBenchServer(b)
	c, hc := srv.sdk(b), srv.plain()
	dir := b.TempDir()
	for _, n := range benchSizes(1_000_000, 10_000_000, 10_000, 100_000) {
		path := filepath.Join(dir, fmt.Sprintf("numbers-%d.csv", n))
		var once sync.Once
		var size int64
		gen := func(b *testing.B) { once.Do(func() { size = writeBenchNumbers(b, path, n) }) }
		b.Run(fmt.Sprintf("numbers=%d/side=sdk", n), func(b *testing.B) {
			gen(b)
			benchRun(b, size, func() error {
				return c.UploadFile(context.Background(), "1001", path, nil)
			})
		})
		b.Run(fmt.Sprintf("numbers=%d/side=baseline", n), func(b *testing.B) {
			gen(b)
			benchRun(b, size, func() error {
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/batches/1001/source", f)
				if err != nil {
					return err
				}
				req.ContentLength = size
				req.Header.Set("Content-Type", "text/csv")
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				_, _ = io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %s", resp.Status)
				}
				return nil
			})
		})
		// Not in the table: the baseline with the file hidden behind a
		// plain io.Reader, so that net/http cannot use sendfile and copies
		// in user space, as it must for the SDK's body.
		b.Run(fmt.Sprintf("numbers=%d/side=baseline-no-sendfile", n), func(b *testing.B) {
			gen(b)
			benchRun(b, size, func() error {
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				defer f.Close()
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/batches/1001/source", struct{ io.Reader }{f})
				if err != nil {
					return err
				}
				req.ContentLength = size
				req.Header.Set("Content-Type", "text/csv")
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				_, _ = io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %s", resp.Status)
				}
				return nil
			})
		})
		_ = os.Remove(path)
	}
}

// ----------------------------------------------------------------- 2. download

// BenchmarkDownload compares DownloadTo (into io.Discard) and DownloadFile
// with a plain http.Get and io.Copy into io.Discard and into a file, for the
// CSV results of 100,000 and 1,000,000 numbers.
func BenchmarkDownload(b *testing.B) {
	srv := newBenchServer(b)
	c, hc := srv.sdk(b), srv.plain()
	dir := b.TempDir()
	for _, rows := range benchSizes(100_000, 1_000_000, 1_000, 10_000) {
		id := "d" + strconv.Itoa(rows)
		var fx benchFixture
		var size int64
		out := filepath.Join(dir, "out.csv")
		get := func(w io.Writer) (int64, error) {
			resp, err := hc.Get(srv.URL + "/batches/" + id + "/results")
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("status %s", resp.Status)
			}
			return io.Copy(w, resp.Body)
		}
		check := func(n int64, err error) error {
			if err == nil && n != size {
				err = fmt.Errorf("got %d of %d bytes", n, size)
			}
			return err
		}
		prefix := fmt.Sprintf("rows=%d", rows)
		b.Run(prefix+"/to/side=sdk", func(b *testing.B) {
			_, size = fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error {
				return check(c.DownloadTo(context.Background(), hlrlookup.BatchID(id), hlrlookup.FormatCSV, io.Discard))
			})
		})
		b.Run(prefix+"/to/side=baseline", func(b *testing.B) {
			_, size = fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error { return check(get(io.Discard)) })
		})
		b.Run(prefix+"/file/side=sdk", func(b *testing.B) {
			_, size = fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error {
				return check(c.DownloadFile(context.Background(), hlrlookup.BatchID(id), hlrlookup.FormatCSV, out))
			})
		})
		b.Run(prefix+"/file/side=baseline", func(b *testing.B) {
			_, size = fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				n, err := get(f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				return check(n, err)
			})
		})
		_ = os.Remove(out)
		_ = os.Remove(fx.path)
	}
}

// ----------------------------------------------------------------- 3. results CSV

// BenchmarkResultsCSV compares Results (typed, streaming) with the plain
// approach: encoding/csv reading the download into a map[string]string per
// row (header name -> value), for 100,000 and 1,000,000 rows.
func BenchmarkResultsCSV(b *testing.B) {
	srv := newBenchServer(b)
	c, hc := srv.sdk(b), srv.plain()
	dir := b.TempDir()
	for _, rows := range benchSizes(100_000, 1_000_000, 1_000, 10_000) {
		id := "c" + strconv.Itoa(rows)
		var fx benchFixture
		b.Run(fmt.Sprintf("rows=%d/side=sdk", rows), func(b *testing.B) {
			_, size := fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error {
				n, live := 0, 0
				for r, err := range c.Results(context.Background(), hlrlookup.BatchID(id)) {
					if err != nil {
						return err
					}
					n++
					if r.Live() {
						live++
					}
				}
				return benchCheckRows(n, live, rows)
			})
			reportRows(b, rows)
		})
		b.Run(fmt.Sprintf("rows=%d/side=baseline", rows), func(b *testing.B) {
			_, size := fx.get(b, srv, dir, id, "csv", rows)
			benchRun(b, size, func() error {
				resp, err := hc.Get(srv.URL + "/batches/" + id + "/results")
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				cr := csv.NewReader(resp.Body)
				header, err := cr.Read()
				if err != nil {
					return err
				}
				n, live := 0, 0
				for {
					rec, err := cr.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						return err
					}
					m := make(map[string]string, len(header))
					for i, v := range rec {
						m[header[i]] = v
					}
					n++
					if m["live_status"] == "LIVE" {
						live++
					}
				}
				return benchCheckRows(n, live, rows)
			})
			reportRows(b, rows)
		})
		_ = os.Remove(fx.path)
	}
}

// benchCheckRows checks that all rows were decoded, and that a plausible
// share of them is LIVE (70% by construction).
func benchCheckRows(n, live, want int) error {
	if n != want {
		return fmt.Errorf("decoded %d rows, want %d", n, want)
	}
	if live < want/2 || live > want*9/10 {
		return fmt.Errorf("%d of %d rows LIVE, want about 70%%", live, want)
	}
	return nil
}

// ----------------------------------------------------------------- 4. results JSON

// BenchmarkResultsJSON compares ReadResults over a streamed JSON download
// (Download with FormatJSON) with the plain approach: reading the whole body
// and json.Unmarshal into []map[string]any, for 100,000 and 1,000,000 rows.
func BenchmarkResultsJSON(b *testing.B) {
	srv := newBenchServer(b)
	c, hc := srv.sdk(b), srv.plain()
	dir := b.TempDir()
	for _, rows := range benchSizes(100_000, 1_000_000, 1_000, 10_000) {
		id := "j" + strconv.Itoa(rows)
		var fx benchFixture
		b.Run(fmt.Sprintf("rows=%d/side=sdk", rows), func(b *testing.B) {
			_, size := fx.get(b, srv, dir, id, "json", rows)
			benchRun(b, size, func() error {
				body, err := c.Download(context.Background(), hlrlookup.BatchID(id), hlrlookup.FormatJSON)
				if err != nil {
					return err
				}
				defer body.Close()
				n, live := 0, 0
				for r, err := range hlrlookup.ReadResults(body) {
					if err != nil {
						return err
					}
					n++
					if r.Live() {
						live++
					}
				}
				return benchCheckRows(n, live, rows)
			})
			reportRows(b, rows)
		})
		b.Run(fmt.Sprintf("rows=%d/side=baseline", rows), func(b *testing.B) {
			_, size := fx.get(b, srv, dir, id, "json", rows)
			benchRun(b, size, func() error {
				resp, err := hc.Get(srv.URL + "/batches/" + id + "/results?format=json")
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				data, err := io.ReadAll(resp.Body)
				if err != nil {
					return err
				}
				var recs []map[string]any
				if err := json.Unmarshal(data, &recs); err != nil {
					return err
				}
				live := 0
				for _, m := range recs {
					if m["live_status"] == "LIVE" {
						live++
					}
				}
				return benchCheckRows(len(recs), live, rows)
			})
			reportRows(b, rows)
		})
		_ = os.Remove(fx.path)
	}
}

// ----------------------------------------------------------------- 5. upload numbers

// BenchmarkUploadNumbers compares UploadNumbers of 100,000 numbers (the
// most a body may hold) with building the same body by hand and a plain
// net/http POST.
func BenchmarkUploadNumbers(b *testing.B) {
	srv := newBenchServer(b)
	c, hc := srv.sdk(b), srv.plain()
	numbers := make([]string, hlrlookup.MaxBodyNumbers)
	size := 0
	for i := range numbers {
		numbers[i] = benchNumber(i)
		size += len(numbers[i]) + 1
	}
	name := fmt.Sprintf("numbers=%d", len(numbers))
	b.Run(name+"/side=sdk", func(b *testing.B) {
		benchRun(b, int64(size), func() error {
			return c.UploadNumbers(context.Background(), "1001", numbers)
		})
		reportRows(b, len(numbers))
	})
	b.Run(name+"/side=baseline", func(b *testing.B) {
		benchRun(b, int64(size), func() error {
			var sb strings.Builder
			sb.Grow(size)
			for _, n := range numbers {
				sb.WriteString(n)
				sb.WriteByte('\n')
			}
			resp, err := hc.Post(srv.URL+"/batches/1001/source", "text/csv", strings.NewReader(sb.String()))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return errors.New(resp.Status)
			}
			return nil
		})
		reportRows(b, len(numbers))
	})
}
