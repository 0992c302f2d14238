package data

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// fuzzBudget bounds what the fuzzed readers may decode, so that a run stays small whatever the input.
var fuzzBudget = Reader{MaxBytes: 32 << 20}

// FuzzDecodeNPY checks that no input makes the NPY reader panic, and that whatever it accepts has exactly
// the size its header promises and re-encodes to the same bytes' values.
func FuzzDecodeNPY(f *testing.F) {
	var b bytes.Buffer
	EncodeNPY(&b, FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	f.Add(b.Bytes())
	b.Reset()
	EncodeNPY(&b, FromFloat64([]float64{1}))
	f.Add(b.Bytes())
	f.Add(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }\n", nil))
	f.Add(npy(hugeHeader, nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := fuzzBudget.DecodeNPY(bytes.NewReader(in), int64(len(in)), "fuzz")
		if err != nil {
			return
		}
		if a.Len() != len(a.F32)+len(a.F64) {
			t.Fatalf("accepted array of shape %v with %d values", a.Shape, len(a.F32)+len(a.F64))
		}
		var out bytes.Buffer
		if err := EncodeNPY(&out, a); err != nil {
			t.Fatal(err)
		}
		back, err := DecodeNPY(bytes.NewReader(out.Bytes()), int64(out.Len()), "again")
		if err != nil || fmt.Sprint(back.Shape) != fmt.Sprint(a.Shape) || back.Len() != a.Len() {
			t.Fatalf("re-encoded array does not read back: %v", err)
		}
	})
}

// FuzzDecodeNPYLyingSize builds NPY streams whose header, payload and claimed size disagree at will:
// the reader must refuse every disagreement, never panic, and never hold more values than arrived.
func FuzzDecodeNPYLyingSize(f *testing.F) {
	f.Add(uint64(3), uint64(4), true, 48, int64(0))
	f.Add(uint64(17000000000), uint64(1), false, 64, int64(136000000000))
	f.Add(uint64(1<<20), uint64(1<<10), true, 10, int64(4<<30))
	f.Add(uint64(0), uint64(5), false, 0, int64(0))
	f.Fuzz(func(t *testing.T, d0, d1 uint64, f32 bool, payload int, claimDelta int64) {
		descr := "<f8"
		if f32 {
			descr = "<f4"
		}
		dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }\n", descr, d0, d1)
		payload = min(max(payload, 0), 1<<16)
		in := npy(dict, make([]byte, payload))
		claim := int64(len(in)) + claimDelta
		a, err := fuzzBudget.DecodeNPY(bytes.NewReader(in), claim, "lie")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "lie") {
				t.Fatalf("error does not name the stream: %v", err)
			}
			return
		}
		if claimDelta != 0 {
			t.Fatalf("accepted a stream whose claimed size is off by %d", claimDelta)
		}
		if got := int(a.Len()) * a.DType.Size(); got != payload || uint64(a.Shape[0]) != d0 || uint64(a.Shape[1]) != d1 {
			t.Fatalf("accepted shape %v (%d bytes) from %d payload bytes", a.Shape, got, payload)
		}
	})
}

// FuzzDecodeNPZ feeds arbitrary bytes to the NPZ reader: no panic, and every array it returns is whole.
func FuzzDecodeNPZ(f *testing.F) {
	var b bytes.Buffer
	for _, compress := range []bool{false, true} {
		p := f.TempDir() + "/seed.npz"
		WriteNPZ(p, map[string]*Array{"a": FromFloat32([]float32{1, 2, 3}, 3), "b": FromFloat64([]float64{4}, 1, 1)}, compress)
		seed, _ := os.ReadFile(p)
		f.Add(seed)
	}
	b.WriteString("PK\x05\x06")
	b.Write(make([]byte, 18))
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := fuzzBudget.DecodeNPZ(bytes.NewReader(in), int64(len(in)), "fuzz.npz")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.npz") {
				t.Fatalf("error does not name the archive: %v", err)
			}
			return
		}
		for k, a := range m {
			if a.Len() != len(a.F32)+len(a.F64) {
				t.Fatalf("member %s of shape %v holds %d values", k, a.Shape, len(a.F32)+len(a.F64))
			}
		}
	})
}

// FuzzDecodeCSV feeds arbitrary text to the CSV reader: no panic; what it accepts is a full, finite table.
func FuzzDecodeCSV(f *testing.F) {
	f.Add("a,b\n1,2\n3,4\n", true, 0)
	f.Add("t,x\n2020,1e300\n2021,-0\n", true, 1)
	f.Add("1;2\n\"3\";4\n", false, 0)
	f.Add("NaN,1\n", false, 0)
	f.Fuzz(func(t *testing.T, text string, header bool, skip int) {
		tab, err := Reader{MaxBytes: 1 << 20}.DecodeCSV(strings.NewReader(text), "fuzz.csv", CSVOptions{Header: header, SkipColumns: skip})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		v := tab.Values
		if len(v.Shape) != 2 || v.Shape[1] != len(tab.Names) || v.Shape[0]*v.Shape[1] != len(v.F64) || v.Shape[0] < 1 {
			t.Fatalf("table of shape %v with %d names and %d values", v.Shape, len(tab.Names), len(v.F64))
		}
		for _, x := range v.F64 {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("accepted a non-finite value %v", x)
			}
		}
	})
}
