package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/guard"
)

// NCSpec describes a NetCDF classic file to write: its dimensions (at most one Unlimited, the record
// dimension, whose Len is the number of records), global attributes and variables (Name, Dims by name,
// Type, Attrs; the writer fills in Shape, Record and Begin).
type NCSpec struct {
	// Version is 1 (classic), 2 (64-bit offset) or 5 (64-bit data); 0 picks the first of 1, 2, 5 that
	// holds the file (5 only for the types and sizes that need it).
	Version int
	Dims    []NCDim
	Attrs   []NCAttr
	Vars    []NCVar
}

// NCEncoder streams a NetCDF classic file: the header first, then the values in file order, appended
// with Append (any number of values per call). File order is every fixed-size variable whole, in the
// order of Vars, then record by record a slab of each record variable; Next says what comes next.
type NCEncoder struct {
	w       *bufio.Writer
	h       *NCHeader
	fixed   []int // indices of fixed-size variables, then
	rec     []int // of record variables
	numrecs int64
	seg     int64 // the segment being written: fixed variables, then records × record variables
	filled  int64 // values of it written
	buf     []byte
	err     error
}

// NewNCEncoder checks spec, lays the file out and writes its header to w.
func NewNCEncoder(w io.Writer, spec *NCSpec) (*NCEncoder, error) {
	h, hdr, err := layoutNC(spec)
	if err != nil {
		return nil, err
	}
	e := &NCEncoder{w: bufio.NewWriterSize(w, 1<<20), h: h}
	for i, v := range h.Vars {
		if v.Record {
			e.rec = append(e.rec, i)
		} else {
			e.fixed = append(e.fixed, i)
		}
	}
	if d, ok := h.RecordDim(); ok {
		e.numrecs = int64(d.Len)
	}
	if _, err := e.w.Write(hdr); err != nil {
		return nil, err
	}
	return e, nil
}

// Header is the header being written, with every variable's Begin.
func (e *NCEncoder) Header() *NCHeader { return e.h }

func (e *NCEncoder) segments() int64 {
	return int64(len(e.fixed)) + e.numrecs*int64(len(e.rec))
}

// segment returns the variable and the record (-1 for a fixed variable) of segment k.
func (e *NCEncoder) segment(k int64) (*NCVar, int64) {
	if k < int64(len(e.fixed)) {
		return &e.h.Vars[e.fixed[k]], -1
	}
	k -= int64(len(e.fixed))
	return &e.h.Vars[e.rec[k%int64(len(e.rec))]], k / int64(len(e.rec))
}

func (e *NCEncoder) segLen(v *NCVar) int64 { return v.slabBytes() / int64(v.Type.Size()) }

// Next names the variable whose values come next and its record (-1 for a fixed variable); done when
// the file is complete.
func (e *NCEncoder) Next() (name string, record int64, done bool) {
	if e.seg >= e.segments() {
		return "", 0, true
	}
	v, r := e.segment(e.seg)
	return v.Name, r, false
}

// Append writes values of variable name, converted to its type; they must be the ones that come next
// in file order (a call may span several records of a single record variable, or fill part of one).
func Append[F float32 | float64](e *NCEncoder, name string, vals []F) error {
	for len(vals) > 0 && e.err == nil {
		if e.seg >= e.segments() {
			e.err = fmt.Errorf("%d values of %s past the end of the file", len(vals), name)
			break
		}
		v, r := e.segment(e.seg)
		if v.Name != name {
			e.err = fmt.Errorf("values of %s given where %s %s comes", name, v.Name, recordWord(r))
			break
		}
		k := min(int64(len(vals)), e.segLen(v)-e.filled)
		e.buf = encodeValues(e.buf[:0], v.Type, vals[:k])
		if _, err := e.w.Write(e.buf); err != nil {
			e.err = err
			break
		}
		vals, e.filled = vals[k:], e.filled+k
		if e.filled == e.segLen(v) {
			if !(r >= 0 && len(e.rec) == 1) { // a single record variable's records are not padded
				if p := pad4(v.slabBytes()) - v.slabBytes(); p > 0 {
					e.w.Write(make([]byte, p))
				}
			}
			e.seg, e.filled = e.seg+1, 0
		}
	}
	return e.err
}

