package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// gluonEntry is one line of a GluonTS JSON-lines file; other fields (feat_static_cat, ...) are ignored.
type gluonEntry struct {
	Start  *string         `json:"start"`
	Target json.RawMessage `json:"target"`
	ItemID json.RawMessage `json:"item_id"`
}

// gluonSeries is one series read from a line.
type gluonSeries struct {
	line   int
	start  string
	name   string
	values []float64
}

// decodeGluonTS reads GluonTS JSON lines, one series per line, and makes the series of equal length the
// columns of a [T, N] series (unequal lengths as opt.Ragged says).
func decodeGluonTS(r *bufio.Reader, name string, opt SeriesOptions) (*Series, error) {
	in := &lines{r: r}
	var all []gluonSeries
	total, named := 0, false
	for {
		text, line, ok := in.nonBlank(name)
		if !ok {
			break
		}
		g, err := parseGluonLine([]byte(text), name, line, opt, total)
		if err != nil {
			return nil, err
		}
		if g.name == "" {
			g.name = strconv.Itoa(len(all))
		} else {
			named = true
		}
		total += len(g.values)
		all = append(all, g)
	}
	if in.err != nil {
		return nil, in.err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%s: no series (empty file), expected one JSON object per line", name)
	}
	kept, err := equalLengths(all, name, opt.Ragged)
	if err != nil {
		return nil, err
	}
	s := &Series{T: len(kept[0].values), N: len(kept), Start: kept[0].start}
	s.Values = make([]float64, s.T*s.N)
	if named {
		s.Names = make([]string, s.N)
	}
	for n, g := range kept {
		if g.start != s.Start {
			return nil, fmt.Errorf("%s: line %d starts at %q, expected %q as on line %d (series as columns must share their time axis)", name, g.line, g.start, s.Start, kept[0].line)
		}
		for t, v := range g.values {
			s.Values[t*s.N+n] = v
		}
		if named {
			s.Names[n] = g.name
		}
	}
	return s, nil
}

// parseGluonLine reads one line's series; total values have been read before it.
func parseGluonLine(text []byte, name string, line int, opt SeriesOptions, total int) (gluonSeries, error) {
	var e gluonEntry
	if err := json.Unmarshal(bareNonFinite(text), &e); err != nil {
		return gluonSeries{}, fmt.Errorf("%s: line %d: %v, expected one JSON object {\"start\": ..., \"target\": [...]}", name, line, err)
	}
	cells, err := arrayCells(e.Target)
	if err != nil {
		return gluonSeries{}, fmt.Errorf("%s: line %d: \"target\" %v", name, line, err)
	}
	if len(cells) == 0 {
		return gluonSeries{}, fmt.Errorf("%s: line %d: no \"target\" values", name, line)
	}
	if total+len(cells) > opt.maxValues() {
		return gluonSeries{}, fmt.Errorf("%s: line %d: more than %d values (%s)", name, line, opt.maxValues(), opt.budget("MaxValues"))
	}
	g := gluonSeries{line: line, values: make([]float64, len(cells))}
	if e.Start != nil {
		g.start = *e.Start
	}
	if len(e.ItemID) > 0 && string(e.ItemID) != "null" {
		var id string
		if json.Unmarshal(e.ItemID, &id) != nil {
			id = string(e.ItemID) // a number
		}
		g.name = id
	}
	var col column
	for i, cell := range cells {
		where := func() string { return fmt.Sprintf("%s: line %d target[%d]", name, line, i) }
		switch {
		case cell == "null":
			cell = ""
		case cell[0] == '"':
			var str string
			if json.Unmarshal([]byte(cell), &str) != nil || !isMissing(str) {
				return gluonSeries{}, fmt.Errorf("%s: the string %s, expected a number", where(), cell)
			}
			cell = str
		case cell[0] == '[' || cell[0] == '{' || cell == "true" || cell == "false":
			return gluonSeries{}, fmt.Errorf("%s: %.20s is not a number (one univariate series per line)", where(), cell)
		}
		val, err := col.cell(cell, opt.Missing, where)
		if err != nil {
			return gluonSeries{}, err
		}
		g.values[i] = val
	}
	return g, nil
}

