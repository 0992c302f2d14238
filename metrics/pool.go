package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
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

// CRPSPooling is the pooling of DyDiff's pooled CRPS (Guo et al. 2025's evaluation code; docs/METRICS.md): windows of size k moved by
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
	if p.Kind == "avg" {
		p.avgPoolImage(dst, src, h, w)
		return
	}
	oh, ow := p.outSize(h, w)
	for i := 0; i < oh; i++ {
		r0 := i*p.Stride - p.Pad
		for j := 0; j < ow; j++ {
			c0 := j*p.Stride - p.Pad
			acc := math.Inf(-1)
			for r := max(r0, 0); r < min(r0+p.Size, h); r++ {
				for _, v := range src[r*w+max(c0, 0) : r*w+min(c0+p.Size, w)] {
					acc = math.Max(acc, v)
				}
			}
			dst[i*ow+j] = acc
		}
	}
}

// avgPoolImage averages windows in O(1) each from the image's summed-area table, so large windows (FSS
// neighbourhoods) cost no more than small ones.
func (p Pooling) avgPoolImage(dst, src []float64, h, w int) {
	sat := make([]float64, (h+1)*(w+1)) // sat[i][j] = Σ src[0..i)[0..j)
	for i := 0; i < h; i++ {
		var row float64
		for j := 0; j < w; j++ {
			row += src[i*w+j]
			sat[(i+1)*(w+1)+j+1] = sat[i*(w+1)+j+1] + row
		}
	}
	oh, ow := p.outSize(h, w)
	norm := 1 / float64(p.Size*p.Size)
	for i := 0; i < oh; i++ {
		r0 := max(i*p.Stride-p.Pad, 0)
		r1 := min(i*p.Stride-p.Pad+p.Size, h)
		for j := 0; j < ow; j++ {
			c0 := max(j*p.Stride-p.Pad, 0)
			c1 := min(j*p.Stride-p.Pad+p.Size, w)
			sum := sat[r1*(w+1)+c1] - sat[r0*(w+1)+c1] - sat[r1*(w+1)+c0] + sat[r0*(w+1)+c0]
			dst[i*ow+j] = sum * norm
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

// ParsePooling reads a pooling by name, "avg<k>" or "max<k>" with k ≥ 1 (e.g. avg2: CRPSPooling("avg", 2)).
func ParsePooling(s string) (Pooling, error) {
	for _, kind := range []string{"avg", "max"} {
		if k, ok := strings.CutPrefix(s, kind); ok {
			n, err := strconv.Atoi(k)
			if err != nil || n < 1 {
				break
			}
			return CRPSPooling(kind, n), nil
		}
	}
	return Pooling{}, fmt.Errorf("%q: expected avg<k> or max<k>, e.g. avg2", s)
}
