package data

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ncSample is a CF-style file: a record dimension time, fixed y and x, a coordinate variable per axis,
// a float32 field t2m(time, y, x), a float64 record variable, a packed short record variable (its slabs
// padded to 4 bytes) and a fixed-size float64 field.
func ncSample(version, numrecs int) (*NCSpec, map[string]*Array) {
	const ny, nx = 3, 5
	spec := &NCSpec{
		Version: version,
		Dims:    []NCDim{{Name: "time", Len: numrecs, Unlimited: true}, {Name: "y", Len: ny}, {Name: "x", Len: nx}},
		Attrs:   []NCAttr{TextAttr("Conventions", "CF-1.8"), NumAttr("seed", NCInt, 7)},
		Vars: []NCVar{
			{Name: "time", Dims: []string{"time"}, Type: NCDouble, Attrs: []NCAttr{TextAttr("units", "hours since 2000-01-01")}},
			{Name: "y", Dims: []string{"y"}, Type: NCFloat},
			{Name: "x", Dims: []string{"x"}, Type: NCFloat},
			{Name: "t2m", Dims: []string{"time", "y", "x"}, Type: NCFloat, Attrs: []NCAttr{TextAttr("units", "K")}},
			{Name: "sp", Dims: []string{"time", "y", "x"}, Type: NCDouble},
			{Name: "q", Dims: []string{"time", "x"}, Type: NCShort, Attrs: []NCAttr{NumAttr("scale_factor", NCDouble, 0.5), NumAttr("add_offset", NCDouble, 10)}},
			{Name: "orog", Dims: []string{"y", "x"}, Type: NCDouble},
		},
	}
	vals := map[string]*Array{}
	ramp := func(n int, f func(i int) float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	vals["time"] = FromFloat64(ramp(numrecs, func(i int) float64 { return 6 * float64(i) }), numrecs)
	vals["y"] = FromFloat32([]float32{0, 1, 2}, ny)
	vals["x"] = FromFloat32([]float32{0, 1, 2, 3, 4}, nx)
	t2m := make([]float32, numrecs*ny*nx)
	for i := range t2m {
		t2m[i] = 250 + float32(i)*0.25
	}
	vals["t2m"] = FromFloat32(t2m, numrecs, ny, nx)
	vals["sp"] = FromFloat64(ramp(numrecs*ny*nx, func(i int) float64 { return 1e5 + math.Sqrt(float64(i)) }), numrecs, ny, nx)
	vals["q"] = FromFloat64(ramp(numrecs*nx, func(i int) float64 { return float64(i%7 - 3) }), numrecs, nx)
	vals["orog"] = FromFloat64(ramp(ny*nx, func(i int) float64 { return -float64(i) / 3 }), ny, nx)
	return spec, vals
}

func TestNCRoundTrip(t *testing.T) {
	for _, version := range []int{1, 2, 5} {
		for _, numrecs := range []int{0, 1, 4} {
			spec, vals := ncSample(version, numrecs)
			path := filepath.Join(t.TempDir(), "s.nc")
			if err := WriteNC(path, spec, vals); err != nil {
				t.Fatal(err)
			}
			f, err := OpenNC(path)
			if err != nil {
				t.Fatalf("CDF-%d, %d records: %v", version, numrecs, err)
			}
			if f.Version != version {
				t.Errorf("version %d, want %d", f.Version, version)
			}
			if d, ok := f.RecordDim(); !ok || d.Name != "time" || d.Len != numrecs {
				t.Errorf("record dimension %+v, want time of %d", d, numrecs)
			}
			if a, ok := f.Attr("Conventions"); !ok || a.Text != "CF-1.8" {
				t.Errorf("Conventions %+v", a)
			}
			if a, ok := f.Attr("seed"); !ok || a.Type != NCInt || !slices.Equal(a.Values, []float64{7}) {
				t.Errorf("seed %+v", a)
			}
			for name, want := range vals {
				got, err := Reader{}.ReadNCVar(f, name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Shape, want.Shape) {
					t.Fatalf("CDF-%d %s: shape %v, want %v", version, name, got.Shape, want.Shape)
				}
				w := want.Float64()
				if name == "q" { // stored packed: (x - 10) / 0.5 would need packing; stored as given, read scaled
					for i := range w {
						w[i] = w[i]*0.5 + 10
					}
				}
				if g := got.Float64(); !slices.Equal(g, w) {
					t.Errorf("CDF-%d, %d records, %s: read %v, want %v", version, numrecs, name, g, w)
				}
			}
			f.Close()
		}
	}
}

// TestNCReadFrames reads a window of frames of a record variable (interleaved with others) and of a
// fixed one, in both precisions, and compares them with the slices of the whole variable.
func TestNCReadFrames(t *testing.T) {
	spec, vals := ncSample(2, 6)
	path := filepath.Join(t.TempDir(), "s.nc")
	if err := WriteNC(path, spec, vals); err != nil {
		t.Fatal(err)
	}
	f, err := OpenNC(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"t2m", "sp", "orog"} {
		v, _ := f.Var(name)
		fl := v.FrameLen()
		dst := make([]float32, 2*fl)
		if err := ReadFrames(f, v, 1, dst); err != nil {
			t.Fatal(err)
		}
		want := vals[name].Float32()[fl : 3*fl]
		if !slices.Equal(dst, want) {
			t.Errorf("%s frames 1-2: %v, want %v", name, dst, want)
		}
		if err := ReadFrames(f, v, v.Frames()-1, dst); err == nil || !strings.Contains(err.Error(), "asked of") {
			t.Errorf("%s: frames past the end: %v", name, err)
		}
	}
}

// cdf5Golden is a CDF-5 file written by hand from the specification (not by tidal's writer): numrecs 2,
// dimensions rec (record) and n=3, a global attribute title="g", a fixed ubyte variable u(n) and a record
// int64 variable k(rec) with a uint64 attribute.
func cdf5Golden() []byte {
	var b bytes.Buffer
	w64 := func(v uint64) { binary.Write(&b, binary.BigEndian, v) }
	w32 := func(v uint32) { binary.Write(&b, binary.BigEndian, v) }
	b.WriteString("CDF\x05")
	w64(2) // numrecs
	w32(0x0A)
	w64(2) // NC_DIMENSION, 2 dims
	w64(3)
	b.WriteString("rec\x00")
	w64(0) // rec: record dimension
	w64(1)
	b.WriteString("n\x00\x00\x00")
	w64(3) // n = 3
	w32(0x0C)
	w64(1) // NC_ATTRIBUTE, 1 global
	w64(5)
	b.WriteString("title\x00\x00\x00")
	w32(2)
	w64(1)
	b.WriteString("g\x00\x00\x00")
	w32(0x0B)
	w64(2) // NC_VARIABLE, 2 vars
	// u(n) ubyte, no attributes, vsize 4, begin 272 (the header's length)
	w64(1)
	b.WriteString("u\x00\x00\x00")
	w64(1)
	w64(1)
	w32(0)
	w64(0)
	w32(7)
	w64(4)
	w64(272)
	// k(rec) int64, attribute big=[2^63] uint64, vsize 8, begin 276
	w64(1)
	b.WriteString("k\x00\x00\x00")
	w64(1)
	w64(0)
	w32(0x0C)
	w64(1)
	w64(3)
	b.WriteString("big\x00")
	w32(11)
	w64(1)
	w64(1 << 63)
	w32(10)
	w64(8)
	w64(276)
	if b.Len() != 272 {
		panic(b.Len())
	}
	b.Write([]byte{1, 200, 255, 0}) // u = 1, 200, 255 and padding
	w64(uint64(0xFFFFFFFFFFFFFFFF)) // k[0] = -1
	w64(1 << 40)                    // k[1]
	return b.Bytes()
}

func TestNCGoldenCDF5(t *testing.T) {
	g := cdf5Golden()
	f, err := DecodeNC(bytes.NewReader(g), int64(len(g)), "golden")
	if err != nil {
		t.Fatal(err)
	}
	u, err := Reader{}.ReadNCVar(f, "u")
	if err != nil || !slices.Equal(u.Float64(), []float64{1, 200, 255}) || u.DType != Float32 {
		t.Errorf("u: %+v %v", u, err)
	}
	k, err := Reader{}.ReadNCVar(f, "k")
	if err != nil || !slices.Equal(k.Float64(), []float64{-1, 1 << 40}) || k.DType != Float64 {
		t.Errorf("k: %+v %v", k, err)
	}
	kv, _ := f.Var("k")
	if a, ok := kv.Attr("big"); !ok || a.Type != NCUint64 || a.Values[0] != 1<<63 {
		t.Errorf("attribute big: %+v", a)
	}
	// tidal's writer, given the same description, writes the same bytes.
	spec := &NCSpec{Version: 5, Dims: f.Dims, Attrs: f.Attrs, Vars: f.Vars}
	var out bytes.Buffer
	if err := EncodeNC(&out, spec, map[string]*Array{"u": u, "k": k}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), g) {
		t.Errorf("writer's bytes differ from the golden file:\n%x\n%x", out.Bytes(), g)
	}
	// With no version asked, the writer picks CDF-5 for CDF-5's types.
	spec.Version = 0
	out.Reset()
	if err := EncodeNC(&out, spec, map[string]*Array{"u": u, "k": k}); err != nil || out.Bytes()[3] != 5 {
		t.Errorf("automatic version: %v, magic %q", err, out.Bytes()[:4])
	}
	spec.Version = 2
	if err := EncodeNC(&out, spec, map[string]*Array{"u": u, "k": k}); err == nil {
		t.Errorf("CDF-2 accepted an int64 variable")
	}
}

