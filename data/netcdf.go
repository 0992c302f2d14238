package data

// NetCDF classic files: CDF-1 (classic), CDF-2 (64-bit offset) and CDF-5 (64-bit data), written from the
// format specification ("The NetCDF Classic Format Specification", NetCDF Users Guide, appendix; CDF-5 from
// the PnetCDF specification). All numbers are big-endian; every list and value block is padded to 4 bytes.
//
//	header  = magic numrecs dim_list gatt_list var_list
//	dim     = name dim_length                      (length 0: the record dimension)
//	attr    = name nc_type nelems [values] padding
//	var     = name nelems [dimid ...] vatt_list nc_type vsize begin
//
// Counts, dimension lengths, dimension ids and vsize are 4 bytes in CDF-1 and CDF-2 and 8 bytes in CDF-5;
// begin is 4 bytes in CDF-1 and 8 in CDF-2 and CDF-5. Fixed-size variables lie contiguously at their
// begin; record variables lie interleaved, one slab of each per record, records RecSize bytes apart.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/tidal-forecast/tidal/guard"
)

// NCType is a NetCDF external type (nc_type).
type NCType int32

// The NetCDF types; NCUbyte to NCUint64 exist only in CDF-5.
const (
	NCByte   NCType = 1
	NCChar   NCType = 2
	NCShort  NCType = 3
	NCInt    NCType = 4
	NCFloat  NCType = 5
	NCDouble NCType = 6
	NCUbyte  NCType = 7
	NCUshort NCType = 8
	NCUint   NCType = 9
	NCInt64  NCType = 10
	NCUint64 NCType = 11
)

var ncTypeNames = map[NCType]string{NCByte: "byte", NCChar: "char", NCShort: "short", NCInt: "int",
	NCFloat: "float", NCDouble: "double", NCUbyte: "ubyte", NCUshort: "ushort", NCUint: "uint",
	NCInt64: "int64", NCUint64: "uint64"}

// String is the type's CDL name.
func (t NCType) String() string {
	if s, ok := ncTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("nc_type(%d)", int32(t))
}

// Size is the size of one value in bytes (0 for an unknown type).
func (t NCType) Size() int {
	switch t {
	case NCByte, NCChar, NCUbyte:
		return 1
	case NCShort, NCUshort:
		return 2
	case NCInt, NCFloat, NCUint:
		return 4
	case NCDouble, NCInt64, NCUint64:
		return 8
	}
	return 0
}

// cdf5Only says whether the type needs CDF-5.
func (t NCType) cdf5Only() bool { return t >= NCUbyte }

// NCDim is a dimension. The record (unlimited) dimension has Unlimited set and Len the number of records.
type NCDim struct {
	Name      string
	Len       int
	Unlimited bool
}

// NCAttr is an attribute: Text for a char attribute, Values for a numeric one (64-bit integers beyond
// 2⁵³ lose precision).
type NCAttr struct {
	Name   string
	Type   NCType
	Text   string
	Values []float64
}

// TextAttr is a char attribute.
func TextAttr(name, text string) NCAttr { return NCAttr{Name: name, Type: NCChar, Text: text} }

// NumAttr is a numeric attribute of type t.
func NumAttr(name string, t NCType, values ...float64) NCAttr {
	return NCAttr{Name: name, Type: t, Values: values}
}

// NCVar is a variable: its dimensions by name, its shape (the record dimension's length being the number
// of records), type and attributes. Begin is where its data start (set by the reader and the writer).
type NCVar struct {
	Name   string
	Dims   []string
	Shape  []int
	Type   NCType
	Attrs  []NCAttr
	Begin  int64
	Record bool // the first dimension is the record dimension
}

// Attr returns the variable's attribute name, if present.
func (v *NCVar) Attr(name string) (NCAttr, bool) { return findAttr(v.Attrs, name) }

// Frames is the length of the first axis (1 for a scalar).
func (v *NCVar) Frames() int {
	if len(v.Shape) == 0 {
		return 1
	}
	return v.Shape[0]
}

