package data

import (
	"bytes"
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
