package data

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// FuzzReadGluonTS: no input makes the GluonTS reader panic, and what it accepts round-trips.
func FuzzReadGluonTS(f *testing.F) {
	for _, seed := range []string{
		"{\"start\": \"2020-01-01\", \"target\": [1, 2]}\n{\"start\": \"2020-01-01\", \"target\": [3, 4]}\n",
		"{\"target\": [1, NaN, 3]}\n", "{\"target\": [1, Infinity]}\n", "{\"target\": [\"NaN\", 1]}\n",
		"{\"target\": [1]}\n{\"target\": [1, 2]}\n", "{\"target\": [[1]]}\n", "{\"target\": []}\n", "[1, 2]\n",
		"{\"target\": [1], \"item_id\": \"a\\\"NaN\"}\n", "{\"target\": [1e400]}\n", "", "{\"target\": [1]} 2\n",
		"{\"start\": \"a\", \"target\": [1]}\n{\"start\": \"b\", \"target\": [2]}\n",
		string(gzipped([]byte("{\"target\": [1, 2]}\n"))),
		"{\"target\": [" + string(bytes.Repeat([]byte("0,"), 1<<17)) + "0]}\n",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		opt := fuzzOptions
		opt.Format = FormatGluonTS
		opt.Ragged = Ragged(mode % 2)
		opt.Missing = Missing(mode / 2 % 2)
		fuzzRoundTrip(t, in, "fuzz.jsonl", opt)
	})
}

// bareNonFinite rewrites Python's bare NaN and infinities outside strings only.
func TestBareNonFinite(t *testing.T) {
	for in, want := range map[string]string{
		`{"target": [NaN, 1, -Infinity, Infinity]}`:  `{"target": [null, 1, "-Infinity", "Infinity"]}`,
		`{"item_id": "NaN \" NaN", "target": [NaN]}`: `{"item_id": "NaN \" NaN", "target": [null]}`,
		`{"target": [1, 2]}`:                         `{"target": [1, 2]}`,
	} {
		if got := string(bareNonFinite([]byte(in))); got != want {
			t.Errorf("bareNonFinite(%s) = %s, expected %s", in, got, want)
		}
	}
}

// A test split laid out as GluonTS's exchange_rate_nips (every series once per rolling window, each copy
// 30 rows longer, the last ending at row 6221), read with the longest policy, gives back the first 6221 rows
// of the LSTNet file.
func TestGluonTSRollingSplit(t *testing.T) {
	lst, err := ReadSeries(exchangeRate, SeriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	for k := range 5 {
		for n := range lst.N {
			fmt.Fprintf(&text, `{"start": "1990-01-01 00:00:00", "target": [`)
			for r := range 6101 + 30*k {
				if r > 0 {
					text.WriteByte(',')
				}
				text.WriteString(strconv.FormatFloat(lst.At(r, n), 'f', -1, 64))
			}
			fmt.Fprintf(&text, `], "feat_static_cat": [%d], "item_id": %d}`+"\n", n, n+8*k)
		}
	}
	s, err := DecodeSeries(bytes.NewReader(gzipped(text.Bytes())), "test/data.json.gz", SeriesOptions{Ragged: RaggedLongest})
	if err != nil {
		t.Fatal(err)
	}
	if s.T != 6221 || s.N != 8 || s.Start != "1990-01-01 00:00:00" {
		t.Fatalf("read %d × %d from %q, expected 6221 × 8", s.T, s.N, s.Start)
	}
	if !slices.Equal(s.Values, lst.Values[:6221*8]) {
		t.Error("the longest copies differ from the LSTNet file's first 6221 rows")
	}
	if want := []string{"32", "33", "34", "35", "36", "37", "38", "39"}; !slices.Equal(s.Names, want) {
		t.Errorf("names %q, expected the last window's item ids %q", s.Names, want)
	}
}