func recordWord(r int64) string {
	if r < 0 {
		return "(fixed size)"
	}
	return fmt.Sprintf("(record %d)", r)
}

// Close checks that every value was written and flushes the file.
func (e *NCEncoder) Close() error {
	if e.err != nil {
		return e.err
	}
	if name, r, done := e.Next(); !done {
		v, _ := e.segment(e.seg)
		return fmt.Errorf("file incomplete: %d of %d values of %s %s written", e.filled, e.segLen(v), name, recordWord(r))
	}
	return e.w.Flush()
}

func encodeValues[F float32 | float64](b []byte, t NCType, vals []F) []byte {
	switch t {
	case NCFloat:
		for _, x := range vals {
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(x)))
		}
	case NCDouble:
		for _, x := range vals {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(float64(x)))
		}
	default:
		for _, x := range vals {
			b = appendNC(b, t, float64(x))
		}
	}
	return b
}

// appendNC appends x as one value of type t (integers rounded to nearest).
func appendNC(b []byte, t NCType, x float64) []byte {
	r := math.Round(x)
	switch t {
	case NCByte:
		return append(b, byte(int8(r)))
	case NCUbyte, NCChar:
		return append(b, byte(r))
	case NCShort:
		return binary.BigEndian.AppendUint16(b, uint16(int16(r)))
	case NCUshort:
		return binary.BigEndian.AppendUint16(b, uint16(r))
	case NCInt:
		return binary.BigEndian.AppendUint32(b, uint32(int32(r)))
	case NCUint:
		return binary.BigEndian.AppendUint32(b, uint32(r))
	case NCFloat:
		return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(x)))
	case NCDouble:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x))
	case NCInt64:
		return binary.BigEndian.AppendUint64(b, uint64(int64(r)))
	case NCUint64:
		return binary.BigEndian.AppendUint64(b, uint64(r))
	}
	return b
}

func validNCName(s string) bool {
	return s != "" && len(s) <= 256 && utf8.ValidString(s) && !strings.ContainsAny(s, "/\x00")
}