// FrameLen is the number of values in one frame (one index of the first axis).
func (v *NCVar) FrameLen() int {
	if len(v.Shape) == 0 {
		return 1
	}
	return NumElements(v.Shape[1:])
}

func findAttr(attrs []NCAttr, name string) (NCAttr, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a, true
		}
	}
	return NCAttr{}, false
}

// NCHeader is the header of a NetCDF classic file.
type NCHeader struct {
	Version     int // 1 (classic), 2 (64-bit offset) or 5 (64-bit data)
	Dims        []NCDim
	Attrs       []NCAttr
	Vars        []NCVar
	RecSize     int64 // bytes between the starts of two records
	HeaderBytes int64
}

// Attr returns the global attribute name, if present.
func (h *NCHeader) Attr(name string) (NCAttr, bool) { return findAttr(h.Attrs, name) }

// Var returns the variable name, or an error listing the variables there are.
func (h *NCHeader) Var(name string) (*NCVar, error) {
	for i := range h.Vars {
		if h.Vars[i].Name == name {
			return &h.Vars[i], nil
		}
	}
	names := make([]string, len(h.Vars))
	for i, v := range h.Vars {
		names[i] = v.Name
	}
	return nil, fmt.Errorf("no variable %q; the file has %s", name, strings.Join(names, ", "))
}

// RecordDim returns the record dimension, if any.
func (h *NCHeader) RecordDim() (NCDim, bool) {
	for _, d := range h.Dims {
		if d.Unlimited {
			return d, true
		}
	}
	return NCDim{}, false
}

// Dim returns the dimension name, if any.
func (h *NCHeader) Dim(name string) (NCDim, bool) {
	for _, d := range h.Dims {
		if d.Name == name {
			return d, true
		}
	}
	return NCDim{}, false
}

// maxNCHeader bounds the header a reader parses (names, attributes and the variable list together).
const maxNCHeader = 16 << 20

// maxNCName bounds a name (NetCDF's NC_MAX_NAME is 256 bytes).
const maxNCName = 1024

const (
	ncTagDim  = 0x0A
	ncTagVar  = 0x0B
	ncTagAttr = 0x0C
)

// IsNetCDF says whether the first bytes of a file are a NetCDF classic magic string (CDF\x01, \x02, \x05).
func IsNetCDF(head []byte) bool {
	return len(head) >= 4 && string(head[:3]) == "CDF" && (head[3] == 1 || head[3] == 2 || head[3] == 5)
}

// ncParser reads a header sequentially, never allocating more than the bytes left before its limit.
type ncParser struct {
	r       *bufio.Reader
	pos     int64
	limit   int64
	version int
	buf     [8]byte
}

func (p *ncParser) read(n int) ([]byte, error) {
	if int64(n) > p.limit-p.pos {
		if p.limit == maxNCHeader {
			return nil, fmt.Errorf("header longer than the %d bytes tidal reads (at byte %d, %d more bytes needed)", maxNCHeader, p.pos, n)
		}
		return nil, fmt.Errorf("header truncated at byte %d (needs %d more bytes, %d left)", p.pos, n, p.limit-p.pos)
	}
	var b []byte
	if n <= len(p.buf) {
		b = p.buf[:n]
	} else {
		b = make([]byte, n)
	}
	if _, err := io.ReadFull(p.r, b); err != nil {
		return nil, fmt.Errorf("header truncated at byte %d: %v", p.pos, err)
	}
	p.pos += int64(n)
	return b, nil
}

