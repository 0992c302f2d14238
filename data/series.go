package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// Series is a multivariate time series of T time steps and N series, held as float64 in row-major order:
// Values[t*N+n] is series n at time step t (the [T, N] layout of docs/SERIES.md). Names (one per series),
// Times (one label per time step, from a CSV time column) and Start (the first time stamp) are optional
// and empty when the file has none.
type Series struct {
	T, N   int
	Values []float64
	Names  []string
	Times  []string
	Start  string
}

// At is series n at time step t.
func (s *Series) At(t, n int) float64 { return s.Values[t*s.N+n] }

// Array is the series as a [T, N] float64 array sharing s's values.
func (s *Series) Array() *Array { return FromFloat64(s.Values, s.T, s.N) }

// Table is the series as the [time, series] table of ReadCSV and WriteCSV, sharing s's values; series
// without names are named "0", "1", ... as ReadCSV names them.
func (s *Series) Table() *Table {
	names := s.Names
	if names == nil {
		names = make([]string, s.N)
		for j := range names {
			names[j] = strconv.Itoa(j)
		}
	}
	return &Table{Names: names, Values: s.Array()}
}

// Check reports whether the series is well formed: at least one time step and one series, T·N finite
// values, and names and times, where present, one per series and one per time step.
func (s *Series) Check() error {
	switch {
	case s.T < 1 || s.N < 1:
		return fmt.Errorf("series of %d time steps × %d series: expected at least 1 × 1", s.T, s.N)
	case len(s.Values) != s.T*s.N:
		return fmt.Errorf("series of %d × %d holds %d values", s.T, s.N, len(s.Values))
	case s.Names != nil && len(s.Names) != s.N:
		return fmt.Errorf("series of %d series has %d names", s.N, len(s.Names))
	case s.Times != nil && len(s.Times) != s.T:
		return fmt.Errorf("series of %d time steps has %d time labels", s.T, len(s.Times))
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("series %d at time step %d is %v, expected a finite value", i%s.N, i/s.N, v)
		}
	}
	return nil
}

// Format is a file format of series, told apart by extension (FormatOf) or named with ParseFormat.
type Format int

const (
	// FormatAuto picks the format from the file name's extension.
	FormatAuto Format = iota
	// FormatLSTNet is the text format of Lai et al.'s multivariate-time-series-data collection: one line
	// per time step, N comma-separated reals, no header (.txt, .txt.gz).
	FormatLSTNet
	// FormatCSV is CSV with a header row of series names and an optional leading time column (.csv).
	FormatCSV
	// FormatGluonTS is GluonTS's JSON lines: one series per line, {"start": ..., "target": [...]}
	// (.json, .jsonl).
	FormatGluonTS
)

var formatNames = map[Format]string{FormatAuto: "auto", FormatLSTNet: "lstnet", FormatCSV: "csv", FormatGluonTS: "gluonts"}

// String is the format's name as ParseFormat reads it.
func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat reads a format name: "auto" (or ""), "lstnet", "csv" or "gluonts".
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	for f, name := range formatNames {
		if strings.EqualFold(s, name) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("format %q: expected auto, lstnet, csv or gluonts", s)
}

// FormatOf is the format a file name's extension implies, after any ".gz": .txt is LSTNet text, .csv is
// CSV, .json and .jsonl are GluonTS JSON lines. ok is false for any other extension.
func FormatOf(path string) (f Format, ok bool) {
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(strings.ToLower(path), ".gz"))) {
	case ".txt":
		return FormatLSTNet, true
	case ".csv":
		return FormatCSV, true
	case ".json", ".jsonl":
		return FormatGluonTS, true
	}
	return FormatAuto, false
}

// resolve replaces FormatAuto by the format path's extension implies.
func (f Format) resolve(path string) (Format, error) {
	if f != FormatAuto {
		if _, ok := formatNames[f]; !ok {
			return 0, fmt.Errorf("%s: unknown format %v", path, f)
		}
		return f, nil
	}
	if g, ok := FormatOf(path); ok {
		return g, nil
	}
	return 0, fmt.Errorf("%s: cannot tell the format from the extension %q: expected .txt, .txt.gz, .csv, .json or .jsonl (optionally .gz), or name the format (lstnet, csv, gluonts)", path, filepath.Ext(path))
}

// Missing says what a reader does with a missing value (an empty cell, NaN, NA or null).
type Missing int

const (
	// MissingError refuses the file, naming the line (the default: missing data is never silently filled).
	MissingError Missing = iota
	// MissingFFill carries the series' last observed value forward; a gap before any observation is
	// still refused.
	MissingFFill
)

// ParseMissing reads a missing-value policy: "error" (or "") or "ffill".
func ParseMissing(s string) (Missing, error) {
	switch strings.ToLower(s) {
	case "", "error":
		return MissingError, nil
	case "ffill":
		return MissingFFill, nil
	}
	return 0, fmt.Errorf("missing-value policy %q: expected error or ffill", s)
}

