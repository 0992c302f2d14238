package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exchangeRate is the shipped copy of the LSTNet exchange-rate file.
const exchangeRate = "../datasets/exchange_rate.txt.gz"

// The real exchange-rate file reads as 7588 × 8 with the first and last rows `zcat | head -1` and
// `zcat | tail -1` print.
func TestReadExchangeRate(t *testing.T) {
	s, err := ReadSeries(exchangeRate, SeriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.T != 7588 || s.N != 8 {
		t.Fatalf("read %d × %d, expected 7588 × 8", s.T, s.N)
	}
	first := []float64{0.785500, 1.611000, 0.861698, 0.634196, 0.211242, 0.006838, 0.593000, 0.525486}
	last := []float64{0.720825, 1.233905, 0.744131, 0.980344, 0.143993, 0.008555, 0.692689, 0.690942}
	if got := s.Values[:8]; !slices.Equal(got, first) {
		t.Errorf("first row %v, expected %v", got, first)
	}
	if got := s.Values[len(s.Values)-8:]; !slices.Equal(got, last) {
		t.Errorf("last row %v, expected %v", got, last)
	}
	if s.Names != nil || s.Times != nil || s.Start != "" {
		t.Errorf("the LSTNet format has no names or times; read %v, %d times, start %q", s.Names, len(s.Times), s.Start)
	}
}

// testSeries is a small series with names, times and a start, values of varied magnitudes.
func testSeries() *Series {
	return &Series{T: 4, N: 3,
		Values: []float64{0.1, -2.5e-7, 3, 1.0 / 3, 1e12, -0, 7, 8.25, -9.125, 0.785500, 1.611, 2},
		Names:  []string{"aud", "gbp, quoted", `c"ad`},
		Times:  []string{"1990-01-01", "1990-01-02", "1990-01-03", "1990-01-04"},
		Start:  "1990-01-01"}
}

// Every format round-trips through its writer and reader, plain and gzipped, keeping what it can hold
// (LSTNet: values only; GluonTS: values, names, start; CSV: values, names, times).
func TestSeriesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"s.txt", "s.txt.gz", "s.csv", "s.csv.gz", "s.json", "s.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			in := testSeries()
			path := filepath.Join(dir, name)
			if err := WriteSeries(path, in, FormatAuto); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if gz := bytes.HasPrefix(raw, []byte{0x1f, 0x8b}); gz != strings.HasSuffix(name, ".gz") {
				t.Errorf("gzipped %v, expected %v", gz, !gz)
			}
			out, err := ReadSeries(path, SeriesOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if out.T != in.T || out.N != in.N || !slices.Equal(out.Values, in.Values) {
				t.Fatalf("read back %d × %d %v, expected %d × %d %v", out.T, out.N, out.Values, in.T, in.N, in.Values)
			}
			f, _ := FormatOf(name)
			wantNames, wantTimes, wantStart := in.Names, in.Times, in.Start
			switch f {
			case FormatLSTNet:
				wantNames, wantTimes, wantStart = nil, nil, ""
			case FormatGluonTS:
				wantTimes = nil
			}
			if !slices.Equal(out.Names, wantNames) || !slices.Equal(out.Times, wantTimes) || out.Start != wantStart {
				t.Errorf("read back names %q times %q start %q, expected %q %q %q", out.Names, out.Times, out.Start, wantNames, wantTimes, wantStart)
			}
		})
	}
}

// Unnamed series written as CSV get the names "0", "1", ... (as ReadCSV names them) and read back as a
// table with data/csv.go's reader too.
func TestSeriesCSVUnnamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.csv")
	in := &Series{T: 2, N: 2, Values: []float64{1.5, 2, 3, 4.25}}
	if err := WriteSeries(path, in, FormatAuto); err != nil {
		t.Fatal(err)
	}
	out, err := ReadSeries(path, SeriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Names, []string{"0", "1"}) || !slices.Equal(out.Values, in.Values) || out.Times != nil {
		t.Errorf("read back names %q values %v times %q", out.Names, out.Values, out.Times)
	}
	tab, err := ReadCSV(path, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Values.F64, in.Values) || !slices.Equal(tab.Names, in.Table().Names) {
		t.Errorf("ReadCSV read %q %v", tab.Names, tab.Values.F64)
	}
}

// Writers refuse invalid series and leave nothing at the output path.
func TestWriteSeriesRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, s := range map[string]*Series{
		"empty":     {T: 0, N: 3},
		"short":     {T: 2, N: 2, Values: []float64{1, 2, 3}},
		"nan":       {T: 1, N: 2, Values: []float64{1, nan()}},
		"names":     {T: 1, N: 2, Values: []float64{1, 2}, Names: []string{"a"}},
		"times":     {T: 1, N: 1, Values: []float64{1}, Times: []string{"a", "b"}},
		"unknown.x": {T: 1, N: 1, Values: []float64{1}},
	} {
		path := filepath.Join(dir, name+".csv")
		if name == "unknown.x" {
			path = filepath.Join(dir, name)
		}
		if err := WriteSeries(path, s, FormatAuto); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, expected one naming %s", name, err, path)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s: a file was left at %s", name, path)
		}
	}
}