// TestNCHostile gives the reader files that lie, each refused with an error naming the file and the
// problem before any allocation of the size claimed.
func TestNCHostile(t *testing.T) {
	spec, vals := ncSample(1, 3)
	var good bytes.Buffer
	if err := EncodeNC(&good, spec, vals); err != nil {
		t.Fatal(err)
	}
	h, _ := DecodeNCHeader(bytes.NewReader(good.Bytes()), int64(good.Len()), "good")
	t2m, _ := h.Var("t2m")
	put := func(b []byte, off int, v uint32) []byte {
		b = slices.Clone(b)
		binary.BigEndian.PutUint32(b[off:], v)
		return b
	}
	dimLenAt := bytes.Index(good.Bytes(), []byte("y\x00\x00\x00")) + 4
	beginAt := int(h.HeaderBytes) - 4 // the last variable's begin (CDF-1: 4 bytes)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a NetCDF"},
		{"npy", []byte("\x93NUMPY\x01\x00"), "not a NetCDF"},
		{"truncated header", good.Bytes()[:40], "truncated"},
		{"truncated records", good.Bytes()[:good.Len()-7], "truncated, or a lying header"},
		{"lying numrecs", put(good.Bytes(), 4, 1<<30), "truncated, or a lying header"},
		{"huge dimension", put(good.Bytes(), dimLenAt, math.MaxInt32), "lying header"},
		{"begin past EOF", put(good.Bytes(), beginAt, uint32(good.Len())), "lying header"},
		{"begin inside header", put(good.Bytes(), beginAt, 8), "inside the"},
		{"dimension count", put(good.Bytes(), 12, 1<<30), "more than the"},
	}
	_ = t2m
	for _, c := range cases {
		_, err := DecodeNC(bytes.NewReader(c.in), int64(len(c.in)), "bad.nc")
		if err == nil || !strings.HasPrefix(err.Error(), "bad.nc") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming bad.nc and saying %q", c.name, err, c.want)
		}
	}
	// The budget is checked before the values are allocated.
	f, _ := DecodeNC(bytes.NewReader(good.Bytes()), int64(good.Len()), "good.nc")
	if _, err := (Reader{MaxBytes: 64}).ReadNCVar(f, "t2m"); err == nil || !strings.Contains(err.Error(), "needs") {
		t.Errorf("budget: %v", err)
	}
	if _, err := (Reader{}).ReadNCVar(f, "nope"); err == nil || !strings.Contains(err.Error(), "t2m") {
		t.Errorf("missing variable: %v", err)
	}
}