// TimeColumn says whether a CSV file's first column holds time stamps.
type TimeColumn int

const (
	// TimeAuto takes the first column as time stamps when its first data cell is not a number or its header
	// name is empty (the index column pandas' to_csv writes).
	TimeAuto TimeColumn = iota
	// TimeFirst always takes the first column as time stamps.
	TimeFirst
	// TimeNone reads every column as a series.
	TimeNone
)

// Ragged says what the GluonTS reader does with series of unequal lengths.
type Ragged int

const (
	// RaggedError refuses them, naming the first line whose length differs (the default).
	RaggedError Ragged = iota
	// RaggedLongest keeps the series of the greatest length and drops the others. A GluonTS test split
	// lists every series once per rolling window, each copy longer by the prediction length, so the
	// longest copies hold the whole range.
	RaggedLongest
)

// ParseRagged reads an unequal-lengths policy: "error" (or "") or "longest".
func ParseRagged(s string) (Ragged, error) {
	switch strings.ToLower(s) {
	case "", "error":
		return RaggedError, nil
	case "longest":
		return RaggedLongest, nil
	}
	return 0, fmt.Errorf("unequal-lengths policy %q: expected error or longest", s)
}

// FirstSeries is s cut to its first n series (columns), as GluonTS's multivariate grouper keeps the first
// max_target_dim series of a dataset (2000 of wikipedia's 9535 in TimeGrad's protocol); n must be 1…N.
func (s *Series) FirstSeries(n int) (*Series, error) {
	if n < 1 || n > s.N {
		return nil, fmt.Errorf("first %d series: expected 1…%d, the series the data hold", n, s.N)
	}
	out := &Series{T: s.T, N: n, Values: make([]float64, s.T*n), Times: s.Times, Start: s.Start}
	for t := range s.T {
		copy(out.Values[t*n:(t+1)*n], s.Values[t*s.N:t*s.N+n])
	}
	if len(s.Names) == s.N {
		out.Names = s.Names[:n:n]
	}
	return out, nil
}

// Default budgets of SeriesOptions.
const (
	DefaultMaxValues = 1 << 27 // 1 GiB of float64
	DefaultMaxBytes  = 4 << 30 // decompressed text
	DefaultMaxLine   = 64 << 20
)

// SeriesOptions says how to read a series file. The zero value reads by extension, refuses missing values,
// detects a CSV time column, refuses ragged GluonTS series and applies the default budgets.
type SeriesOptions struct {
	Format     Format
	Missing    Missing
	TimeColumn TimeColumn
	Ragged     Ragged
	// MaxValues bounds the number of values read (0: DefaultMaxValues); a file holding more is refused
	// before it is all in memory.
	MaxValues int
	// MaxBytes bounds the text read after decompression (0: DefaultMaxBytes), so a gzip bomb is refused.
	MaxBytes int64
	// Budget names where MaxValues and MaxBytes come from in errors, e.g. "--max-memory 1 GiB" (empty:
	// "the MaxValues budget", "the MaxBytes budget").
	Budget string
	// MaxLine bounds the length of one line (0: DefaultMaxLine, 64 MiB), the most text a reader holds at
	// once: an LSTNet or CSV row, or a whole GluonTS series.
	MaxLine int
}

// budget names the source of a bound in errors: o.Budget, or the option's name.
func (o SeriesOptions) budget(option string) string {
	if o.Budget != "" {
		return o.Budget
	}
	return "the " + option + " budget"
}

func (o SeriesOptions) maxValues() int {
	if o.MaxValues > 0 {
		return o.MaxValues
	}
	return DefaultMaxValues
}

func (o SeriesOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o SeriesOptions) maxLine() int {
	if o.MaxLine > 0 {
		return o.MaxLine
	}
	return DefaultMaxLine
}

// ReadSeries reads a series file in the format opt.Format names, or that its extension implies. Gzipped
// files (told by their magic bytes) are decompressed whatever the format. Errors name the file and, for
// bad content, the line.
func ReadSeries(path string, opt SeriesOptions) (*Series, error) {
	file, _, err := openRegular(path, "a series file")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f, err := opt.Format.resolve(path)
	if err != nil {
		return nil, err
	}
	opt.Format = f
	return DecodeSeries(file, path, opt)
}

// DecodeSeries reads a series from r in the format opt.Format names (FormatAuto: the one name's extension
// implies); name is the file name the errors show.
func DecodeSeries(r io.Reader, name string, opt SeriesOptions) (*Series, error) {
	f, err := opt.Format.resolve(name)
	if err != nil {
		return nil, err
	}
	in, err := openText(r, name, opt)
	if err != nil {
		return nil, err
	}
	switch f {
	case FormatLSTNet:
		return decodeLSTNet(in, name, opt)
	case FormatCSV:
		return decodeTable(in, name, opt)
	}
	return decodeGluonTS(in, name, opt)
}

