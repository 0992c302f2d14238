// Package data reads and writes the arrays tidal works on: NPY and NPZ files (NumPy's formats) of float32 or
// float64 values, little-endian, in C (row-major) order, of any rank, and NetCDF classic files (CDF-1,
// CDF-2, CDF-5; netcdf.go), read frame by frame and written as a stream.
//
// Readers are strict: Fortran order, other dtypes, big-endian data, truncated files and headers that
// disagree with the data size are refused with an error naming the file and the problem. Writers never
// leave a partial file: data go to a temporary name that is renamed when complete.
package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// DType is the element type of an Array.
type DType int

const (
	// Float32 is NumPy's '<f4'.
	Float32 DType = iota
	// Float64 is NumPy's '<f8'.
	Float64
)

// String returns the NumPy descr of the dtype.
func (d DType) String() string {
	if d == Float64 {
		return "<f8"
	}
	return "<f4"
}

// Size is the element size in bytes.
func (d DType) Size() int {
	if d == Float64 {
		return 8
	}
	return 4
}

// Array is a dense C-order array. Exactly one of F32 and F64 holds the values, as DType says.
type Array struct {
	Shape []int
	DType DType
	F32   []float32
	F64   []float64
}

// FromFloat32 wraps data (not copied) as an array of the given shape. It panics if the sizes disagree,
// which is a programming error.
func FromFloat32(data []float32, shape ...int) *Array {
	if NumElements(shape) != len(data) {
		panic(fmt.Sprintf("data: %d values do not fill shape %v", len(data), shape))
	}
	return &Array{Shape: append([]int(nil), shape...), DType: Float32, F32: data}
}

// FromFloat64 wraps data (not copied) as an array of the given shape. It panics if the sizes disagree.
func FromFloat64(data []float64, shape ...int) *Array {
	if NumElements(shape) != len(data) {
		panic(fmt.Sprintf("data: %d values do not fill shape %v", len(data), shape))
	}
	return &Array{Shape: append([]int(nil), shape...), DType: Float64, F64: data}
}

// NumElements is the product of the dimensions (1 for a scalar's empty shape).
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (a *Array) Len() int { return NumElements(a.Shape) }

// Float32 returns the values as float32, converting (a copy) from float64 if needed.
func (a *Array) Float32() []float32 {
	if a.DType == Float32 {
		return a.F32
	}
	out := make([]float32, len(a.F64))
	for i, v := range a.F64 {
		out[i] = float32(v)
	}
	return out
}

// Float64 returns the values as float64, converting (a copy) from float32 if needed.
func (a *Array) Float64() []float64 {
	if a.DType == Float64 {
		return a.F64
	}
	out := make([]float64, len(a.F32))
	for i, v := range a.F32 {
		out[i] = float64(v)
	}
	return out
}

var npyMagic = []byte("\x93NUMPY")

// maxHeaderLen bounds the header a reader accepts (NumPy itself refuses headers over 10000 bytes by default).
const maxHeaderLen = 1 << 16

// ReadNPY reads an NPY file within the memory the machine has available (see Reader).
func ReadNPY(path string) (*Array, error) { return Reader{}.ReadNPY(path) }

