package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/numpyref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

func TestRoundTripInGo(t *testing.T) {
	dir := t.TempDir()
	for _, shape := range [][]int{{}, {0}, {5}, {2, 3}, {2, 1, 3, 4}} {
		n := NumElements(shape)
		f32 := make([]float32, n)
		f64 := make([]float64, n)
		for i := range f32 {
			f32[i] = float32(i)*0.5 - 1
			f64[i] = math.Pi * float64(i)
		}
		for _, a := range []*Array{FromFloat32(f32, shape...), FromFloat64(f64, shape...)} {
			p := filepath.Join(dir, "a.npy")
			if err := WriteNPY(p, a); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(p)
			if off := bytes.IndexByte(raw, '\n') + 1; off%64 != 0 {
				t.Errorf("shape %v: data start at byte %d, not a multiple of 64", shape, off)
			}
			b, err := ReadNPY(p)
			if err != nil {
				t.Fatalf("shape %v: %v", shape, err)
			}
			if b.DType != a.DType || !equalInts(b.Shape, a.Shape) {
				t.Fatalf("shape %v %v: read back %v %v", a.Shape, a.DType, b.Shape, b.DType)
			}
			got, want := b.Float64(), a.Float64()
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("value %d: got %v want %v", i, got[i], want[i])
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// npy builds an NPY file with a given header dict and payload.
func npy(dict string, payload []byte) []byte {
	var b bytes.Buffer
	b.Write(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	b.Write(payload)
	return b.Bytes()
}

func TestRefusesBadFiles(t *testing.T) {
	eight := make([]byte, 8)
	cases := map[string]struct {
		file []byte
		want string
	}{
		"fortran":   {npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", eight), "Fortran"},
		"int dtype": {npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", eight), "unsupported dtype"},
		"bigendian": {npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", eight), "unsupported dtype"},
		"truncated": {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", eight), "file holds 8 data bytes"},
		"too long":  {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", eight), "file holds 8 data bytes"},
		"magic":     {[]byte("PK\x03\x04 not an npy"), "bad magic"},
		"short":     {[]byte("\x93NU"), "too short"},
		"no shape":  {npy("{'descr': '<f4', 'fortran_order': False, }\n", nil), "shape"},
		"garbage":   {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", eight), "malformed"},
		"hdr trunc": {append(append([]byte{}, npyMagic...), 1, 0, 200, 0, '{'), "truncated NPY header"},
	}
	dir := t.TempDir()
	for name, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npy")
		os.WriteFile(p, c.file, 0o644)
		_, err := ReadNPY(p)
		if err == nil {
			t.Errorf("%s: accepted a bad file", name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q should name the file and say %q", name, err, c.want)
		}
	}
}

func TestStreamWriter(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.npy")
	w, err := NewNPYWriter(p, Float32, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.WriteFloat64([]float64{float64(i), float64(-i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err == nil {
			t.Fatal("file visible before Close")
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := ReadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	if a.F32[4] != 2 || a.F32[5] != -2 {
		t.Fatalf("got %v", a.F32)
	}

	q := filepath.Join(t.TempDir(), "short.npy")
	w, _ = NewNPYWriter(q, Float64, 4)
	w.WriteFloat32([]float32{1, 2})
	if err := w.Close(); err == nil {
		t.Fatal("Close accepted a short file")
	}
	if _, err := os.Stat(q); err == nil {
		t.Fatal("a short file was left on disk")
	}
	w, _ = NewNPYWriter(q, Float64, 1)
	if err := w.WriteFloat32([]float32{1, 2}); err == nil {
		t.Fatal("writer accepted values past the shape")
	}
	w.Abort()
}

func TestNPZRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.npz")
	in := map[string]*Array{
		"x": FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		"y": FromFloat64([]float64{-1}, 1),
	}
	for _, compress := range []bool{false, true} {
		if err := WriteNPZ(p, in, compress); err != nil {
			t.Fatal(err)
		}
		out, err := ReadNPZ(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || out["x"].F32[5] != 6 || out["y"].F64[0] != -1 || !equalInts(out["x"].Shape, []int{2, 3}) {
			t.Fatalf("compress=%v: got %+v", compress, out)
		}
	}
}

// TestNumPyInterop checks both directions against real NumPy: files tidal writes load in NumPy with the
// same values, and files NumPy writes (including savez_compressed) load in tidal.
func TestNumPyInterop(t *testing.T) {
	py := pyref.ForTest(t, "numpy")
	dir := t.TempDir()
	vals := make([]float64, 2*3*4)
	for i := range vals {
		vals[i] = math.Ldexp(float64(i)-7, i-12) // exact in both languages, 2^-12 .. 2^11
	}
	WriteNPY(filepath.Join(dir, "t64.npy"), FromFloat64(vals, 2, 3, 4))
	WriteNPY(filepath.Join(dir, "t32.npy"), FromFloat32(FromFloat64(vals, 24).Float32(), 4, 6))
	WriteNPZ(filepath.Join(dir, "t.npz"), map[string]*Array{"a": FromFloat64(vals, 24)}, true)
	if out, err := pyref.Run(py, numpyref.NPYInterop, dir); err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("NumPy rejected tidal's files: %v %s", err, out)
	}
	a, err := ReadNPY(filepath.Join(dir, "n32.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(a.Shape, []int{3, 4, 5}) || a.F32[59] != float32(52.0/3) {
		t.Fatalf("n32: shape %v last %v", a.Shape, a.F32[59])
	}
	s, err := ReadNPY(filepath.Join(dir, "n64.npy"))
	if err != nil || len(s.Shape) != 0 || s.F64[0] != 2.5 {
		t.Fatalf("scalar: %v %+v", err, s)
	}
	z, err := ReadNPZ(filepath.Join(dir, "n.npz"))
	if err != nil || z["u"].F64[4] != 1 || z["u"].F64[1] != 0 || z["w"].F32[3] != 1 {
		t.Fatalf("npz: %v %+v", err, z)
	}
	if _, err := ReadNPY(filepath.Join(dir, "fortran.npy")); err == nil || !strings.Contains(err.Error(), "Fortran") {
		t.Fatalf("NumPy Fortran-order file: %v", err)
	}
	if _, err := ReadNPY(filepath.Join(dir, "int.npy")); err == nil || !strings.Contains(err.Error(), "dtype") {
		t.Fatalf("NumPy int file: %v", err)
	}
}