// layoutNC checks spec and returns the header (with shapes and begins) and its bytes.
func layoutNC(spec *NCSpec) (*NCHeader, []byte, error) {
	h := &NCHeader{Dims: slices.Clone(spec.Dims), Attrs: spec.Attrs}
	need5 := false
	rec := -1
	for i, d := range h.Dims {
		if !validNCName(d.Name) {
			return nil, nil, fmt.Errorf("invalid dimension name %q", d.Name)
		}
		for _, e := range h.Dims[:i] {
			if e.Name == d.Name {
				return nil, nil, fmt.Errorf("dimension %s given twice", d.Name)
			}
		}
		if d.Unlimited {
			if rec >= 0 {
				return nil, nil, fmt.Errorf("two record dimensions, %s and %s", h.Dims[rec].Name, d.Name)
			}
			rec = i
		}
		if d.Len < 0 || (d.Len == 0 && !d.Unlimited) {
			return nil, nil, fmt.Errorf("dimension %s has length %d; only the record dimension may be empty", d.Name, d.Len)
		}
		need5 = need5 || d.Len > math.MaxInt32
	}
	checkAttrs := func(what string, as []NCAttr) error {
		for i, a := range as {
			if !validNCName(a.Name) || a.Type.Size() == 0 {
				return fmt.Errorf("%s attribute %q of type %v is invalid", what, a.Name, a.Type)
			}
			for _, b := range as[:i] {
				if b.Name == a.Name {
					return fmt.Errorf("%s attribute %s given twice", what, a.Name)
				}
			}
			need5 = need5 || a.Type.cdf5Only()
		}
		return nil
	}
	if err := checkAttrs("global", h.Attrs); err != nil {
		return nil, nil, err
	}
	for _, sv := range spec.Vars {
		v := NCVar{Name: sv.Name, Dims: slices.Clone(sv.Dims), Type: sv.Type, Attrs: sv.Attrs, Shape: make([]int, len(sv.Dims))}
		if !validNCName(v.Name) || v.Type.Size() == 0 {
			return nil, nil, fmt.Errorf("variable %q of type %v is invalid", v.Name, v.Type)
		}
		if _, err := h.Var(v.Name); err == nil {
			return nil, nil, fmt.Errorf("variable %s given twice", v.Name)
		}
		for j, dn := range v.Dims {
			d, ok := h.Dim(dn)
			if !ok {
				return nil, nil, fmt.Errorf("variable %s: no dimension %q", v.Name, dn)
			}
			if d.Unlimited {
				if j != 0 {
					return nil, nil, fmt.Errorf("variable %s: the record dimension %s may only be the first", v.Name, dn)
				}
				v.Record = true
			}
			v.Shape[j] = d.Len
		}
		if err := checkAttrs("variable "+v.Name, v.Attrs); err != nil {
			return nil, nil, err
		}
		need5 = need5 || v.Type.cdf5Only()
		h.Vars = append(h.Vars, v)
	}
	// A slab of 4 GiB or more needs CDF-5, except in CDF-2 for the last fixed-size variable of a file
	// without record variables (its vsize is then written as 2³²−1, and readers compute its size).
	lastFixed, records := -1, false
	for i, v := range h.Vars {
		if v.Record {
			records = true
		} else {
			lastFixed = i
		}
	}
	large := false
	for i, v := range h.Vars {
		if v.slabBytes() >= math.MaxUint32-3 {
			large = true
			need5 = need5 || records || i != lastFixed
		}
	}
	versions := []int{1, 2, 5}
	switch {
	case spec.Version != 0:
		versions = []int{spec.Version}
	case need5:
		versions = []int{5}
	}
	for _, ver := range versions {
		if ver != 1 && ver != 2 && ver != 5 {
			return nil, nil, fmt.Errorf("NetCDF version %d: expected 1, 2 or 5", ver)
		}
		if need5 && ver != 5 {
			return nil, nil, fmt.Errorf("CDF-%d cannot hold this file (CDF-5 types or sizes beyond 4 GiB); use version 5", ver)
		}
		if large && ver == 1 {
			if spec.Version == 1 {
				return nil, nil, fmt.Errorf("CDF-1 cannot hold a variable of 4 GiB or more; use version 2 or 5")
			}
			continue
		}
		h.Version = ver
		hdr := encodeNCHeader(h) // begins are still 0: the header's length does not depend on them
		h.HeaderBytes = int64(len(hdr))
		off, recSize, nrec := h.HeaderBytes, int64(0), 0
		for i := range h.Vars {
			if v := &h.Vars[i]; !v.Record {
				v.Begin, off = off, guard.Sum(off, pad4(v.slabBytes()))
			}
		}
		for i := range h.Vars {
			if v := &h.Vars[i]; v.Record {
				v.Begin, recSize, nrec = guard.Sum(off, recSize), guard.Sum(recSize, pad4(v.slabBytes())), nrec+1
			}
		}
		if nrec == 1 {
			for _, v := range h.Vars {
				if v.Record {
					recSize = v.slabBytes()
				}
			}
		}
		h.RecSize = recSize
		fits := true
		for _, v := range h.Vars {
			if v.Begin == math.MaxInt64 || (ver == 1 && v.Begin > math.MaxInt32) {
				fits = false
			}
		}
		if fits {
			return h, encodeNCHeader(h), nil
		}
	}
	return nil, nil, fmt.Errorf("CDF-%d cannot hold this file: its variables begin beyond what its offsets hold", h.Version)
}

