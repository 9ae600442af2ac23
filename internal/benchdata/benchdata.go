// Package benchdata generates the results downloads the benchmarks read: N
// rows of realistic results of GET /batches/{id}/results, as CSV and as
// JSON, streamed to an io.Writer in flat memory and the same on every run
// (row i depends on i only).
//
// Realistic means what a real download holds and a decoder must handle:
//
//   - CSV: the uploaded file's own columns first (OwnColumns: phone,
//     customer_id, full_name, email, segment, signup_date, notes), then the
//     result columns in the order of hlrlookuptest.ResultColumns. Numbers
//     of nine countries, networks named as an HLR names them, many with
//     commas ("T-Mobile USA, Inc.", "Telefónica Móviles España, S.A.U."),
//     customer names "Last, First" on 40 % of the rows and a few with
//     doubled quotes (`Robert "Bob" Smith`), free-text notes: 73 % of the
//     rows have at least one quoted field. About 70 % LIVE (LiveCount gives
//     the exact count), timestamps (RFC 3339 as PHP writes it, "+00:00")
//     advancing one second every 50 rows, about 398 bytes a row:
//     1,000,000 rows are 398,296,135 bytes.
//   - JSON: the same results (without the uploaded file's columns), one
//     record per line in a bare array, shaped like the fake service's
//     records and escaped as a PHP service's json_encode escapes: '/' as
//     `\/`, every non-ASCII character as `\u00f3`, and '&' as `\u0026` on
//     half of the records that hold one: 38 % of the records carry at least
//     one escape. About 956 bytes a record: 1,000,000 records are
//     956,279,293 bytes.
//
// Version changes whenever the output changes, so that cached files can be
// told apart.
package benchdata

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed682fd871/hlrlookup/hlrlookuptest"
)

// Version identifies the generator's output: it changes whenever a byte of
// it would.
const Version = "1"

// ownColumns are the uploaded file's columns.
var ownColumns = []string{"phone", "customer_id", "full_name", "email", "segment", "signup_date", "notes"}

// OwnColumns returns the uploaded file's columns, which come first in the
// CSV download (a fresh slice).
func OwnColumns() []string { return slices.Clone(ownColumns) }

// resultColumns are hlrlookuptest.ResultColumns, read once.
var resultColumns = hlrlookuptest.ResultColumns()

// Header returns the CSV download's header: OwnColumns, then
// hlrlookuptest.ResultColumns (a fresh slice).
func Header() []string { return slices.Concat(ownColumns, resultColumns) }

// The positions of the result fields in a row (after the own columns),
// found by name so that the row follows hlrlookuptest.ResultColumns.
var (
	fError, fUUID, fTel, fCachePrivate, fCacheGlobal, fSaveToCache, fInputFormat, fOutputFormat,
	fPortedDate, fLandline, fUSAStatus, fCredits, fDetected, fFormatted, fLive, fOrig,
	fOrigName, fOrigMCCMNC, fOrigCountry, fOrigISO3, fOrigArea, fOrigPrefix, fCur,
	fCurName, fCurMCCMNC, fCurCountry, fCurISO3, fCurArea, fCurPrefix,
	fPorted, fTimestamp, fType, fSMS, fMMS int
)

// numeric marks the result fields written as JSON numbers.
var numeric = make([]bool, len(resultColumns))

