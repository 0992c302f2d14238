package metrics

import (
	"fmt"
	"math"
)

// Pooling reduces every H×W image of a field over Size×Size windows moved by Stride, after padding each side
// with Pad cells, as PyTorch's avg_pool2d / max_pool2d do: "avg" divides the window's sum by Size² (padding
// counts as zeros), "max" takes the largest value inside the image. The output is
// ((H + 2·Pad − Size)/Stride + 1) × ((W + 2·Pad − Size)/Stride + 1).
type Pooling struct {
	Kind   string // "avg" or "max"
	Size   int    // window side, cells
	Stride int    // window step, cells
	Pad    int    // padding on each side, cells
}

// CRPSPooling is the pooling of DyDiff's pooled CRPS (spec dydiff.md §8.1): windows of size k moved by
// (k+2)/4 (integer division), no padding.
func CRPSPooling(kind string, k int) Pooling {
	return Pooling{Kind: kind, Size: k, Stride: (k + 2) / 4}
}

// CSIPooling is the pooling of DyDiff's windowed CSI: max over k×k windows moved by k/2, padded by k/2.
func CSIPooling(k int) Pooling {
	return Pooling{Kind: "max", Size: k, Stride: max(1, k/2), Pad: k / 2}
}

func (p Pooling) check(h, w int) error {
	if p.Kind != "avg" && p.Kind != "max" {
		return fmt.Errorf("pooling kind %q: expected \"avg\" or \"max\"", p.Kind)
	}
	if p.Size < 1 || p.Stride < 1 || p.Pad < 0 || p.Pad > p.Size/2 {
		return fmt.Errorf("pooling size %d, stride %d, pad %d: expected size ≥ 1, stride ≥ 1, 0 ≤ pad ≤ size/2", p.Size, p.Stride, p.Pad)
	}
	if h+2*p.Pad < p.Size || w+2*p.Pad < p.Size {
		return fmt.Errorf("pooling window %d does not fit an image of %d×%d", p.Size, h, w)
	}
	return nil
}

// outSize is the pooled image size.
func (p Pooling) outSize(h, w int) (int, int) {
	return (h+2*p.Pad-p.Size)/p.Stride + 1, (w+2*p.Pad-p.Size)/p.Stride + 1
}

// poolImage pools the h×w image src into dst (length outSize).
func (p Pooling) poolImage(dst, src []float64, h, w int) {
	oh, ow := p.outSize(h, w)
	norm := 1 / float64(p.Size*p.Size)
	for i := 0; i < oh; i++ {
		r0 := i*p.Stride - p.Pad
		for j := 0; j < ow; j++ {
			c0 := j*p.Stride - p.Pad
			acc := 0.0
			if p.Kind == "max" {
				acc = math.Inf(-1)
			}
			for r := max(r0, 0); r < min(r0+p.Size, h); r++ {
				row := src[r*w : (r+1)*w]
				for c := max(c0, 0); c < min(c0+p.Size, w); c++ {
					if p.Kind == "max" {
						acc = math.Max(acc, row[c])
					} else {
						acc += row[c]
					}
				}
			}
			if p.Kind == "avg" {
				acc *= norm
			}
			dst[i*ow+j] = acc
		}
	}
}

// poolField pools every image of a field of shape field (images are its last two axes) from src into dst
// and returns the pooled field's shape.
func (p Pooling) poolField(dst, src []float64, field []int) []int {
	count, h, w, _ := imageLayout(field)
	oh, ow := p.outSize(h, w)
	for k := 0; k < count; k++ {
		p.poolImage(dst[k*oh*ow:(k+1)*oh*ow], src[k*h*w:(k+1)*h*w], h, w)
	}
	out := append([]int(nil), field[:len(field)-2]...)
	return append(out, oh, ow)
}

// pooledShape checks p against field and returns the pooled field's shape.
func (p Pooling) pooledShape(field []int) ([]int, error) {
	_, h, w, err := imageLayout(field)
	if err != nil {
		return nil, err
	}
	if err := p.check(h, w); err != nil {
		return nil, err
	}
	oh, ow := p.outSize(h, w)
	out := append([]int(nil), field[:len(field)-2]...)
	return append(out, oh, ow), nil
}
