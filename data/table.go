package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// decodeTable reads CSV with a header row of names and, as opt.TimeColumn says, a leading time column.
func decodeTable(r *bufio.Reader, name string, opt SeriesOptions) (*Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so that the message names the expected count
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file, expected a header row of series names", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	header = append([]string(nil), header...)
	if looksNumeric(header) {
		return nil, fmt.Errorf("%s: line 1 holds numbers, expected a header row of series names (a file without a header is the lstnet format)", name)
	}
	s := &Series{}
	skip := 0
	var cols []column
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if cols == nil {
			if skip, err = timeColumns(header, rec, opt.TimeColumn); err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", name, line, err)
			}
			if len(header) <= skip {
				return nil, fmt.Errorf("%s: line 1: the header has %d names, expected at least one series besides the time column", name, len(header))
			}
			s.N = len(header) - skip
			if s.N > opt.maxValues() {
				return nil, fmt.Errorf("%s: line 1 names %d series, more than %d values (%s)", name, s.N, opt.maxValues(), opt.budget("MaxValues"))
			}
			s.Names = header[skip:]
			if j := slices.Index(s.Names, ""); j >= 0 {
				return nil, fmt.Errorf("%s: line 1 column %d: empty series name", name, j+skip+1)
			}
			cols = make([]column, s.N)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s: line %d has %d fields, expected %d as in the header", name, line, len(rec), len(header))
		}
		if len(s.Values)+s.N > opt.maxValues() {
			return nil, fmt.Errorf("%s: line %d: more than %d values (%s)", name, line, opt.maxValues(), opt.budget("MaxValues"))
		}
		if skip == 1 {
			ts := strings.TrimSpace(rec[0])
			if ts == "" {
				return nil, fmt.Errorf("%s: line %d column 1: empty time stamp", name, line)
			}
			s.Times = append(s.Times, ts)
		}
		for j, c := range rec[skip:] {
			v, err := cols[j].cell(c, opt.Missing, func() string { return fmt.Sprintf("%s: line %d column %d (%s)", name, line, j+skip+1, s.Names[j]) })
			if err != nil {
				return nil, err
			}
			s.Values = append(s.Values, v)
		}
		s.T++
	}
	if s.T == 0 {
		return nil, fmt.Errorf("%s: a header row and no data rows", name)
	}
	if s.Times != nil {
		s.Start = s.Times[0]
	}
	return s, nil
}

// timeColumns is the number of leading time columns (0 or 1) given the header and the first data row.
func timeColumns(header, first []string, tc TimeColumn) (int, error) {
	switch tc {
	case TimeNone:
		return 0, nil
	case TimeFirst:
		return 1, nil
	case TimeAuto:
		c := strings.TrimSpace(first[0])
		if strings.TrimSpace(header[0]) == "" && len(header) > 1 {
			return 1, nil // an unnamed index column, as pandas' to_csv writes
		}
		if _, err := strconv.ParseFloat(c, 64); err == nil || isMissing(c) {
			return 0, nil
		}
		return 1, nil
	}
	return 0, fmt.Errorf("unknown time-column option %d", tc)
}

// looksNumeric reports whether a header row is data: every cell parses as a number and one has a decimal
// point (integer names such as "0", "1", ..., which WriteCSV writes for unnamed series, are names).
func looksNumeric(row []string) bool {
	point := false
	for _, c := range row {
		c = strings.TrimSpace(c)
		if _, err := strconv.ParseFloat(c, 64); err != nil {
			return false
		}
		point = point || strings.Contains(c, ".")
	}
	return point
}

// csvError names the file in encoding/csv's errors, which carry the line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: line %d column %d: %w", name, pe.Line, pe.Column, pe.Err)
	}
	return err
}

// encodeTable writes a header row (a "time" column first when s has times) and one row per time step.
func encodeTable(w *bufio.Writer, s *Series) error {
	cw := csv.NewWriter(w)
	names := s.Table().Names
	if j := slices.Index(names, ""); j >= 0 {
		return fmt.Errorf("series %d has an empty name, which CSV cannot hold", j)
	}
	row := make([]string, 0, s.N+1)
	if s.Times != nil {
		row = append(row, "time")
	}
	if err := cw.Write(append(row, names...)); err != nil {
		return err
	}
	for t := 0; t < s.T; t++ {
		row = row[:0]
		if s.Times != nil {
			row = append(row, s.Times[t])
		}
		for n := 0; n < s.N; n++ {
			row = append(row, formatValue(s.At(t, n)))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