func init() {
	at := map[string]*int{
		"error": &fError, "uuid": &fUUID,
		"request_parameters.telephone_number":     &fTel,
		"request_parameters.cache_days_private":   &fCachePrivate,
		"request_parameters.cache_days_global":    &fCacheGlobal,
		"request_parameters.save_to_cache":        &fSaveToCache,
		"request_parameters.input_format":         &fInputFormat,
		"request_parameters.output_format":        &fOutputFormat,
		"request_parameters.get_ported_date":      &fPortedDate,
		"request_parameters.get_landline_status":  &fLandline,
		"request_parameters.usa_status":           &fUSAStatus,
		"credits_spent":                           &fCredits,
		"detected_telephone_number":               &fDetected,
		"formatted_telephone_number":              &fFormatted,
		"live_status":                             &fLive,
		"original_network":                        &fOrig,
		"original_network_details.name":           &fOrigName,
		"original_network_details.mccmnc":         &fOrigMCCMNC,
		"original_network_details.country_name":   &fOrigCountry,
		"original_network_details.country_iso3":   &fOrigISO3,
		"original_network_details.area":           &fOrigArea,
		"original_network_details.country_prefix": &fOrigPrefix,
		"current_network":                         &fCur,
		"current_network_details.name":            &fCurName,
		"current_network_details.mccmnc":          &fCurMCCMNC,
		"current_network_details.country_name":    &fCurCountry,
		"current_network_details.country_iso3":    &fCurISO3,
		"current_network_details.area":            &fCurArea,
		"current_network_details.country_prefix":  &fCurPrefix,
		"is_ported":                               &fPorted,
		"timestamp":                               &fTimestamp,
		"telephone_number_type":                   &fType,
		"sms_email":                               &fSMS,
		"mms_email":                               &fMMS,
	}
	if len(at) != len(resultColumns) {
		panic(fmt.Sprintf("benchdata: %d result columns, the generator fills %d", len(resultColumns), len(at)))
	}
	for i, name := range resultColumns {
		p, ok := at[name]
		if !ok {
			panic("benchdata: the generator does not fill the result column " + name)
		}
		*p = len(ownColumns) + i
	}
	for _, i := range []int{fCachePrivate, fCacheGlobal, fCredits} {
		numeric[i-len(ownColumns)] = true
	}
}

// mix is splitmix64's finaliser: a well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// rowHash is the hash row i's fields are drawn from.
func rowHash(i int) uint64 { return mix(uint64(i) ^ 0x6a09e667f3bcc908) }

// liveStatus is row i's live_status, drawn from its hash: 70 % LIVE.
func liveStatus(h uint64) string {
	switch v := h % 100; {
	case v < 70:
		return "LIVE"
	case v < 80:
		return "DEAD"
	case v < 87:
		return "ABSENT_SUBSCRIBER"
	case v < 92:
		return "NO_TELESERVICE_PROVISIONED"
	case v < 97:
		return "INCONCLUSIVE"
	default:
		return "NO_COVERAGE"
	}
}

// LiveCount returns how many of the first rows rows are LIVE: the answer
// every program that counts LIVE results of a generated download must give.
func LiveCount(rows int) int {
	n := 0
	for i := range rows {
		if rowHash(i)%100 < 70 {
			n++
		}
	}
	return n
}

// start is the first row's timestamp.
var start = time.Date(2026, 5, 4, 10, 56, 3, 0, time.UTC)

// timestampLayout is RFC 3339 as PHP's DATE_ATOM writes it, "+00:00" for
// UTC.
const timestampLayout = "2006-01-02T15:04:05-07:00"

// generator makes rows; it caches the timestamp, which changes every 50
// rows.
type generator struct {
	fields  []string
	tsSec   int
	tsValue string
	hexAmp  bool // this record's JSON escapes '&' as \u0026
}

func newGenerator() *generator {
	return &generator{fields: make([]string, len(ownColumns)+len(resultColumns)), tsSec: -1}
}

