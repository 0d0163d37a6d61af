package content_test

import (
	"context"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/testdb"
)

// TestParseDateTimeAgainstRFC3339AndPostgreSQL: breaker3 F17, DateTime
// refused "2026-11-30t10:00:00z" (RFC 3339 section 5.6 NOTE: t and z may be
// lower case) with a message asking for RFC 3339, and refused every leap
// second. The oracles: RFC 3339's grammar (section 5.6, transcribed as a
// regular expression with its ranges: month, the day of that month by
// Appendix C's leap-year rule, hour, minute, offset hours 00-23), section
// 5.7 for second 60 (23:59:60 UTC on 30 June or 31 December, the offset
// shifting it; PostgreSQL computes the UTC time), the hub's year rule
// (0001-9999, written and in UTC), and PostgreSQL's timestamptz input for
// the instant of every string accepted (to the microsecond, its
// resolution). Over generated strings built from the edges of each field,
// separator and offset, and breaker3's examples.
func TestParseDateTimeAgainstRFC3339AndPostgreSQL(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	grammar := regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$`)
	// instant is PostgreSQL's reading of an RFC 3339 string s: microseconds
	// since the epoch and the UTC month-day, hour-minute and year; ok false
	// if it refuses. The local time is read as a timestamp and the offset
	// taken off as an interval (timestamptz input refuses offsets past
	// 15:59, which RFC 3339 allows).
	instant := func(s string) (micros int64, mdhm string, year int, ok bool) {
		m := grammar.FindStringSubmatch(s)
		if m == nil {
			return 0, "", 0, false
		}
		offset := "0"
		if m[9] != "" {
			offset = m[9] + m[10] + ":" + m[11]
		}
		var epoch string
		err := conn.QueryRow(ctx, `SELECT (extract(epoch from $1::timestamp - $2::interval) * 1000000)::bigint::text,
			to_char($1::timestamp - $2::interval, 'MM-DD HH24:MI'), extract(year from $1::timestamp - $2::interval)::int`,
			s[:10]+" "+s[11:19]+m[7], offset).Scan(&epoch, &mdhm, &year)
		if err != nil {
			return 0, "", 0, false
		}
		micros, _ = strconv.ParseInt(epoch, 10, 64)
		return micros, mdhm, year, true
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	// rfc3339 says whether s is an RFC 3339 date-time the hub accepts.
	rfc3339 := func(s string) bool {
		m := grammar.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		year, month, day := num(m[1]), num(m[2]), num(m[3])
		leapYear := year%4 == 0 && (year%100 != 0 || year%400 == 0) // RFC 3339 Appendix C
		days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
		if month < 1 || month > 12 {
			return false
		}
		if leapYear {
			days[1] = 29
		}
		if day < 1 || day > days[month-1] || num(m[4]) > 23 || num(m[5]) > 59 || num(m[6]) > 60 {
			return false
		}
		if m[9] != "" && (num(m[10]) > 23 || num(m[11]) > 59) {
			return false
		}
		if year < 1 {
			return false
		}
		// Second 60 (section 5.7), and the year in UTC, with PostgreSQL
		// doing the calendar arithmetic on the string at second 59.
		_, mdhm, _, ok := instant(s[:17] + "59" + s[19:])
		_, _, utcYear, ok2 := instant(s) // a leap second is the next second's instant
		if !ok || !ok2 || utcYear < 1 || utcYear > 9999 {
			return false
		}
		// A leap second whole: PostgreSQL refuses 23:59:60.5, and POSIX
		// time could not order it.
		return num(m[6]) < 60 || (mdhm == "06-30 23:59" || mdhm == "12-31 23:59") && strings.Trim(m[7], ".0") == ""
	}

	cases := []string{"2026-11-30t10:00:00z", "2026-11-30T10:00:60Z", "2016-12-31T23:59:60Z", "2016-06-30t23:59:60z",
		"2017-01-01T00:59:60+01:00", "2016-12-31T22:59:60-01:00", "2015-06-30T23:59:60.5Z", "2016-12-31T23:59:60+00:00",
		"2027-01-04T09:00:00Z", "2027-01-04T09:00:00", "2027-01-04 09:00:00Z", "2027-01-04T09:00:00,5Z", "0001-01-01T00:30:00+01:00",
		"9999-12-31T23:30:00-01:00", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "1900-02-29T12:00:00Z", "2000-02-29T12:00:00Z"}
	rng := rand.New(rand.NewPCG(17, 2026))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	// Each string starts valid and has up to two fields replaced by
	// an edge value, valid or not.
	for n := 0; n < 1500; n++ {
		f := []string{pick("2026", "2024", "2016", "2000", "1999"), pick("01", "06", "11", "12"), pick("01", "15", "28", "30"),
			"T", pick("00", "09", "12", "23"), pick("00", "30", "59"), pick("00", "30", "59"), pick("", "", ".5", ".123456"), pick("Z", "+00:00", "+01:00", "-05:00")}
		if rng.IntN(3) == 0 { // a leap second where one can be
			f[1], f[2], f[4], f[5], f[6] = pick("06", "12"), "30", "23", "59", "60"
			if f[1] == "12" {
				f[2] = "31"
			}
		}
		edges := [][]string{
			{"0000", "0001", "1900", "2100", "9999"}, {"00", "02", "13"}, {"00", "29", "30", "31", "32"},
			{"t", " ", "_", "Tt"}, {"24", "99"}, {"60", "61"}, {"60", "61", "58"},
			{".", ",5", ".000000", ".000001", ".1234567891", "."}, {"z", "-00:00", "+23:59", "-23:59", "+24:00", "-12:60", "", "+0100", "+01", "Zz", "+05:30"},
		}
		for k := rng.IntN(3); k > 0; k-- {
			i := rng.IntN(len(f))
			f[i] = pick(edges[i]...)
		}
		cases = append(cases, f[0]+"-"+f[1]+"-"+f[2]+f[3]+f[4]+":"+f[5]+":"+f[6]+f[7]+f[8])
	}
	accepted := 0
	for _, s := range cases {
		got, err := content.ParseDateTime(s)
		want := rfc3339(s)
		if want != (err == nil) {
			t.Errorf("%q: accepted %v (%v), RFC 3339 and the year rule say %v", s, err == nil, err, want)
			continue
		}
		if err != nil {
			continue
		}
		accepted++
		micros, _, _, ok := instant(s)
		if !ok {
			t.Errorf("%q: PostgreSQL refuses what the hub accepts", s)
			continue
		}
		// PostgreSQL rounds to the microsecond; the hub keeps nanoseconds.
		if d := got.Sub(time.UnixMicro(micros)); d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("%q: the hub reads %s, PostgreSQL %s", s, got.UTC().Format(time.RFC3339Nano), time.UnixMicro(micros).UTC().Format(time.RFC3339Nano))
		}
	}
	if accepted < 300 || accepted > len(cases)-300 {
		t.Errorf("%d of %d accepted: the generator should reach both outcomes", accepted, len(cases))
	}
}