// TestNCStreamingNumrecs reads a file whose numrecs is STREAMING (0xFFFFFFFF): the records are counted
// from the file's size.
func TestNCStreamingNumrecs(t *testing.T) {
	spec, vals := ncSample(1, 3)
	var b bytes.Buffer
	if err := EncodeNC(&b, spec, vals); err != nil {
		t.Fatal(err)
	}
	in := b.Bytes()
	binary.BigEndian.PutUint32(in[4:], math.MaxUint32)
	f, err := DecodeNC(bytes.NewReader(in), int64(len(in)), "stream")
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := f.RecordDim(); d.Len != 3 {
		t.Errorf("streaming numrecs: %d records, want 3", d.Len)
	}
}

func TestNCWriterRefusesDisorder(t *testing.T) {
	spec, vals := ncSample(2, 2)
	path := filepath.Join(t.TempDir(), "w.nc")
	w, err := NewNCWriter(path, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := Append(w.NCEncoder, "t2m", vals["t2m"].F32); err == nil || !strings.Contains(err.Error(), "where y (fixed size) comes") {
		t.Errorf("out of order: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Errorf("incomplete file committed")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("incomplete file left at %s", path)
	}
}

func TestNPZMember(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.npz")
	a := FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	if err := WriteNPZ(path, map[string]*Array{"b": a, "a": FromFloat64([]float64{7}, 1)}, true); err != nil {
		t.Fatal(err)
	}
	ms, err := StatNPZ(path)
	if err != nil || len(ms) != 2 || ms[1].Name != "b" || !slices.Equal(ms[1].Shape, []int{3, 2}) || ms[1].DType != Float32 {
		t.Fatalf("StatNPZ: %+v %v", ms, err)
	}
	got, err := Reader{}.ReadNPZMember(path, "b")
	if err != nil || !slices.Equal(got.F32, a.F32) {
		t.Errorf("ReadNPZMember: %v %v", got, err)
	}
	if _, err := (Reader{}).ReadNPZMember(path, "c"); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("missing member: %v", err)
	}
}

// TestNCLargeLastVariable lays out (without writing) a file whose last fixed variable holds 6 GiB: CDF-2
// with vsize 2³²−1, while a large variable before another needs CDF-5.
func TestNCLargeLastVariable(t *testing.T) {
	spec := &NCSpec{Dims: []NCDim{{Name: "t", Len: 1536}, {Name: "y", Len: 1024}, {Name: "x", Len: 1024}},
		Vars: []NCVar{{Name: "t", Dims: []string{"t"}, Type: NCDouble}, {Name: "f", Dims: []string{"t", "y", "x"}, Type: NCFloat}}}
	h, hdr, err := layoutNC(spec)
	if err != nil || h.Version != 2 {
		t.Fatalf("version %v, %v", h, err)
	}
	if vsize := binary.BigEndian.Uint32(hdr[len(hdr)-12:]); vsize != math.MaxUint32 {
		t.Errorf("vsize %d, want 2³²−1", vsize)
	}
	back, err := DecodeNCHeader(bytes.NewReader(hdr), h.Vars[1].Begin+6<<30, "large")
	if err != nil || back.Vars[1].Shape[0] != 1536 {
		t.Errorf("header read back: %v", err)
	}
	spec.Vars[0], spec.Vars[1] = spec.Vars[1], spec.Vars[0]
	if h, _, err := layoutNC(spec); err != nil || h.Version != 5 {
		t.Errorf("large variable first: %v %v", h, err)
	}
}