// row fills g.fields with row i (own columns, then result columns).
func (g *generator) row(i int) []string {
	h := rowHash(i)
	h1, h2, h3 := mix(h^1), mix(h^2), mix(h^3)
	f := g.fields
	c := countryByPercent[h>>8%100]
	ni := int(h >> 16 % uint64(len(c.networks)))
	orig, cur := &c.networks[ni], &c.networks[ni]
	ported := h>>24%100 < 12
	if ported {
		cur = &c.networks[(ni+1)%len(c.networks)]
	}
	area := c.areas[int(h>>40%uint64(len(c.areas)))]

	// The number: the country's mobile prefix and a national part unique
	// to i (i times an odd number not divisible by 5 is a bijection mod
	// 10^8).
	national := c.mobile + fmt.Sprintf("%08d", uint64(i)*2654435761%100_000_000)
	if c.prefix == "1" {
		national = usAreaCodes[h>>44%uint64(len(usAreaCodes))] + national[1:]
	}
	detected := c.prefix + national
	uploaded := "+" + detected
	switch h1 % 10 {
	case 0, 1, 2: // as typed by hand: "+44 7700 900123"
		uploaded = "+" + c.prefix + " " + national[:4] + " " + national[4:]
	case 3:
		uploaded = "00" + detected
	}

	// The uploaded file's own columns.
	first, last := &firstNames[h2%uint64(len(firstNames))], &lastNames[h2>>8%uint64(len(lastNames))]
	var name string
	switch v := h2 >> 16 % 100; {
	case v < 40:
		name = last.name + ", " + first.name
	case v < 98:
		name = first.name + " " + last.name
	default:
		name = first.name + ` "` + nicknames[h2>>24%uint64(len(nicknames))] + `" ` + last.name
	}
	f[0] = uploaded
	f[1] = "CUST-" + strconv.Itoa(1_000_000+i)
	f[2] = name
	f[3] = first.ascii + "." + last.ascii + strconv.Itoa(int(h2>>32%1000)) + "@" + mailDomains[h2>>40%uint64(len(mailDomains))]
	f[4] = segments[h2>>48%uint64(len(segments))]
	f[5] = start.AddDate(0, 0, -int(h3%2000)).Format(time.DateOnly)
	f[6] = notes[h3>>16%uint64(len(notes))]

	// The result.
	live := liveStatus(h)
	numType := "MOBILE"
	switch v := h >> 32 % 100; {
	case v < 78:
	case v < 88:
		numType = "LANDLINE"
	case v < 95:
		numType = "VOIP"
	default:
		numType = "MOBILE_OR_LANDLINE"
	}
	f[fError] = "NONE"
	f[fUUID] = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(h1>>32), uint16(h1>>16), uint16(h1)&0xfff, uint16(h3>>48)&0x3fff|0x8000, h3&0xffffffffffff)
	f[fTel] = uploaded
	f[fCachePrivate], f[fCacheGlobal] = "0", "30"
	f[fSaveToCache], f[fInputFormat], f[fOutputFormat] = "YES", "", ""
	f[fPortedDate], f[fLandline], f[fUSAStatus] = "NO", "NO", "NO"
	f[fDetected], f[fFormatted] = detected, "+"+detected
	f[fLive] = live
	f[fOrig] = "AVAILABLE"
	f[fOrigName], f[fOrigMCCMNC], f[fOrigCountry], f[fOrigISO3], f[fOrigArea], f[fOrigPrefix] = orig.name, orig.mccmnc, c.name, c.iso3, area, c.prefix
	f[fType] = numType
	f[fSMS], f[fMMS] = "", ""
	if sec := i / 50; sec != g.tsSec {
		g.tsSec, g.tsValue = sec, start.Add(time.Duration(sec)*time.Second).Format(timestampLayout)
	}
	f[fTimestamp] = g.tsValue
	if live == "NO_COVERAGE" {
		f[fCredits], f[fCur], f[fPorted] = "0", "NOT_AVAILABLE", "UNKNOWN"
		f[fCurName], f[fCurMCCMNC], f[fCurCountry], f[fCurISO3], f[fCurArea], f[fCurPrefix] = "", "", "", "", "", ""
	} else {
		f[fCredits] = "1"
		if h3>>32%10 == 0 {
			f[fCredits] = "0.5" // a hit in the global cache
		}
		f[fCur] = "AVAILABLE"
		f[fCurName], f[fCurMCCMNC], f[fCurCountry], f[fCurISO3], f[fCurArea], f[fCurPrefix] = cur.name, cur.mccmnc, c.name, c.iso3, area, c.prefix
		f[fPorted] = "NO"
		if ported {
			f[fPorted] = "YES"
		}
		if numType == "MOBILE" && cur.sms != "" {
			f[fSMS], f[fMMS] = national+"@"+cur.sms, national+"@"+cur.mms
		}
	}
	g.hexAmp = h3>>36&1 == 1
	return f
}