func (p *ncParser) u32() (uint32, error) {
	b, err := p.read(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// nonNeg reads a NON_NEG (4 bytes, 8 in CDF-5) and refuses negatives.
func (p *ncParser) nonNeg(what string) (int64, error) {
	if p.version == 5 {
		b, err := p.read(8)
		if err != nil {
			return 0, err
		}
		v := int64(binary.BigEndian.Uint64(b))
		if v < 0 {
			return 0, fmt.Errorf("negative %s %d at byte %d", what, v, p.pos-8)
		}
		return v, nil
	}
	v, err := p.u32()
	if err != nil {
		return 0, err
	}
	if int32(v) < 0 {
		return 0, fmt.Errorf("negative %s %d at byte %d", what, int32(v), p.pos-4)
	}
	return int64(v), nil
}

// count reads a list length and refuses one whose elements, of at least minBytes each, cannot fit in
// the header's remaining bytes, so that a lying count allocates nothing.
func (p *ncParser) count(what string, minBytes int64) (int, error) {
	n, err := p.nonNeg(what + " count")
	if err != nil {
		return 0, err
	}
	if n > (p.limit-p.pos)/minBytes {
		return 0, fmt.Errorf("%d %s claimed at byte %d, more than the %d header bytes left can hold", n, what, p.pos, p.limit-p.pos)
	}
	return int(n), nil
}

func (p *ncParser) pad(n int64) error {
	if k := (4 - n%4) % 4; k > 0 {
		_, err := p.read(int(k))
		return err
	}
	return nil
}

func (p *ncParser) name(what string) (string, error) {
	n, err := p.nonNeg(what + " name length")
	if err != nil {
		return "", err
	}
	if n == 0 || n > maxNCName {
		return "", fmt.Errorf("%s name of %d bytes at byte %d: expected 1 to %d", what, n, p.pos, maxNCName)
	}
	b, err := p.read(int(n))
	if err != nil {
		return "", err
	}
	s := string(b)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.ContainsRune(s, '/') {
		return "", fmt.Errorf("%s name %q at byte %d is not a valid NetCDF name", what, s, p.pos-n)
	}
	return s, p.pad(n)
}

func (p *ncParser) ncType(what string) (NCType, error) {
	v, err := p.u32()
	if err != nil {
		return 0, err
	}
	t := NCType(int32(v))
	if t.Size() == 0 || (t.cdf5Only() && p.version != 5) {
		return 0, fmt.Errorf("%s has type %v, which CDF-%d does not have", what, t, p.version)
	}
	return t, nil
}

// list reads a list's tag and length: ABSENT (two zeros) gives 0.
func (p *ncParser) list(tag uint32, what string, minBytes int64) (int, error) {
	t, err := p.u32()
	if err != nil {
		return 0, err
	}
	n, err := p.count(what, minBytes)
	if err != nil {
		return 0, err
	}
	if t == 0 && n == 0 {
		return 0, nil
	}
	if t != tag {
		return 0, fmt.Errorf("expected the %s list (tag %#x) at byte %d, found tag %#x", what, tag, p.pos, t)
	}
	return n, nil
}

func (p *ncParser) attrs(what string) ([]NCAttr, error) {
	n, err := p.list(ncTagAttr, what+" attribute", 12)
	if err != nil {
		return nil, err
	}
	out := make([]NCAttr, 0, n)
	for range n {
		name, err := p.name(what + " attribute")
		if err != nil {
			return nil, err
		}
		t, err := p.ncType(what + " attribute " + name)
		if err != nil {
			return nil, err
		}
		k, err := p.count("values of attribute "+name, int64(t.Size()))
		if err != nil {
			return nil, err
		}
		b, err := p.read(k * t.Size())
		if err != nil {
			return nil, err
		}
		a := NCAttr{Name: name, Type: t}
		if t == NCChar {
			a.Text = strings.TrimRight(string(b), "\x00")
		} else {
			a.Values = make([]float64, k)
			for i := range a.Values {
				a.Values[i] = decodeNC(t, b[i*t.Size():])
			}
		}
		if err := p.pad(int64(len(b))); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// decodeNC decodes one big-endian value of type t (not char) as float64.
func decodeNC(t NCType, b []byte) float64 {
	switch t {
	case NCByte:
		return float64(int8(b[0]))
	case NCUbyte, NCChar:
		return float64(b[0])
	case NCShort:
		return float64(int16(binary.BigEndian.Uint16(b)))
	case NCUshort:
		return float64(binary.BigEndian.Uint16(b))
	case NCInt:
		return float64(int32(binary.BigEndian.Uint32(b)))
	case NCUint:
		return float64(binary.BigEndian.Uint32(b))
	case NCFloat:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case NCDouble:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	case NCInt64:
		return float64(int64(binary.BigEndian.Uint64(b)))
	case NCUint64:
		return float64(binary.BigEndian.Uint64(b))
	}
	return math.NaN()
}

// DecodeNCHeader parses and checks the header of a NetCDF classic file of size bytes. Nothing in it is
// trusted: every count must fit in the bytes left, every variable's data (all records of a record
// variable) must lie within the file after the header, and sizes are multiplied without overflow, so
// that a hostile header is refused before any allocation larger than the header itself.
func DecodeNCHeader(ra io.ReaderAt, size int64, name string) (*NCHeader, error) {
	h, err := decodeNCHeader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

func decodeNCHeader(ra io.ReaderAt, size int64) (*NCHeader, error) {
	limit := min(size, maxNCHeader)
	p := &ncParser{r: bufio.NewReaderSize(io.NewSectionReader(ra, 0, limit), 64<<10), limit: limit}
	magic, err := p.read(4)
	if err != nil || !IsNetCDF(magic) {
		return nil, fmt.Errorf("not a NetCDF classic file (expected the magic string CDF\\x01, CDF\\x02 or CDF\\x05)")
	}
	h := &NCHeader{Version: int(magic[3])}
	p.version = h.Version
	var numrecs int64
	streaming := false
	if h.Version == 5 {
		b, err := p.read(8)
		if err != nil {
			return nil, err
		}
		numrecs = int64(binary.BigEndian.Uint64(b))
		streaming = numrecs == -1
	} else {
		v, err := p.u32()
		if err != nil {
			return nil, err
		}
		numrecs, streaming = int64(v), v == math.MaxUint32
	}
	if numrecs < 0 && !streaming {
		return nil, fmt.Errorf("negative number of records %d", numrecs)
	}
	nd, err := p.list(ncTagDim, "dimension", 8)
	if err != nil {
		return nil, err
	}
	h.Dims = make([]NCDim, 0, nd)
	recDim := -1
	seen := map[string]bool{} // names so far: a map, so that a header of a million names costs no n² work
	for i := range nd {
		dn, err := p.name("dimension")
		if err != nil {
			return nil, err
		}
		n, err := p.nonNeg("length of dimension " + dn)
		if err != nil {
			return nil, err
		}
		if n > math.MaxInt32*int64(256) {
			return nil, fmt.Errorf("dimension %s has length %d", dn, n)
		}
		if seen[dn] {
			return nil, fmt.Errorf("dimension %s appears twice", dn)
		}
		seen[dn] = true
		d := NCDim{Name: dn, Len: int(n)}
		if n == 0 {
			if recDim >= 0 {
				return nil, fmt.Errorf("two record dimensions, %s and %s", h.Dims[recDim].Name, dn)
			}
			recDim, d.Unlimited = i, true
		}
		h.Dims = append(h.Dims, d)
	}
	if h.Attrs, err = p.attrs("global"); err != nil {
		return nil, err
	}
	nv, err := p.list(ncTagVar, "variable", 28)
	if err != nil {
		return nil, err
	}
	h.Vars = make([]NCVar, 0, nv)
	idBytes := int64(4)
	if h.Version == 5 {
		idBytes = 8
	}
	for range nv {
		vn, err := p.name("variable")
		if err != nil {
			return nil, err
		}
		if seen["\x00"+vn] {
			return nil, fmt.Errorf("variable %s appears twice", vn)
		}
		seen["\x00"+vn] = true
		rank, err := p.count("dimensions of variable "+vn, idBytes)
		if err != nil {
			return nil, err
		}
		v := NCVar{Name: vn, Dims: make([]string, rank), Shape: make([]int, rank)}
		for j := range rank {
			id, err := p.nonNeg("dimension id")
			if err != nil {
				return nil, err
			}
			if id >= int64(len(h.Dims)) {
				return nil, fmt.Errorf("variable %s names dimension id %d of %d", vn, id, len(h.Dims))
			}
			if int(id) == recDim {
				if j != 0 {
					return nil, fmt.Errorf("variable %s has the record dimension %s at axis %d; it may only be the first", vn, h.Dims[id].Name, j)
				}
				v.Record = true
			}
			v.Dims[j], v.Shape[j] = h.Dims[id].Name, h.Dims[id].Len
		}
		if v.Attrs, err = p.attrs("variable " + vn); err != nil {
			return nil, err
		}
		if v.Type, err = p.ncType("variable " + vn); err != nil {
			return nil, err
		}
		if _, err := p.read(int(idBytes)); err != nil { // vsize: recomputed below, never trusted (2³²−1 for large ones)
			return nil, err
		}
		if h.Version == 1 {
			b, err := p.u32()
			if err != nil {
				return nil, err
			}
			v.Begin = int64(int32(b))
		} else {
			b, err := p.read(8)
			if err != nil {
				return nil, err
			}
			v.Begin = int64(binary.BigEndian.Uint64(b))
		}
		h.Vars = append(h.Vars, v)
	}
	h.HeaderBytes = p.pos
	if err := h.layout(size, numrecs, streaming); err != nil {
		return nil, err
	}
	return h, nil
}

// slabBytes is the size of a variable's values per record (record variables) or in all (fixed ones).
func (v *NCVar) slabBytes() int64 {
	n := int64(v.Type.Size())
	for i, d := range v.Shape {
		if i == 0 && v.Record {
			continue
		}
		n = guard.Product(n, int64(d))
	}
	return n
}

func pad4(n int64) int64 { return guard.Sum(n, (4-n%4)%4) }

// layout computes the record size and the number of records, and checks that every variable's data lie
// after the header and within the file.
func (h *NCHeader) layout(size, numrecs int64, streaming bool) error {
	var recVars []*NCVar
	for i := range h.Vars {
		v := &h.Vars[i]
		if v.Record {
			recVars = append(recVars, v)
			h.RecSize = guard.Sum(h.RecSize, pad4(v.slabBytes()))
		}
	}
	if len(recVars) == 1 { // a single record variable's records are not padded
		h.RecSize = recVars[0].slabBytes()
	}
	if streaming {
		numrecs = 0
		if len(recVars) > 0 && h.RecSize > 0 {
			first := recVars[0].Begin
			if first >= h.HeaderBytes && first <= size {
				numrecs = (size - first) / h.RecSize
			}
		}
	}
	for i := range h.Dims {
		if h.Dims[i].Unlimited {
			h.Dims[i].Len = int(min(numrecs, math.MaxInt32*int64(256)))
		}
	}
	for i := range h.Vars {
		v := &h.Vars[i]
		if v.Begin < h.HeaderBytes {
			return fmt.Errorf("variable %s begins at byte %d, inside the %d-byte header", v.Name, v.Begin, h.HeaderBytes)
		}
		slab := v.slabBytes()
		end := guard.Sum(v.Begin, slab)
		if v.Record {
			v.Shape[0] = int(min(numrecs, math.MaxInt32*int64(256)))
			end = 0 // no records: no data, wherever they would begin
			if numrecs > 0 {
				end = guard.Sum(v.Begin, guard.Product(numrecs-1, h.RecSize), slab)
				if numrecs-1 > 0 && h.RecSize > 0 && guard.Product(numrecs-1, h.RecSize) == math.MaxInt64 {
					end = math.MaxInt64
				}
			}
		}
		if end > size || end == math.MaxInt64 {
			what := fmt.Sprintf("shape %v of %v", v.Shape, v.Type)
			if v.Record {
				what = fmt.Sprintf("%d records of %d bytes, shape %v of %v", numrecs, h.RecSize, v.Shape, v.Type)
			}
			return fmt.Errorf("variable %s (%s) from byte %d needs the file to hold %s, but it has %d bytes (truncated, or a lying header)",
				v.Name, what, v.Begin, byteCount(end), size)
		}
	}
	return nil
}

func byteCount(n int64) string {
	if n == math.MaxInt64 {
		return "more than 8 EiB"
	}
	return fmt.Sprintf("%d bytes", n)
}