func nan() float64 { var z float64; return z / z }

func TestFormatNames(t *testing.T) {
	for path, want := range map[string]Format{"a.txt": FormatLSTNet, "A.TXT.GZ": FormatLSTNet, "b.csv": FormatCSV,
		"b.csv.gz": FormatCSV, "c.json": FormatGluonTS, "d.jsonl": FormatGluonTS, "d.jsonl.gz": FormatGluonTS} {
		if f, ok := FormatOf(path); !ok || f != want {
			t.Errorf("FormatOf(%q) = %v %v, expected %v", path, f, ok, want)
		}
		if f, err := ParseFormat(want.String()); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %v %v", want.String(), f, err)
		}
	}
	for _, path := range []string{"a.npy", "a.gz", "a", "a.txt.bz2"} {
		if _, ok := FormatOf(path); ok {
			t.Errorf("FormatOf(%q) accepted", path)
		}
	}
	if _, err := ParseFormat("parquet"); err == nil {
		t.Error("ParseFormat(parquet) accepted")
	}
	if m, err := ParseMissing("ffill"); err != nil || m != MissingFFill {
		t.Errorf("ParseMissing(ffill) = %v %v", m, err)
	}
	if _, err := ParseMissing("zero"); err == nil {
		t.Error("ParseMissing(zero) accepted")
	}
	if _, err := ReadSeries("x.parquet", SeriesOptions{}); err == nil || !strings.Contains(err.Error(), "x.parquet") {
		t.Errorf("unknown extension: error %v", err)
	}
}

// decode reads text in a format under the options, as a file called name.
func decode(text, name string, opt SeriesOptions) (*Series, error) {
	return DecodeSeries(strings.NewReader(text), name, opt)
}

// Malformed files are refused with an error naming the file and the line.
func TestMalformedSeries(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"empty.txt", "", "empty file"},
		{"blank.txt", "\n\n", "empty file"},
		{"ragged.txt", "1,2,3\n4,5,6\n7,8\n", "line 3 has 2 values, expected 3"},
		{"word.txt", "1,2\n3,x\n", "line 2 column 2: \"x\" is not a finite number"},
		{"nan.txt", "1,2\nNaN,3\n", "line 2 column 1: missing value"},
		{"gap.txt", "1,2\n3,\n", "line 2 column 2: missing value"},
		{"inf.txt", "1,2\n3,Inf\n", "line 2 column 2: \"Inf\" is not a finite number"},
		{"huge.txt", "1,1e400\n", "line 1 column 2"},
		{"inner-blank.txt", "1,2\n\n3,4\n", "line 2 is blank"},
		{"empty.csv", "", "empty file"},
		{"header-only.csv", "a,b\n", "no data rows"},
		{"no-header.csv", "0.5,1.5\n2.5,3.5\n", "line 1 holds numbers"},
		{"ragged.csv", "a,b\n1,2\n3\n", "line 3 has 1 fields, expected 2"},
		{"word.csv", "a,b\n1,2\n3,four\n", "line 3 column 2 (b): \"four\""},
		{"nan.csv", "time,a,b\n2020-01-01,1,2\n2020-01-02,NA,2\n", "line 3 column 2 (a): missing value"},
		{"notime.csv", "time,a\n2020-01-01,1\n,2\n", "line 3 column 1: empty time stamp"},
		{"noname.csv", "a,,b\n1,2,3\n", "line 1 column 2: empty series name"},
		{"onlytime.csv", "time\n2020-01-01\n", "line 1: the header has 1 names"},
		{"quote.csv", "a,b\n1,\"2\n", "line 2"},
		{"empty.json", "", "empty file"},
		{"notjson.json", "{\"target\": [1, 2]}\n[1,2\n", "line 2"},
		{"notarget.json", "{\"start\": \"2020\"}\n", "line 1: \"target\" is missing"},
		{"emptytarget.json", "{\"target\": [ ]}\n", "line 1: no \"target\" values"},
		{"word.json", "{\"target\": [1, \"x\"]}\n", "line 1 target[1]: the string \"x\""},
		{"nested.json", "{\"target\": [[1, 2]]}\n", "line 1 target[0]"},
		{"nan.json", "{\"target\": [1, 2]}\n{\"target\": [1, NaN]}\n", "line 2 target[1]: missing value"},
		{"inf.json", "{\"target\": [1, Infinity]}\n", "line 1 target[1]"},
		{"ragged.json", "{\"target\": [1, 2]}\n{\"target\": [1, 2, 3]}\n", "line 2 has 3 values, expected 2 as on line 1"},
		{"starts.json", "{\"start\": \"a\", \"target\": [1]}\n{\"start\": \"b\", \"target\": [2]}\n", "line 2 starts at \"b\""},
		{"two.json", "{\"target\": [1]} {\"target\": [2]}\n", "line 1: invalid character"},
	} {
		_, err := decode(c.text, c.name, SeriesOptions{})
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.name+": ") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, expected the file name and %q", c.name, msg, c.want)
		}
	}
}

