package data

import (
	"bytes"
	"testing"
)

// FuzzReadSeriesCSV: no input makes the CSV series reader panic, and what it accepts round-trips.
func FuzzReadSeriesCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n3,4\n", "time,a\n2020-01-01,1\n2020-01-02,2\n", "a\n1\n", "a,b\n1\n", "a,b\n1,\n", "a\nNaN\n1\n",
		"0.5,1.5\n2,3\n", "a,\"b\n1,2\n", "\"x\ny\",b\n1,2\n", "", "a,b\n", "t,a\n,1\n",
		string(gzipped([]byte("a,b\n1,2\n"))), "a" + string(bytes.Repeat([]byte(",a"), 1<<17)) + "\n",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		opt := fuzzOptions
		opt.Format = FormatCSV
		opt.TimeColumn = TimeColumn(mode % 3)
		opt.Missing = Missing(mode / 3 % 2)
		fuzzRoundTrip(t, in, "fuzz.csv", opt)
	})
}