// arrayCells splits a JSON array, already checked as valid JSON by encoding/json, into the raw text of
// its elements (numbers, strings, null, or nested values, which the caller refuses).
func arrayCells(raw json.RawMessage) ([]string, error) {
	b := bytes.TrimSpace(raw)
	if len(b) < 2 || b[0] != '[' {
		return nil, fmt.Errorf("is missing or not a list")
	}
	b = bytes.TrimSpace(b[1 : len(b)-1])
	if len(b) == 0 {
		return nil, nil
	}
	cells := make([]string, 0, bytes.Count(b, []byte(","))+1)
	for len(b) > 0 {
		n := valueEnd(b)
		cells = append(cells, string(bytes.TrimSpace(b[:n])))
		b = bytes.TrimSpace(b[n:])
		if len(b) > 0 { // a comma, as the JSON is valid
			b = bytes.TrimSpace(b[1:])
		}
	}
	return cells, nil
}

// valueEnd is the length of the first JSON value of valid JSON text b, up to the comma that ends it.
func valueEnd(b []byte) int {
	depth := 0
	var str stringState
	for i, c := range b {
		if str.next(c) {
			continue
		}
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
	return len(b)
}

// stringState follows whether the bytes of JSON text lie inside a string.
type stringState struct{ in, escaped bool }

// next advances over c and reports whether c belongs to a string, its quotes included.
func (s *stringState) next(c byte) bool {
	switch {
	case s.escaped:
		s.escaped = false
	case s.in && c == '\\':
		s.escaped = true
	case c == '"':
		s.in = !s.in
		return true
	}
	return s.in
}

// equalLengths returns the series that become columns: all of them when their lengths agree, or under
// RaggedLongest the longest ones.
func equalLengths(all []gluonSeries, name string, policy Ragged) ([]gluonSeries, error) {
	longest := 0
	for _, g := range all {
		longest = max(longest, len(g.values))
	}
	if policy == RaggedLongest {
		var kept []gluonSeries
		for _, g := range all {
			if len(g.values) == longest {
				kept = append(kept, g)
			}
		}
		return kept, nil
	}
	for _, g := range all[1:] {
		if len(g.values) != len(all[0].values) {
			return nil, fmt.Errorf("%s: line %d has %d values, expected %d as on line %d (series of unequal lengths; the longest policy keeps only the longest)", name, g.line, len(g.values), len(all[0].values), all[0].line)
		}
	}
	return all, nil
}

// bareNonFinite rewrites the bare NaN, Infinity and -Infinity that Python's json module writes (not JSON)
// outside strings: NaN becomes null (a missing value) and the infinities become strings, which the reader
// then refuses by name.
func bareNonFinite(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	var str stringState
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case str.next(c):
			out = append(out, c)
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out = append(out, "null"...)
			i += len("NaN") - 1
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out = append(out, `"-Infinity"`...)
			i += len("-Infinity") - 1
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out = append(out, `"Infinity"`...)
			i += len("Infinity") - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// encodeGluonTS writes one line per series: {"start": ..., "target": [...], "item_id": ...}, the start and
// the item id only where s has them.
func encodeGluonTS(w *bufio.Writer, s *Series) error {
	for n := 0; n < s.N; n++ {
		w.WriteByte('{')
		if s.Start != "" {
			writeJSONString(w, "start")
			w.WriteByte(':')
			writeJSONString(w, s.Start)
			w.WriteByte(',')
		}
		writeJSONString(w, "target")
		w.WriteString(":[")
		for t := 0; t < s.T; t++ {
			if t > 0 {
				w.WriteByte(',')
			}
			w.WriteString(formatValue(s.At(t, n)))
		}
		w.WriteByte(']')
		if s.Names != nil {
			w.WriteByte(',')
			writeJSONString(w, "item_id")
			w.WriteByte(':')
			writeJSONString(w, s.Names[n])
		}
		if _, err := w.WriteString("}\n"); err != nil {
			return err
		}
	}
	return nil
}

func writeJSONString(w *bufio.Writer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	w.Write(b)
}