// ReadNPY reads an NPY file. A folder, a non-regular file, a header whose array exceeds the budget or
// disagrees with the file's size, and a short read are each refused with an error naming the file.
func (r Reader) ReadNPY(path string) (*Array, error) {
	f, size, err := openRegular(path, "an NPY file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return r.decodeNPY(f, size, path, true)
}

// StatNPY reads only the header of an NPY file: its shape and dtype, so that a command can estimate its
// memory before reading the data. The header is checked against the file's size.
func StatNPY(path string) (shape []int, dtype DType, err error) {
	f, size, err := openRegular(path, "an NPY file")
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	h, err := readHeader(f, path)
	if err != nil {
		return nil, 0, err
	}
	if err := h.checkSize(size, path); err != nil {
		return nil, 0, err
	}
	return h.shape, h.dtype, nil
}

// DecodeNPY reads an NPY stream of exactly size bytes within the available memory; name is used in
// error messages.
func DecodeNPY(r io.Reader, size int64, name string) (*Array, error) {
	return Reader{}.DecodeNPY(r, size, name)
}

// DecodeNPY reads an NPY stream that claims to hold size bytes. The claim is not trusted: the values are
// read in chunks and memory grows only with the bytes that actually arrive.
func (r Reader) DecodeNPY(in io.Reader, size int64, name string) (*Array, error) {
	return r.decodeNPY(in, size, name, false)
}

func (r Reader) decodeNPY(in io.Reader, size int64, name string, trusted bool) (*Array, error) {
	h, err := readHeader(in, name)
	if err != nil {
		return nil, err
	}
	if err := h.checkSize(size, name); err != nil {
		return nil, err
	}
	if err := r.checkBudget(name, fmt.Sprintf("array %v of %s", h.shape, h.dtype), int64(h.n)*int64(h.dtype.Size())); err != nil {
		return nil, err
	}
	a, err := decodeValues(in, h.dtype, h.n, trusted, name)
	if err != nil {
		return nil, err
	}
	if !trusted {
		if k, _ := in.Read(make([]byte, 1)); k > 0 {
			return nil, fmt.Errorf("%s: more bytes follow the %d that the stream claims to hold", name, size)
		}
	}
	a.Shape = h.shape
	return a, nil
}

// checkSize compares the data size the header declares with the size of the file or stream.
func (h *npyHeader) checkSize(size int64, name string) error {
	want := int64(h.n) * int64(h.dtype.Size())
	if got := size - int64(h.headerBytes); got != want {
		return fmt.Errorf("%s: header says shape %v of %s (%d data bytes) but the file holds %d data bytes",
			name, h.shape, h.dtype, want, got)
	}
	return nil
}

type npyHeader struct {
	dtype       DType
	shape       []int
	n           int
	headerBytes int
}

func readHeader(r io.Reader, name string) (*npyHeader, error) {
	pre := make([]byte, 8)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, fmt.Errorf("%s: not an NPY file (too short for the magic string)", name)
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return nil, fmt.Errorf("%s: not an NPY file (bad magic string %q)", name, pre[:6])
	}
	major := pre[6]
	var hlen, lenBytes int
	switch major {
	case 1:
		lenBytes = 2
	case 2, 3:
		lenBytes = 4
	default:
		return nil, fmt.Errorf("%s: unsupported NPY format version %d.%d", name, major, pre[7])
	}
	lb := make([]byte, lenBytes)
	if _, err := io.ReadFull(r, lb); err != nil {
		return nil, fmt.Errorf("%s: truncated NPY header length", name)
	}
	if lenBytes == 2 {
		hlen = int(binary.LittleEndian.Uint16(lb))
	} else {
		hlen = int(binary.LittleEndian.Uint32(lb))
	}
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf("%s: NPY header of %d bytes is larger than the %d accepted", name, hlen, maxHeaderLen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf("%s: truncated NPY header (expected %d bytes)", name, hlen)
	}
	h, err := parseHeaderDict(string(hb))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	h.headerBytes = 8 + lenBytes + hlen
	return h, nil
}

// parseHeaderDict parses the Python dict literal of an NPY header:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
func parseHeaderDict(s string) (*npyHeader, error) {
	p := &pyLit{s: strings.TrimRight(s, " \n\x00")}
	fields, err := p.dict()
	if err != nil {
		return nil, fmt.Errorf("malformed NPY header %q: %w", s, err)
	}
	descr, ok := fields["descr"].(string)
	if !ok {
		return nil, fmt.Errorf("NPY header has no string 'descr'")
	}
	fortran, ok := fields["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf("NPY header has no boolean 'fortran_order'")
	}
	shape, ok := fields["shape"].([]int)
	if !ok {
		return nil, fmt.Errorf("NPY header has no integer tuple 'shape'")
	}
	h := &npyHeader{shape: shape}
	switch descr {
	case "<f4":
		h.dtype = Float32
	case "<f8":
		h.dtype = Float64
	default:
		return nil, fmt.Errorf("unsupported dtype %q: tidal reads little-endian float32 ('<f4') and float64 ('<f8')", descr)
	}
	if fortran {
		return nil, fmt.Errorf("array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
	}
	h.n = 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > 0 && h.n > math.MaxInt32*8/d {
			return nil, fmt.Errorf("shape %v is too large", shape)
		}
		h.n *= d
	}
	return h, nil
}

