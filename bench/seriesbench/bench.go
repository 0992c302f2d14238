// Package seriesbench measures how fast package data reads series files, for `tidal bench series-io`: each
// format's reader against a bare loop that only splits the same text at commas and brackets and parses the
// numbers (no validation, no budgets, no error positions), timed in the same run on the same bytes. The
// ratio is the price of the readers' checks; the reference's values must equal the reader's.
package seriesbench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/data"
)

// Options sizes the benchmark: a synthetic series of T rows × N series, read Repeats times per format.
type Options struct {
	T, N, Repeats int
	Seed          uint64
}

// Traffic is the size of the LSTNet traffic file's width, 862 series, over 4000 rows (3.4M values).
var Traffic = Options{T: 4000, N: 862, Repeats: 3, Seed: 1}

// Row is one format's measurement: the text's size and the median times of the reader and the reference.
type Row struct {
	Name            string
	Bytes           int
	Read, Reference time.Duration
}

// Run writes each format's text to memory, times its reading by data.DecodeSeries and by the reference,
// checks that both give the same values, and prints a report to w.
func Run(opt Options, w io.Writer) ([]Row, error) {
	if opt.T < 1 || opt.N < 1 || opt.Repeats < 1 {
		return nil, fmt.Errorf("rows %d, series %d, repeats %d: expected at least 1 of each", opt.T, opt.N, opt.Repeats)
	}
	if opt.T > (1<<28)/opt.N {
		return nil, fmt.Errorf("rows %d × series %d: more than 2^28 values", opt.T, opt.N)
	}
	s := synthetic(opt)
	fmt.Fprintf(w, "tidal bench series-io: %d rows × %d series (%d values); %s\n", opt.T, opt.N, opt.T*opt.N, benchenv.Describe())
	fmt.Fprintf(w, "%-12s %9s %12s %10s %14s %7s\n", "format", "MB", "reader", "MB/s", "bare parse", "ratio")
	var rows []Row
	for _, c := range []struct {
		name string
		f    data.Format
		gz   bool
	}{{"lstnet", data.FormatLSTNet, false}, {"lstnet .gz", data.FormatLSTNet, true}, {"csv", data.FormatCSV, false}, {"gluonts", data.FormatGluonTS, false}} {
		text, err := encode(s, c.f, c.gz)
		if err != nil {
			return nil, err
		}
		r, err := measure(c.name, text, s, c.f, opt.Repeats)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		fmt.Fprintf(w, "%-12s %9.1f %12s %10.1f %14s %6.2fx\n", r.Name, float64(r.Bytes)/1e6, r.Read.Round(time.Microsecond),
			float64(r.Bytes)/r.Read.Seconds()/1e6, r.Reference.Round(time.Microsecond), r.Read.Seconds()/r.Reference.Seconds())
	}
	fmt.Fprintf(w, "load average after: %s\n", benchenv.LoadAverage())
	return rows, nil
}

// synthetic is a series of values with six decimals, as the LSTNet files hold.
func synthetic(opt Options) *data.Series {
	r := rand.New(rand.NewPCG(opt.Seed, 0))
	v := make([]float64, opt.T*opt.N)
	for i := range v {
		v[i] = float64(r.IntN(10_000_000)) / 1e6
	}
	return &data.Series{T: opt.T, N: opt.N, Values: v}
}

func encode(s *data.Series, f data.Format, gz bool) ([]byte, error) {
	var buf bytes.Buffer
	var w io.Writer = &buf
	var z *gzip.Writer
	if gz {
		z = gzip.NewWriter(&buf)
		w = z
	}
	if err := data.EncodeSeries(w, s, f); err != nil {
		return nil, err
	}
	if z != nil {
		if err := z.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// measure times both readers, alternating them, and checks that they agree with the written series.
func measure(name string, text []byte, s *data.Series, f data.Format, repeats int) (Row, error) {
	var read, ref []time.Duration
	for range repeats {
		t0 := time.Now()
		got, err := data.DecodeSeries(bytes.NewReader(text), name, data.SeriesOptions{Format: f})
		read = append(read, time.Since(t0))
		if err != nil {
			return Row{}, err
		}
		if !slices.Equal(got.Values, s.Values) {
			return Row{}, fmt.Errorf("%s: the reader's values differ from the written ones", name)
		}
		t0 = time.Now()
		vals, err := bareParse(text, f == data.FormatCSV)
		ref = append(ref, time.Since(t0))
		if err != nil {
			return Row{}, err
		}
		if f == data.FormatGluonTS {
			vals = transpose(vals, s.N, s.T)
		}
		if !slices.Equal(vals, s.Values) {
			return Row{}, fmt.Errorf("%s: the reference's %d values differ from the reader's %d", name, len(vals), len(s.Values))
		}
	}
	return Row{Name: name, Bytes: len(text), Read: benchenv.Median(read), Reference: benchenv.Median(ref)}, nil
}

// bareParse decompresses gzip if present, then parses every token between commas, brackets and line ends
// that is a number, skipping the first line when header is set.
func bareParse(text []byte, header bool) ([]float64, error) {
	var r io.Reader = bytes.NewReader(text)
	if bytes.HasPrefix(text, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = z
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var out []float64
	for first := true; sc.Scan(); first = false {
		if first && header {
			continue
		}
		line := sc.Bytes()
		for len(line) > 0 {
			i := bytes.IndexAny(line, ",[]")
			tok := line
			if i >= 0 {
				tok, line = line[:i], line[i+1:]
			} else {
				line = nil
			}
			if x, err := strconv.ParseFloat(string(tok), 64); err == nil {
				out = append(out, x)
			}
		}
	}
	return out, sc.Err()
}

// transpose turns rows × cols values into cols × rows.
func transpose(v []float64, rows, cols int) []float64 {
	out := make([]float64, len(v))
	for i := range rows {
		for j := range cols {
			out[j*rows+i] = v[i*cols+j]
		}
	}
	return out
}
