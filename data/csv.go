package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// Table is a multivariate time series read from CSV: Values has shape [time, series], and Names holds the
// series' names (from the header row, or "0", "1", ... when there is none).
type Table struct {
	Names  []string
	Values *Array
}

// CSVOptions says how to read a CSV file.
type CSVOptions struct {
	// Header: the first row holds column names. When false, every row is data.
	Header bool
	// SkipColumns leading columns (typically a timestamp) are ignored.
	SkipColumns int
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// ReadCSV reads a numeric table within the memory the machine has available (see Reader).
func ReadCSV(path string, opt CSVOptions) (*Table, error) { return Reader{}.ReadCSV(path, opt) }

// ReadCSV reads a numeric table, one row per time step and one column per series. Every row must have the
// same number of fields and every field must parse as a number ("NaN" and empty fields are refused so that
// missing data is never silently zero); the error names the file, line and column. A folder or a file
// whose values could exceed the budget (8 bytes for every 2 bytes of text) is refused before reading.
func (r Reader) ReadCSV(path string, opt CSVOptions) (*Table, error) {
	f, size, err := openRegular(path, "a CSV file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := r.checkBudget(path, fmt.Sprintf("a CSV table of %d bytes of text", size), 4*size); err != nil {
		return nil, err
	}
	return r.DecodeCSV(f, path, opt)
}

// DecodeCSV reads a numeric table from in (see ReadCSV); name is used in error messages. The stream is
// cut at a quarter of the budget, so an endless one fails instead of exhausting memory.
func (rd Reader) DecodeCSV(in io.Reader, name string, opt CSVOptions) (*Table, error) {
	if opt.SkipColumns < 0 {
		return nil, fmt.Errorf("%s: %d columns to skip, expected ≥ 0", name, opt.SkipColumns)
	}
	max, _ := rd.budget()
	lim := &io.LimitedReader{R: in, N: max/4 + 1}
	path := name
	r := csv.NewReader(lim)
	r.ReuseRecord = true
	if opt.Comma != 0 {
		r.Comma = opt.Comma
	}
	r.TrimLeadingSpace = true
	var names []string
	var vals []float64
	cols := -1
	for line := 1; ; line++ {
		rec, err := r.Read()
		if lim.N <= 0 {
			return nil, fmt.Errorf("%s: more than %d bytes of text, beyond the reader's budget", path, max/4)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) <= opt.SkipColumns {
			return nil, fmt.Errorf("%s: line %d has %d fields, expected more than the %d skipped", path, line, len(rec), opt.SkipColumns)
		}
		rec = rec[opt.SkipColumns:]
		if cols < 0 {
			cols = len(rec)
		} else if len(rec) != cols {
			return nil, fmt.Errorf("%s: line %d has %d columns, expected %d", path, line, len(rec), cols)
		}
		if opt.Header && line == 1 {
			names = append([]string(nil), rec...)
			continue
		}
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: line %d column %d: %q is not a finite number", path, line, j+1+opt.SkipColumns, s)
			}
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	if names == nil {
		for j := 0; j < cols; j++ {
			names = append(names, strconv.Itoa(j))
		}
	}
	return &Table{Names: names, Values: FromFloat64(vals, len(vals)/cols, cols)}, nil
}

// WriteCSV writes a [time, series] table atomically, with a header row of names.
func WriteCSV(path string, t *Table) error {
	if len(t.Values.Shape) != 2 || t.Values.Shape[1] != len(t.Names) {
		return fmt.Errorf("%s: table of shape %v does not match %d names", path, t.Values.Shape, len(t.Names))
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	w := csv.NewWriter(f)
	w.Write(t.Names)
	v := t.Values.Float64()
	cols := len(t.Names)
	row := make([]string, cols)
	for i := 0; i < t.Values.Shape[0]; i++ {
		for j := range row {
			row[j] = strconv.FormatFloat(v[i*cols+j], 'g', -1, 64)
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}