// WriteSeries writes s atomically in format f (FormatAuto: the one path's extension implies), gzipped when
// path ends in ".gz".
func WriteSeries(path string, s *Series, f Format) error {
	f, err := f.resolve(path)
	if err != nil {
		return err
	}
	if err := s.Check(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	out, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer out.Abort()
	var w io.Writer = out
	var gz *gzip.Writer
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz = gzip.NewWriter(out)
		w = gz
	}
	if err := EncodeSeries(w, s, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return out.Commit()
}

// EncodeSeries writes s to w in format f (not FormatAuto), uncompressed. Values are written in the
// shortest form that reads back exactly.
func EncodeSeries(w io.Writer, s *Series, f Format) error {
	if err := s.Check(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var err error
	switch f {
	case FormatLSTNet:
		err = encodeLSTNet(bw, s)
	case FormatCSV:
		err = encodeTable(bw, s)
	case FormatGluonTS:
		err = encodeGluonTS(bw, s)
	default:
		return fmt.Errorf("cannot write format %v: expected lstnet, csv or gluonts", f)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// openText returns r's text, decompressed when it starts with gzip's magic bytes, and never more than
// opt's MaxBytes of it nor a line longer than its MaxLine: reading past either is an error naming the file.
func openText(r io.Reader, name string, opt SeriesOptions) (*bufio.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		src = gz
	}
	b := &budgetReader{r: src, left: opt.maxBytes(), max: opt.maxBytes(), maxLine: opt.maxLine(), name: name, line: 1, budget: opt.budget("MaxBytes")}
	return bufio.NewReaderSize(b, 1<<16), nil
}

// budgetReader fails once more than max bytes have been read, or a line grows past maxLine bytes.
type budgetReader struct {
	r              io.Reader
	left, max      int64
	maxLine, width int // width: bytes of the current line so far
	line           int
	name, budget   string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.tooBig()
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, b.tooBig()
	}
	if lerr := b.countLines(p[:n]); lerr != nil {
		return n, lerr
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", b.name, err)
	}
	return n, err
}

// countLines follows the line count and the current line's width over the next bytes p.
func (b *budgetReader) countLines(p []byte) error {
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.width += len(p)
			break
		}
		if b.width+i > b.maxLine {
			b.width += i
			break
		}
		b.width, b.line, p = 0, b.line+1, p[i+1:]
	}
	if b.width > b.maxLine {
		return fmt.Errorf("%s: line %d is longer than %d bytes (the MaxLine budget)", b.name, b.line, b.maxLine)
	}
	return nil
}

func (b *budgetReader) tooBig() error {
	return fmt.Errorf("%s: more than %d bytes of text (decompressed), beyond %s; refusing to read further", b.name, b.max, b.budget)
}

// lines yields a text's lines, without their line ends, numbered from 1.
type lines struct {
	r    *bufio.Reader
	line int
	err  error
}

// next returns the next line; ok is false at the end of the text or on a read error (then l.err is set).
func (l *lines) next() (text string, ok bool) {
	s, err := l.r.ReadString('\n')
	if err != nil && err != io.EOF {
		l.err = err
		return "", false
	}
	if s == "" && err == io.EOF {
		return "", false
	}
	l.line++
	return strings.TrimRight(s, "\r\n"), true
}

// nonBlank returns the next line that is not blank; a blank line followed by more text is an error naming
// it (blank lines at the very end are ignored).
func (l *lines) nonBlank(name string) (text string, line int, ok bool) {
	blank := 0
	for {
		s, ok := l.next()
		if !ok {
			return "", 0, false
		}
		if strings.TrimSpace(s) == "" {
			if blank == 0 {
				blank = l.line
			}
			continue
		}
		if blank != 0 {
			l.err = fmt.Errorf("%s: line %d is blank, expected a row of values", name, blank)
			return "", 0, false
		}
		return s, l.line, true
	}
}

// isMissing reports whether a cell denotes a missing value: empty, NaN, NA or null (any case).
func isMissing(cell string) bool {
	switch strings.ToLower(cell) {
	case "", "nan", "na", "null":
		return true
	}
	return false
}

// column fills the gaps of one series as the Missing policy says, remembering its last observed value.
type column struct {
	last float64
	seen bool
}

// cell parses one value of a series. A missing value is refused, or filled forward under MissingFFill;
// where is the position the errors show ("line 7 column 3").
func (c *column) cell(s string, policy Missing, where func() string) (float64, error) {
	s = strings.TrimSpace(s)
	if isMissing(s) {
		if policy != MissingFFill {
			return 0, fmt.Errorf("%s: missing value %q (use the ffill policy to carry the last value forward)", where(), s)
		}
		if !c.seen {
			return 0, fmt.Errorf("%s: missing value %q before any observation, nothing to carry forward", where(), s)
		}
		return c.last, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%s: %q is not a finite number", where(), s)
	}
	c.last, c.seen = v, true
	return v, nil
}

// formatValue is the shortest decimal that reads back as v exactly.
func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