// encodeNCHeader writes the header of h.
func encodeNCHeader(h *NCHeader) []byte {
	var b bytes.Buffer
	nonNeg := func(n int64) {
		if h.Version == 5 {
			binary.Write(&b, binary.BigEndian, uint64(n))
		} else {
			binary.Write(&b, binary.BigEndian, uint32(n))
		}
	}
	pad := func(n int) { b.Write(make([]byte, (4-n%4)%4)) }
	name := func(s string) { nonNeg(int64(len(s))); b.WriteString(s); pad(len(s)) }
	u32 := func(v uint32) { binary.Write(&b, binary.BigEndian, v) }
	list := func(tag uint32, n int) {
		if n == 0 {
			u32(0)
			nonNeg(0)
			return
		}
		u32(tag)
		nonNeg(int64(n))
	}
	attrs := func(as []NCAttr) {
		list(ncTagAttr, len(as))
		for _, a := range as {
			name(a.Name)
			u32(uint32(a.Type))
			var vb []byte
			if a.Type == NCChar {
				vb = []byte(a.Text)
			} else {
				vb = encodeValues(nil, a.Type, a.Values)
			}
			nonNeg(int64(len(vb) / a.Type.Size()))
			b.Write(vb)
			pad(len(vb))
		}
	}
	b.WriteString("CDF")
	b.WriteByte(byte(h.Version))
	numrecs := int64(0)
	if d, ok := h.RecordDim(); ok {
		numrecs = int64(d.Len)
	}
	nonNeg(numrecs)
	list(ncTagDim, len(h.Dims))
	for _, d := range h.Dims {
		name(d.Name)
		if d.Unlimited {
			nonNeg(0)
		} else {
			nonNeg(int64(d.Len))
		}
	}
	attrs(h.Attrs)
	list(ncTagVar, len(h.Vars))
	for _, v := range h.Vars {
		name(v.Name)
		nonNeg(int64(len(v.Dims)))
		for _, dn := range v.Dims {
			for id, d := range h.Dims {
				if d.Name == dn {
					nonNeg(int64(id))
				}
			}
		}
		attrs(v.Attrs)
		u32(uint32(v.Type))
		vsize := pad4(v.slabBytes())
		if h.Version != 5 && vsize > math.MaxUint32 {
			vsize = math.MaxUint32
		}
		nonNeg(vsize)
		if h.Version == 1 {
			u32(uint32(v.Begin))
		} else {
			binary.Write(&b, binary.BigEndian, uint64(v.Begin))
		}
	}
	return b.Bytes()
}

// EncodeNC writes a whole file: spec's variables with the values in vals (by name, in C order, the
// record dimension first).
func EncodeNC(w io.Writer, spec *NCSpec, vals map[string]*Array) error {
	e, err := NewNCEncoder(w, spec)
	if err != nil {
		return err
	}
	for _, v := range e.h.Vars {
		a := vals[v.Name]
		if a == nil {
			return fmt.Errorf("no values for variable %s", v.Name)
		}
		if a.Len() != NumElements(v.Shape) {
			return fmt.Errorf("variable %s %v: %d values given for %d", v.Name, v.Shape, a.Len(), NumElements(v.Shape))
		}
	}
	appendArray := func(v *NCVar, lo, hi int) error {
		a := vals[v.Name]
		if a.DType == Float32 {
			return Append(e, v.Name, a.F32[lo:hi])
		}
		return Append(e, v.Name, a.F64[lo:hi])
	}
	for _, i := range e.fixed {
		v := &e.h.Vars[i]
		if err := appendArray(v, 0, NumElements(v.Shape)); err != nil {
			return err
		}
	}
	for r := range e.numrecs {
		for _, i := range e.rec {
			v := &e.h.Vars[i]
			fl := int64(v.FrameLen())
			if err := appendArray(v, int(r*fl), int((r+1)*fl)); err != nil {
				return err
			}
		}
	}
	return e.Close()
}

// WriteNC writes a whole file to path atomically (see EncodeNC).
func WriteNC(path string, spec *NCSpec, vals map[string]*Array) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := EncodeNC(f, spec, vals); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// NCWriter streams a NetCDF file to a path: it appears under its final name only when Close finds that
// every value was written.
type NCWriter struct {
	*NCEncoder
	f *atomicfile.File
}

// NewNCWriter starts the file at path and writes its header.
func NewNCWriter(path string, spec *NCSpec) (*NCWriter, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	e, err := NewNCEncoder(f, spec)
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &NCWriter{NCEncoder: e, f: f}, nil
}

// Close commits the file if it is complete, and removes it otherwise.
func (w *NCWriter) Close() error {
	if err := w.NCEncoder.Close(); err != nil {
		w.f.Abort()
		return fmt.Errorf("%s: %w", w.f.Path(), err)
	}
	return w.f.Commit()
}

// Abort discards the file; safe after Close.
func (w *NCWriter) Abort() { w.f.Abort() }