// The ffill policy carries the last observed value forward in every format, and still refuses a gap
// before any observation.
func TestMissingFFill(t *testing.T) {
	ff := SeriesOptions{Missing: MissingFFill}
	want := []float64{1, 2, 1, 2, 3, 2, 3, 5}
	for name, text := range map[string]string{
		"f.txt":  "1,2\nNaN,\n3,nan\n3,5\n",
		"f.csv":  "t,a,b\nd1,1,2\nd2,,NA\nd3,3,\nd4,null,5\n",
		"f.json": "{\"target\": [1, NaN, 3, null]}\n{\"target\": [2, \"NaN\", \"\", 5]}\n",
	} {
		s, err := decode(text, name, ff)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(s.Values, want) {
			t.Errorf("%s: filled %v, expected %v", name, s.Values, want)
		}
	}
	for name, text := range map[string]string{"g.txt": "1,\n2,3\n", "g.csv": "a\nNaN\n1\n", "g.json": "{\"target\": [null, 1]}\n"} {
		if _, err := decode(text, name, ff); err == nil || !strings.Contains(err.Error(), "before any observation") {
			t.Errorf("%s: error %v, expected a gap before any observation", name, err)
		}
	}
}

// CSV: the time column is detected, forced or refused as TimeColumn says.
func TestTableTimeColumn(t *testing.T) {
	text := "date,a,b\n2020-01-01,1,2\n2020-01-02,3,4\n"
	s, err := decode(text, "t.csv", SeriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 || !slices.Equal(s.Names, []string{"a", "b"}) || s.Start != "2020-01-01" || len(s.Times) != 2 {
		t.Errorf("detected %d series %q start %q times %q", s.N, s.Names, s.Start, s.Times)
	}
	pandas := ",a,b\n0,1.5,2\n1,3,4\n" // to_csv's unnamed integer index
	if s, err := decode(pandas, "p.csv", SeriesOptions{}); err != nil || s.N != 2 || !slices.Equal(s.Times, []string{"0", "1"}) || s.Values[0] != 1.5 {
		t.Errorf("pandas index column: %v %+v", err, s)
	}
	years := "year,a\n2020,1\n2021,3\n"
	if s, err := decode(years, "y.csv", SeriesOptions{TimeColumn: TimeFirst}); err != nil || s.N != 1 || s.Times[1] != "2021" {
		t.Errorf("TimeFirst on numeric years: %v %+v", err, s)
	}
	if s, err := decode(years, "y.csv", SeriesOptions{}); err != nil || s.N != 2 || s.Times != nil {
		t.Errorf("numeric first column taken as a series: %v %+v", err, s)
	}
	if _, err := decode(text, "t.csv", SeriesOptions{TimeColumn: TimeNone}); err == nil || !strings.Contains(err.Error(), "line 2 column 1 (date)") {
		t.Errorf("TimeNone on dates: error %v", err)
	}
}

// GluonTS: names come from item_id, and the longest policy keeps the full-length copies of a rolling
// test split.
func TestGluonTSRagged(t *testing.T) {
	text := `{"start": "2020-01-01", "target": [1, 2], "item_id": 0}
{"start": "2020-01-01", "target": [5, 6], "item_id": 1}
{"start": "2020-01-01", "target": [1, 2, 3], "item_id": 0, "feat_static_cat": [0]}
{"start": "2020-01-01", "target": [5, 6, 7], "item_id": 1, "feat_static_cat": [1]}
`
	if _, err := decode(text, "r.jsonl", SeriesOptions{}); err == nil || !strings.Contains(err.Error(), "r.jsonl: line 3") {
		t.Errorf("ragged: error %v", err)
	}
	s, err := decode(text, "r.jsonl", SeriesOptions{Ragged: RaggedLongest})
	if err != nil {
		t.Fatal(err)
	}
	if s.T != 3 || s.N != 2 || !slices.Equal(s.Values, []float64{1, 5, 2, 6, 3, 7}) || !slices.Equal(s.Names, []string{"0", "1"}) || s.Start != "2020-01-01" {
		t.Errorf("longest: %+v", s)
	}
}

// gzipped compresses b.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// The budgets refuse files that hold too many values or decompress to too much text, before reading all.
func TestSeriesBudgets(t *testing.T) {
	bomb := gzipped(bytes.Repeat([]byte("0,0,0,0\n"), 1<<18)) // 2 MiB of text in a few KiB
	if len(bomb) > 16<<10 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	_, err := DecodeSeries(bytes.NewReader(bomb), "bomb.txt.gz", SeriesOptions{MaxBytes: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "bomb.txt.gz: more than 1048576 bytes") {
		t.Errorf("gzip bomb: error %v", err)
	}
	s, err := DecodeSeries(bytes.NewReader(bomb), "bomb.txt.gz", SeriesOptions{})
	if err != nil || s.T != 1<<18 || s.N != 4 {
		t.Errorf("within the default budget: %v", err)
	}
	oneLine := gzipped(bytes.Repeat([]byte("0,"), 1<<20)) // a 2 MiB line
	for _, name := range []string{"line.txt.gz", "line.csv.gz", "line.json.gz"} {
		_, err := DecodeSeries(bytes.NewReader(oneLine), name, SeriesOptions{MaxLine: 1 << 16})
		if err == nil || !strings.Contains(err.Error(), name+": line 1 is longer than 65536 bytes") {
			t.Errorf("%s: error %v, expected the MaxLine budget", name, err)
		}
	}
	lines := "1,2\n" + strings.Repeat("3", 49) + "," + strings.Repeat("4", 50) + "\n"
	if _, err := decode(lines, "l.txt", SeriesOptions{MaxLine: 99}); err == nil || !strings.Contains(err.Error(), "line 2 is longer than 99 bytes") {
		t.Errorf("a 100-byte second line under MaxLine 99: error %v", err)
	}
	if _, err := decode(lines, "l.txt", SeriesOptions{MaxLine: 100}); err != nil {
		t.Errorf("a 100-byte line under MaxLine 100: %v", err)
	}
	for name, text := range map[string]string{
		"v.txt":  "1,2,3\n4,5,6\n7,8,9\n",
		"v.csv":  "a,b,c\n1,2,3\n4,5,6\n7,8,9\n",
		"v.json": "{\"target\": [1, 2, 3, 4]}\n{\"target\": [1, 2, 3, 4]}\n",
	} {
		if _, err := decode(text, name, SeriesOptions{MaxValues: 7}); err == nil || !strings.Contains(err.Error(), "MaxValues") {
			t.Errorf("%s: error %v, expected the MaxValues budget", name, err)
		}
		if _, err := decode(text, name, SeriesOptions{MaxValues: 2}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: a first line over the budget: error %v", name, err)
		}
		if _, err := decode(text, name, SeriesOptions{MaxValues: 9}); err != nil {
			t.Errorf("%s: exactly the budget refused: %v", name, err)
		}
	}
}

// A gzip stream whose trailer lies about its size, or that is cut short, is refused by name.
func TestSeriesGzipLies(t *testing.T) {
	good := gzipped([]byte("1,2\n3,4\n"))
	lie := slices.Clone(good)
	lie[len(lie)-4] ^= 0xff // ISIZE
	for name, b := range map[string][]byte{"lie.txt.gz": lie, "cut.txt.gz": good[:len(good)-6], "header.txt.gz": good[:5]} {
		if _, err := DecodeSeries(bytes.NewReader(b), name, SeriesOptions{}); err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s: error %v, expected one naming the file", name, err)
		}
	}
}

func TestParseRagged(t *testing.T) {
	for in, want := range map[string]Ragged{"": RaggedError, "error": RaggedError, "Longest": RaggedLongest} {
		if got, err := ParseRagged(in); err != nil || got != want {
			t.Errorf("ParseRagged(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseRagged("shortest"); err == nil || !strings.Contains(err.Error(), "expected error or longest") {
		t.Errorf("ParseRagged(shortest): %v", err)
	}
}

// TestFirstSeries keeps the first n columns of every row, with their names, and refuses n outside 1…N.
func TestFirstSeries(t *testing.T) {
	s := &Series{T: 3, N: 4, Values: []float64{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}, Names: []string{"a", "b", "c", "d"}}
	got, err := s.FirstSeries(2)
	if err != nil {
		t.Fatal(err)
	}
	if got.T != 3 || got.N != 2 || !slices.Equal(got.Values, []float64{0, 1, 10, 11, 20, 21}) || !slices.Equal(got.Names, []string{"a", "b"}) {
		t.Errorf("first 2 series: %+v", got)
	}
	if same, err := s.FirstSeries(4); err != nil || !slices.Equal(same.Values, s.Values) {
		t.Errorf("all 4 series: %v, %v", same, err)
	}
	for _, n := range []int{0, 5} {
		if _, err := s.FirstSeries(n); err == nil {
			t.Errorf("FirstSeries(%d) of 4 accepted", n)
		}
	}
}