// pyLit is a tiny parser for the Python literals that appear in NPY headers.
type pyLit struct {
	s   string
	pos int
}

func (p *pyLit) skip() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n') {
		p.pos++
	}
}

func (p *pyLit) expect(c byte) error {
	p.skip()
	if p.pos >= len(p.s) || p.s[p.pos] != c {
		return fmt.Errorf("expected %q at offset %d", c, p.pos)
	}
	p.pos++
	return nil
}

func (p *pyLit) peek() byte {
	p.skip()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *pyLit) dict() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for p.peek() != '}' {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[key] = v
		if p.peek() == ',' {
			p.pos++
		} else if p.peek() != '}' {
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.pos)
		}
	}
	p.pos++
	p.skip()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("trailing characters after the dict")
	}
	return out, nil
}

func (p *pyLit) str() (string, error) {
	p.skip()
	if p.pos >= len(p.s) || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
		return "", fmt.Errorf("expected a string at offset %d", p.pos)
	}
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func (p *pyLit) value() (any, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '(':
		return p.tuple()
	case strings.HasPrefix(p.s[p.pos:], "True"):
		p.pos += 4
		return true, nil
	case strings.HasPrefix(p.s[p.pos:], "False"):
		p.pos += 5
		return false, nil
	default:
		return nil, fmt.Errorf("unexpected value at offset %d", p.pos)
	}
}

func (p *pyLit) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	dims := []int{}
	for p.peek() != ')' {
		start := p.pos
		for p.pos < len(p.s) && (p.s[p.pos] >= '0' && p.s[p.pos] <= '9') {
			p.pos++
		}
		if p.pos < len(p.s) && p.s[p.pos] == 'L' { // Python 2 long suffix
			p.pos++
		}
		d, err := strconv.Atoi(strings.TrimSuffix(p.s[start:p.pos], "L"))
		if err != nil {
			return nil, fmt.Errorf("bad dimension at offset %d", start)
		}
		dims = append(dims, d)
		if p.peek() == ',' {
			p.pos++
		} else if p.peek() != ')' {
			return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.pos)
		}
	}
	p.pos++
	return dims, nil
}

// headerBytes returns the complete NPY preamble (magic, version, length, dict) for dtype and shape,
// padded so that the data start at a multiple of 64 bytes, as NumPy writes it.
func headerBytes(dtype DType, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", dtype, tuple)
	version, lenBytes := byte(1), 2
	total := len(npyMagic) + 2 + lenBytes + len(dict) + 1
	if total+64 > 65535 {
		version, lenBytes = 2, 4
		total += 2
	}
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Write(npyMagic)
	b.WriteByte(version)
	b.WriteByte(0)
	if lenBytes == 2 {
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	}
	b.WriteString(dict)
	return b.Bytes()
}

// EncodeNPY writes a as an NPY stream.
func EncodeNPY(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return err
	}
	if _, err := w.Write(headerBytes(a.DType, a.Shape)); err != nil {
		return err
	}
	if a.DType == Float32 {
		return writeFloat32s(w, a.F32)
	}
	return writeFloat64s(w, a.F64)
}

func (a *Array) check() error {
	n := NumElements(a.Shape)
	switch {
	case a.DType == Float32 && len(a.F32) != n:
		return fmt.Errorf("array of shape %v holds %d float32 values, expected %d", a.Shape, len(a.F32), n)
	case a.DType == Float64 && len(a.F64) != n:
		return fmt.Errorf("array of shape %v holds %d float64 values, expected %d", a.Shape, len(a.F64), n)
	case a.DType != Float32 && a.DType != Float64:
		return fmt.Errorf("unknown dtype %d", a.DType)
	}
	return nil
}

func writeFloat32s(w io.Writer, v []float32) error {
	buf := make([]byte, 0, 4*min(len(v), 1<<16))
	for len(v) > 0 {
		n := min(len(v), 1<<16)
		buf = buf[:0]
		for _, x := range v[:n] {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

func writeFloat64s(w io.Writer, v []float64) error {
	buf := make([]byte, 0, 8*min(len(v), 1<<16))
	for len(v) > 0 {
		n := min(len(v), 1<<16)
		buf = buf[:0]
		for _, x := range v[:n] {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// WriteNPY writes a to path atomically.
func WriteNPY(path string, a *Array) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := EncodeNPY(f, a); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}