// usAreaCodes are the area codes of the US numbers.
var usAreaCodes = []string{"212", "310", "415", "512", "305", "312", "202", "404", "614"}

// WriteCSV writes the CSV download of rows results to w: the header, then
// one row per result, each line ending in "\n", quoted as encoding/csv
// quotes. It buffers, so w may be unbuffered.
func WriteCSV(w io.Writer, rows int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	buf := appendCSVRow(nil, Header())
	g := newGenerator()
	for i := range rows {
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		buf = appendCSVRow(buf[:0], g.row(i))
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// appendCSVRow appends fields as a CSV line.
func appendCSVRow(buf []byte, fields []string) []byte {
	for i, s := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		if s == "" || !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' {
			buf = append(buf, s...)
			continue
		}
		buf = append(buf, '"')
		for j := range len(s) {
			if s[j] == '"' {
				buf = append(buf, '"')
			}
			buf = append(buf, s[j])
		}
		buf = append(buf, '"')
	}
	return append(buf, '\n')
}

// WriteJSON writes the JSON download of rows results to w: a bare array,
// one record per line. It buffers, so w may be unbuffered.
func WriteJSON(w io.Writer, rows int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	buf := []byte("[\n")
	g := newGenerator()
	for i := range rows {
		buf = appendJSONRecord(buf, g.row(i)[len(ownColumns):], g.hexAmp)
		if i < rows-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	buf = append(buf, "]\n"...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// jsonKeys are what comes before each result field's value in a record:
// the comma, the closing of the previous nested object and the opening of
// the next one as the dotted column names change prefix, and the key.
// jsonEnd closes the record.
var jsonKeys, jsonEnd = func() ([]string, string) {
	keys := make([]string, len(resultColumns))
	var open []string // the enclosing objects' keys
	for i, col := range resultColumns {
		parts := strings.Split(col, ".")
		path, key := parts[:len(parts)-1], parts[len(parts)-1]
		common := 0
		for common < len(open) && common < len(path) && open[common] == path[common] {
			common++
		}
		var b strings.Builder
		if i == 0 {
			b.WriteByte('{')
		}
		b.WriteString(strings.Repeat("}", len(open)-common))
		if i > 0 {
			b.WriteByte(',')
		}
		for _, p := range path[common:] {
			b.WriteString(`"` + p + `":{`)
		}
		b.WriteString(`"` + key + `":`)
		keys[i], open = b.String(), path
	}
	return keys, strings.Repeat("}", len(open)) + "}"
}()

// appendJSONRecord appends the result fields as one JSON record.
func appendJSONRecord(buf []byte, fields []string, hexAmp bool) []byte {
	for i, s := range fields {
		buf = append(buf, jsonKeys[i]...)
		if numeric[i] {
			buf = append(buf, s...)
			continue
		}
		buf = appendPHPString(buf, s, hexAmp)
	}
	return append(buf, jsonEnd...)
}

// appendPHPString appends s as a JSON string the way PHP's json_encode
// writes it by default: '/' escaped, every non-ASCII character as \uXXXX
// (lower-case hex, a surrogate pair above U+FFFF), and with hexAmp '&' as
// \u0026 (JSON_HEX_AMP).
func appendPHPString(buf []byte, s string, hexAmp bool) []byte {
	const hex = "0123456789abcdef"
	u := func(buf []byte, r rune) []byte {
		return append(buf, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	buf = append(buf, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '/':
			buf = append(buf, '\\', byte(r))
		case r == '\n':
			buf = append(buf, '\\', 'n')
		case r == '\r':
			buf = append(buf, '\\', 'r')
		case r == '\t':
			buf = append(buf, '\\', 't')
		case r < 0x20 || r == '&' && hexAmp:
			buf = u(buf, r)
		case r < 0x80:
			buf = append(buf, byte(r))
		case r > 0xffff:
			r -= 0x10000
			buf = u(u(buf, 0xd800+r>>10), 0xdc00+r&0x3ff)
		default:
			buf = u(buf, r)
		}
	}
	return append(buf, '"')
}
