package data

import (
	"bytes"
	"slices"
	"testing"
)

// fuzzOptions keep the fuzzers' budgets small, so that a seed that asks for much is refused quickly.
var fuzzOptions = SeriesOptions{MaxValues: 1 << 16, MaxBytes: 1 << 20, MaxLine: 1 << 14}

// fuzzRoundTrip reads in as a file called name under opt; what the reader accepts must be a valid series
// within the budget that its writer writes and its reader reads back to the same values.
func fuzzRoundTrip(t *testing.T, in []byte, name string, opt SeriesOptions) {
	s, err := DecodeSeries(bytes.NewReader(in), name, opt)
	if err != nil {
		return
	}
	if err := s.Check(); err != nil {
		t.Fatalf("accepted an invalid series: %v", err)
	}
	if s.T*s.N > opt.MaxValues {
		t.Fatalf("accepted %d × %d values over the budget of %d", s.T, s.N, opt.MaxValues)
	}
	var buf bytes.Buffer
	if err := EncodeSeries(&buf, s, opt.Format); err != nil {
		t.Fatalf("writing back: %v", err)
	}
	opt.MaxBytes, opt.MaxValues, opt.MaxLine = 0, 0, 0
	if opt.Format == FormatCSV && opt.TimeColumn == TimeAuto {
		opt.TimeColumn = TimeNone // the writer's time column, if any, is read back as such
		if s.Times != nil {
			opt.TimeColumn = TimeFirst
		}
	}
	text := buf.String()
	back, err := DecodeSeries(&buf, name, opt)
	if err != nil {
		t.Fatalf("reading back %q: %v", text, err)
	}
	if back.T != s.T || back.N != s.N || !slices.Equal(back.Values, s.Values) {
		t.Fatalf("read back %d × %d %v, expected %d × %d %v", back.T, back.N, back.Values, s.T, s.N, s.Values)
	}
}

// FuzzReadLSTNet: no input makes the LSTNet reader panic, and what it accepts round-trips.
func FuzzReadLSTNet(f *testing.F) {
	for _, seed := range []string{
		"1,2,3\n4,5,6\n", "0.785500,1.611000\r\n0.781800,1.610000\r\n", "1\n", "1,2\n3\n", "1,,3\n", "NaN,1\n",
		"1e400,1\n", "1,2\n\n3,4\n", "\n\n", "", "  1 , 2 \n", string(bytes.Repeat([]byte(","), 1<<17)) + "\n",
		string(gzipped([]byte("1,2\n3,4\n"))), string(gzipped(bytes.Repeat([]byte("0,0\n"), 1<<19))),
	} {
		f.Add([]byte(seed), false)
	}
	lie := gzipped([]byte("1,2\n3,4\n"))
	lie[len(lie)-1] = 0x7f // the trailer claims 2 GB
	f.Add(lie, true)
	f.Fuzz(func(t *testing.T, in []byte, ffill bool) {
		opt := fuzzOptions
		opt.Format = FormatLSTNet
		if ffill {
			opt.Missing = MissingFFill
		}
		fuzzRoundTrip(t, in, "fuzz.txt", opt)
	})
}
