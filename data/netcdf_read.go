package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/tidal-forecast/tidal/guard"
)

// NCFile is an open NetCDF classic file whose header has been read and checked; variables are read from
// it frame by frame (one index of their first axis), so a long file never has to sit in memory.
type NCFile struct {
	*NCHeader
	ra   io.ReaderAt
	name string
	c    io.Closer
}

// StatNC reads and checks only the header of a NetCDF file (see DecodeNCHeader).
func StatNC(path string) (*NCHeader, error) {
	f, err := OpenNC(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.NCHeader, nil
}

// OpenNC opens a NetCDF classic file and reads its header. Folders, devices and pipes are refused.
func OpenNC(path string) (*NCFile, error) {
	f, size, err := openRegular(path, "a NetCDF file")
	if err != nil {
		return nil, err
	}
	nf, err := DecodeNC(f, size, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	nf.c = f
	return nf, nil
}

// DecodeNC reads the header of a NetCDF stream of size bytes held by ra; name is used in errors.
func DecodeNC(ra io.ReaderAt, size int64, name string) (*NCFile, error) {
	h, err := DecodeNCHeader(ra, size, name)
	if err != nil {
		return nil, err
	}
	return &NCFile{NCHeader: h, ra: ra, name: name}, nil
}

// Close closes the file (nothing for a DecodeNC stream).
func (f *NCFile) Close() error {
	if f.c != nil {
		return f.c.Close()
	}
	return nil
}

// ncDecoder turns stored values into numbers the way CF readers (xarray, netCDF4-python) do: values equal
// to _FillValue or missing_value become NaN, then value·scale_factor + add_offset.
type ncDecoder struct {
	t             NCType
	fill          []float64
	scale, offset float64
	plain         bool // no masking or scaling: the stored value as it is
}

func newNCDecoder(v *NCVar) (ncDecoder, error) {
	d := ncDecoder{t: v.Type, scale: 1}
	if v.Type == NCChar {
		return d, fmt.Errorf("variable %s holds text (char), not numbers", v.Name)
	}
	for _, n := range []string{"_FillValue", "missing_value"} {
		if a, ok := v.Attr(n); ok {
			d.fill = append(d.fill, a.Values...)
		}
	}
	if a, ok := v.Attr("scale_factor"); ok && len(a.Values) == 1 {
		d.scale = a.Values[0]
	}
	if a, ok := v.Attr("add_offset"); ok && len(a.Values) == 1 {
		d.offset = a.Values[0]
	}
	d.plain = len(d.fill) == 0 && d.scale == 1 && d.offset == 0
	return d, nil
}

func (d *ncDecoder) value(b []byte) float64 {
	x := decodeNC(d.t, b)
	if d.plain {
		return x
	}
	for _, f := range d.fill {
		if x == f || (math.IsNaN(x) && math.IsNaN(f)) {
			return math.NaN()
		}
	}
	return x*d.scale + d.offset
}

// decodeInto converts the stored bytes b into dst (len(dst) values).
func decodeInto[F float32 | float64](d *ncDecoder, b []byte, dst []F) {
	switch {
	case d.plain && d.t == NCFloat:
		for i := range dst {
			dst[i] = F(math.Float32frombits(binary.BigEndian.Uint32(b[4*i:])))
		}
	case d.plain && d.t == NCDouble:
		for i := range dst {
			dst[i] = F(math.Float64frombits(binary.BigEndian.Uint64(b[8*i:])))
		}
	default:
		s := d.t.Size()
		for i := range dst {
			dst[i] = F(d.value(b[s*i:]))
		}
	}
}

// NCArrayType is the dtype ReadNC gives a variable: float32 for float and for integers of at most 16
// bits (exact in float32) not scaled by a double factor, float64 otherwise.
func NCArrayType(v *NCVar) DType {
	switch v.Type {
	case NCFloat:
		return Float32
	case NCByte, NCUbyte, NCShort, NCUshort:
		for _, n := range []string{"scale_factor", "add_offset"} {
			if a, ok := v.Attr(n); ok && a.Type != NCFloat {
				return Float64
			}
		}
		return Float32
	}
	return Float64
}

// ReadFrames reads frames [start, start+len(dst)/FrameLen) of variable v (converted, masked and scaled
// as CF readers do) into dst, in bounded chunks straight from the file.
func ReadFrames[F float32 | float64](f *NCFile, v *NCVar, start int, dst []F) error {
	fl := v.FrameLen()
	if fl == 0 || len(dst)%fl != 0 {
		return fmt.Errorf("%s: variable %s: %d values are not whole frames of %d", f.name, v.Name, len(dst), fl)
	}
	n := len(dst) / fl
	if start < 0 || start+n > v.Frames() {
		return fmt.Errorf("%s: variable %s: frames %d to %d asked of %d", f.name, v.Name, start, start+n, v.Frames())
	}
	d, err := newNCDecoder(v)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	size := v.Type.Size()
	frameBytes := int64(fl) * int64(size)
	stride := frameBytes // distance between the starts of two frames
	if v.Record {
		stride = f.RecSize
	}
	buf := make([]byte, min(int64(chunkBytes), int64(len(dst))*int64(size)))
	read := func(off int64, out []F) error {
		for len(out) > 0 {
			k := min(len(buf)/size, len(out))
			b := buf[:k*size]
			if _, err := f.ra.ReadAt(b, off); err != nil {
				return fmt.Errorf("%s: variable %s: short read at byte %d: %v", f.name, v.Name, off, err)
			}
			decodeInto(&d, b, out[:k])
			out, off = out[k:], off+int64(len(b))
		}
		return nil
	}
	if stride == frameBytes { // contiguous frames: one run of bytes
		return read(v.Begin+int64(start)*stride, dst)
	}
	for i := range n {
		if err := read(v.Begin+int64(start+i)*stride, dst[i*fl:(i+1)*fl]); err != nil {
			return err
		}
	}
	return nil
}

// ReadNC reads variable varName of a NetCDF file within the memory the machine has available.
func ReadNC(path, varName string) (*Array, error) { return Reader{}.ReadNC(path, varName) }

// ReadNC reads a whole variable of a NetCDF classic file as float32 or float64 (NCArrayType), refusing
// one whose values exceed the budget before allocating them.
func (r Reader) ReadNC(path, varName string) (*Array, error) {
	f, err := OpenNC(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return r.ReadNCVar(f, varName)
}

// ReadNCVar reads a whole variable of an open file (see ReadNC).
func (r Reader) ReadNCVar(f *NCFile, varName string) (*Array, error) {
	v, err := f.Var(varName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.name, err)
	}
	dt := NCArrayType(v)
	n := int64(1)
	for _, d := range v.Shape {
		n = guard.Product(n, int64(d))
	}
	if err := r.checkBudget(f.name, fmt.Sprintf("variable %s %v of %v", v.Name, v.Shape, v.Type), guard.Product(n, int64(dt.Size()))); err != nil {
		return nil, err
	}
	a := &Array{Shape: append([]int(nil), v.Shape...), DType: dt}
	if dt == Float32 {
		a.F32 = make([]float32, n)
		err = ReadFrames(f, v, 0, a.F32)
	} else {
		a.F64 = make([]float64, n)
		err = ReadFrames(f, v, 0, a.F64)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// CheckBudget refuses n bytes of decoded values beyond the reader's budget, naming the file and what
// needs them; for callers that assemble arrays from several reads (frames of stacked variables).
func (r Reader) CheckBudget(name, what string, n int64) error { return r.checkBudget(name, what, n) }
