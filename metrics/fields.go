package metrics

import (
	"fmt"
	"math"
)

// Float is the element type of the arrays metrics reads: float32 (tidal's tensors) or float64 (NumPy's
// default). Sums are always accumulated in float64.
type Float interface{ ~float32 | ~float64 }

// Layout names the member and lead axes of a forecast array. Of the remaining axes, the first is the case
// axis and the rest form one field (its points are scored together, and latitude weights and images apply
// to them). The truth array has the forecast's axes without the member axis.
type Layout struct {
	MemberAxis int // axis of the ensemble members in the forecast
	LeadAxis   int // axis of the lead times in the forecast
}

// DefaultLayout is tidal's convention: forecasts [cases, members, lead, field...] and truth
// [cases, lead, field...]; `tidal forecast` writes [cases, members, lead, channels, H, W].
var DefaultLayout = Layout{MemberAxis: 1, LeadAxis: 2}

// truthLeadAxis is the lead axis of the truth array, which lacks the member axis.
func (l Layout) truthLeadAxis() int {
	if l.LeadAxis > l.MemberAxis {
		return l.LeadAxis - 1
	}
	return l.LeadAxis
}

// Fields is a read-only view of a stack of fields indexed by case, member and lead, over an array in C order
// with any axis order. A truth array is a Fields with one member.
type Fields[T Float] struct {
	Cases, Members, Leads int
	Field                 []int // shape of one field, e.g. [channels, H, W] or [series]

	data                                 []T
	shape                                []int // shape of the whole array
	caseStride, memberStride, leadStride int
	offsets                              []int // offset of each field point from the field's base, C order of Field
}

// NewEnsemble views data of the given shape as an ensemble forecast laid out as lay says. It needs a case
// axis besides the member and lead axes; the field may be empty (scalar forecasts).
func NewEnsemble[T Float](data []T, shape []int, lay Layout) (*Fields[T], error) {
	if err := checkAxes(shape, lay.MemberAxis, lay.LeadAxis); err != nil {
		return nil, err
	}
	return newFields(data, shape, lay.MemberAxis, lay.LeadAxis)
}

// NewTruth views data of the given shape as the truth for forecasts laid out as lay says: the forecast's
// axes without the member axis.
func NewTruth[T Float](data []T, shape []int, lay Layout) (*Fields[T], error) {
	lead := lay.truthLeadAxis()
	if len(shape) < 2 {
		return nil, fmt.Errorf("shape %v has rank %d; expected at least 2 axes (cases, lead, then the field)", shape, len(shape))
	}
	if lead < 0 || lead >= len(shape) {
		return nil, fmt.Errorf("lead axis %d must lie in 0..%d for shape %v", lead, len(shape)-1, shape)
	}
	return newFields(data, shape, -1, lead)
}

func checkAxes(shape []int, member, lead int) error {
	r := len(shape)
	if r < 3 {
		return fmt.Errorf("shape %v has rank %d; expected at least 3 axes (cases, members, lead, then the field)", shape, r)
	}
	if member < 0 || member >= r || lead < 0 || lead >= r {
		return fmt.Errorf("member axis %d and lead axis %d must lie in 0..%d for shape %v", member, lead, r-1, shape)
	}
	if member == lead {
		return fmt.Errorf("member axis and lead axis are both %d", member)
	}
	return nil
}

// newFields builds the view; member < 0 means there is no member axis (a truth array).
func newFields[T Float](data []T, shape []int, member, lead int) (*Fields[T], error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n != len(data) {
		return nil, fmt.Errorf("%d values do not fill shape %v", len(data), shape)
	}
	strides := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	f := &Fields[T]{data: data, shape: append([]int(nil), shape...), Members: 1, Leads: shape[lead], leadStride: strides[lead]}
	if member >= 0 {
		f.Members, f.memberStride = shape[member], strides[member]
	}
	var rest []int // the other axes: the first is the case axis, the others form the field
	for i := range shape {
		if i != member && i != lead {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("shape %v has no case axis besides the member and lead axes", shape)
	}
	f.Cases, f.caseStride = shape[rest[0]], strides[rest[0]]
	fieldAxes := rest[1:]
	for _, a := range fieldAxes {
		f.Field = append(f.Field, shape[a])
	}
	f.offsets = make([]int, NumPoints(f.Field))
	idx := make([]int, len(fieldAxes))
	for p := range f.offsets {
		off := 0
		for k, a := range fieldAxes {
			off += idx[k] * strides[a]
		}
		f.offsets[p] = off
		for k := len(idx) - 1; k >= 0; k-- { // next C-order index
			if idx[k]++; idx[k] < f.Field[k] {
				break
			}
			idx[k] = 0
		}
	}
	return f, nil
}

// NumPoints is the number of points of a field of the given shape (1 for a scalar field).
func NumPoints(field []int) int {
	n := 1
	for _, d := range field {
		n *= d
	}
	return n
}

// Points is the number of points of one field.
func (f *Fields[T]) Points() int { return len(f.offsets) }

// base is the offset of field (case c, member m, lead l) in the data.
func (f *Fields[T]) base(c, m, l int) int {
	return c*f.caseStride + m*f.memberStride + l*f.leadStride
}

// At returns point p (a C-order index into Field) of field (c, m, l).
func (f *Fields[T]) At(c, m, l, p int) float64 {
	return float64(f.data[f.base(c, m, l)+f.offsets[p]])
}

// CopyField copies field (c, m, l) into dst (length Points) in C order of Field, and returns dst.
func (f *Fields[T]) CopyField(dst []float64, c, m, l int) []float64 {
	b := f.base(c, m, l)
	for p, o := range f.offsets {
		dst[p] = float64(f.data[b+o])
	}
	return dst
}

// CheckFinite returns an error naming the first NaN or infinite value by its index in the array.
func (f *Fields[T]) CheckFinite() error {
	for i, v := range f.data {
		if x := float64(v); math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value %v at index %v of shape %v", x, unravel(i, f.shape), f.shape)
		}
	}
	return nil
}

// unravel turns a C-order flat index into a multi-index of shape.
func unravel(p int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = p % shape[k]
		p /= shape[k]
	}
	return idx
}

// Match checks that truth o has the cases, leads and field shape of forecast f.
func Match[F, O Float](f *Fields[F], o *Fields[O]) error {
	if f.Members < 1 {
		return fmt.Errorf("the forecast has an empty ensemble (0 members)")
	}
	if f.Cases != o.Cases || f.Leads != o.Leads || !equalShape(f.Field, o.Field) {
		return fmt.Errorf("forecast has %d cases, %d leads and field %v but truth has %d cases, %d leads and field %v",
			f.Cases, f.Leads, f.Field, o.Cases, o.Leads, o.Field)
	}
	if f.Cases == 0 || f.Leads == 0 || f.Points() == 0 {
		return fmt.Errorf("nothing to score: %d cases, %d leads, field %v", f.Cases, f.Leads, f.Field)
	}
	return nil
}

func equalShape(a, b []int) bool {
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

// image is the 2-D layout of a field for image metrics: count images of h×w (the last two field axes).
func imageLayout(field []int) (count, h, w int, err error) {
	if len(field) < 2 {
		return 0, 0, 0, fmt.Errorf("field shape %v has no image: expected at least 2 axes (..., H, W)", field)
	}
	h, w = field[len(field)-2], field[len(field)-1]
	return NumPoints(field) / (h * w), h, w, nil
}
