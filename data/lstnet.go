package data

import (
	"bufio"
	"fmt"
	"strings"
)

// decodeLSTNet reads the LSTNet text format: every non-blank line is one time step of N comma-separated
// values, N fixed by the first line.
func decodeLSTNet(r *bufio.Reader, name string, opt SeriesOptions) (*Series, error) {
	in := &lines{r: r}
	var vals []float64
	var cols []column
	t := 0
	for {
		text, line, ok := in.nonBlank(name)
		if !ok {
			break
		}
		cells := strings.Split(text, ",")
		if cols == nil {
			if len(cells) > opt.maxValues() {
				return nil, fmt.Errorf("%s: line %d has %d values, more than %d (%s)", name, line, len(cells), opt.maxValues(), opt.budget("MaxValues"))
			}
			cols = make([]column, len(cells))
		}
		if len(cells) != len(cols) {
			return nil, fmt.Errorf("%s: line %d has %d values, expected %d as on line 1", name, line, len(cells), len(cols))
		}
		if len(vals)+len(cols) > opt.maxValues() {
			return nil, fmt.Errorf("%s: line %d: more than %d values (%s)", name, line, opt.maxValues(), opt.budget("MaxValues"))
		}
		for j, c := range cells {
			v, err := cols[j].cell(c, opt.Missing, func() string { return fmt.Sprintf("%s: line %d column %d", name, line, j+1) })
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		t++
	}
	if in.err != nil {
		return nil, in.err
	}
	if t == 0 {
		return nil, fmt.Errorf("%s: no rows of values (empty file)", name)
	}
	return &Series{T: t, N: len(cols), Values: vals}, nil
}

// encodeLSTNet writes one line per time step, N comma-separated values, no header.
func encodeLSTNet(w *bufio.Writer, s *Series) error {
	for t := 0; t < s.T; t++ {
		for n := 0; n < s.N; n++ {
			if n > 0 {
				w.WriteByte(',')
			}
			w.WriteString(formatValue(s.At(t, n)))
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}
