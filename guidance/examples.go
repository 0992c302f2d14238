package guidance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/data"
)

// ExampleOptions configure the training examples of the discriminator (Hess et al. 2025, §3, eq. 6).
// Start from DefaultExampleOptions: its zero value is not valid.
type ExampleOptions struct {
	// Context is the number of clean conditioning frames xⁿ, xⁿ⁻¹, …; 2 (the paper's m = 1) in the
	// defaults. It must equal the discriminator's Config.Context.
	Context int
	// Offsets is the distribution of the negatives' time offsets.
	Offsets Offsets
	// PMean and PStd give the candidates' noise levels, ln σ ~ N(PMean, PStd²): EDM's training
	// distribution, −1.2 and 1.2 in the defaults.
	PMean, PStd float64
	// SharedSigma gives the positive and the negative of a pair the same σ; by default they are
	// drawn independently (UNCONFIRMED).
	SharedSigma bool
	// CropH and CropW are the size of a random crop taken from each example (the same window on the
	// candidate and the conditioning frames); 0 keeps the whole field along that axis. The paper
	// crops at random (size UNCONFIRMED; about half the field side is the suggestion of
	// docs/GUIDANCE.md); crops must be multiples of the discriminator's Divisor.
	CropH, CropW int
	// WrapH and WrapW let crops smaller than the field wrap around the edge along a periodic axis;
	// otherwise a crop lies inside the field.
	WrapH, WrapW bool
}

// DefaultExampleOptions returns the paper's settings: two conditioning frames, σ_step = 2 with past
// offsets allowed, ln σ ~ N(−1.2, 1.2²), independent σ for positives and negatives, no crop.
func DefaultExampleOptions() ExampleOptions {
	return ExampleOptions{Context: 2, Offsets: Offsets{SigmaStep: DefaultSigmaStep}, PMean: -1.2, PStd: 1.2}
}

// Examples draws training or held-out batches of discriminator examples from one series.
type Examples struct {
	frames     []float32
	T, C, H, W int
	opt        ExampleOptions
	rng        *rand.Rand
	// first and last bound the index n of the current frame xⁿ.
	first, last int
}

// NewExamples checks series ([T, C, H, W], finite values) against opt and returns the example
// source, reproducible from seed. name (a file name or flag) is used in error messages. The series is
// not copied and must not change while Examples is used.
func NewExamples(name string, series *data.Array, opt ExampleOptions, seed uint64) (*Examples, error) {
	if series == nil || len(series.Shape) != 4 {
		var shape []int
		if series != nil {
			shape = series.Shape
		}
		return nil, fmt.Errorf("%s: expected a series [frames, channels, height, width], got shape %v", name, shape)
	}
	T, C, H, W := series.Shape[0], series.Shape[1], series.Shape[2], series.Shape[3]
	if err := opt.check(H, W); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	e := &Examples{frames: series.Float32(), T: T, C: C, H: H, W: W, opt: opt, rng: rand.New(rand.NewPCG(seed, 0xd15c))}
	e.first, e.last = opt.Context-1, T-2
	if opt.Offsets.FutureOnly {
		e.last = T - 3
	}
	if e.last < e.first || C <= 0 || H <= 0 || W <= 0 {
		need := opt.Context + 1
		if opt.Offsets.FutureOnly {
			need++
		}
		return nil, fmt.Errorf("%s: shape %v: %d conditioning frames, the next frame and a negative need at least %d frames of positive size",
			name, series.Shape, opt.Context, need)
	}
	for i, v := range e.frames {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			f := i / (C * H * W)
			return nil, fmt.Errorf("%s: frame %d holds %v; expected finite values", name, f, v)
		}
	}
	return e, nil
}

func (o ExampleOptions) check(H, W int) error {
	if err := o.Offsets.check(); err != nil {
		return err
	}
	switch {
	case o.Context < 1:
		return fmt.Errorf("guidance: Context must be at least 1, got %d", o.Context)
	case !(o.PStd > 0) || math.IsInf(o.PStd, 0) || math.IsNaN(o.PMean) || math.IsInf(o.PMean, 0):
		return fmt.Errorf("guidance: noise distribution ln σ ~ N(%g, %g²): expected a finite mean and a positive, finite PStd", o.PMean, o.PStd)
	case o.CropH < 0 || o.CropH > H || o.CropW < 0 || o.CropW > W:
		return fmt.Errorf("guidance: crop %d×%d does not fit the %d×%d field", o.CropH, o.CropW, H, W)
	}
	return nil
}

// Frames returns the number of frames of the series.
func (e *Examples) Frames() int { return e.T }

// cropSize returns the example height and width.
func (e *Examples) cropSize() (h, w int) {
	h, w = e.opt.CropH, e.opt.CropW
	if h == 0 {
		h = e.H
	}
	if w == 0 {
		w = e.W
	}
	return h, w
}

// Batch is a batch of 2·pairs discriminator examples: row 2i is the positive of pair i (the true next
// frame xⁿ⁺¹), row 2i+1 its negative xⁿ⁺ˡ, with the same n and conditioning frames.
type Batch struct {
	// Rows, C, H, W are the batch's shape: Rows examples of C channels, H×W after cropping.
	Rows, C, H, W int
	// Candidate holds the noisy candidates x + σε, ε ~ N(0, I) [Rows, C, H, W].
	Candidate []float32
	// Sigma holds the noise levels σ [Rows], Label 1 for positives and 0 for negatives [Rows].
	Sigma, Label []float32
	// Cond holds the clean conditioning frames xⁿ, xⁿ⁻¹, … (Context of them), each [Rows, C, H, W].
	Cond [][]float32
	// N is the index of each row's current frame xⁿ in the series, Offset its candidate's offset
	// (1 for positives): the candidate is frame N + Offset.
	N, Offset []int
}

// maxBatchValues bounds the float32 values one Batch may hold (4 GiB).
const maxBatchValues = 1 << 30

// Batch draws pairs positive–negative pairs: for each, n uniform over the frames that have Context
// predecessors and a next frame, l from the offsets allowed inside the series, then for each of the
// two rows its σ (ln σ ~ N(PMean, PStd²)), its crop window and its noise.
func (e *Examples) Batch(pairs int) (*Batch, error) {
	h, w := e.cropSize()
	k := e.opt.Context
	if pairs <= 0 || float64(2*pairs)*float64((k+1)*e.C*h*w) > maxBatchValues {
		return nil, fmt.Errorf("guidance: %d pairs of %d×%d×%d examples: expected a positive number of pairs, at most %d values in all",
			pairs, e.C, h, w, maxBatchValues)
	}
	rows := 2 * pairs
	size := e.C * h * w
	b := &Batch{Rows: rows, C: e.C, H: h, W: w, Candidate: make([]float32, rows*size),
		Sigma: make([]float32, rows), Label: make([]float32, rows), Cond: make([][]float32, k),
		N: make([]int, rows), Offset: make([]int, rows)}
	for j := range b.Cond {
		b.Cond[j] = make([]float32, rows*size)
	}
	for p := range pairs {
		n := e.first + e.rng.IntN(e.last-e.first+1)
		l, err := e.opt.Offsets.Draw(e.rng, -n, e.T-1-n)
		if err != nil {
			return nil, err
		}
		sigma := math.Exp(e.opt.PMean + e.opt.PStd*e.rng.NormFloat64())
		for r, off := range [2]int{1, l} {
			row := 2*p + r
			if r == 1 && !e.opt.SharedSigma {
				sigma = math.Exp(e.opt.PMean + e.opt.PStd*e.rng.NormFloat64())
			}
			b.N[row], b.Offset[row], b.Sigma[row] = n, off, float32(sigma)
			if off == 1 {
				b.Label[row] = 1
			}
			y0, x0 := e.cropOrigin(h, w)
			dst := b.Candidate[row*size:][:size]
			e.crop(dst, n+off, y0, x0, h, w)
			for i := range dst {
				dst[i] += float32(sigma * e.rng.NormFloat64())
			}
			for j := range k {
				e.crop(b.Cond[j][row*size:][:size], n-j, y0, x0, h, w)
			}
		}
	}
	return b, nil
}

// cropOrigin draws the top-left corner of an h×w window.
func (e *Examples) cropOrigin(h, w int) (y0, x0 int) {
	origin := func(n, c int, wrap bool) int {
		switch {
		case c == n:
			return 0
		case wrap:
			return e.rng.IntN(n)
		default:
			return e.rng.IntN(n - c + 1)
		}
	}
	return origin(e.H, h, e.opt.WrapH), origin(e.W, w, e.opt.WrapW)
}

// crop copies the h×w window of frame f at (y0, x0), wrapping around the edges, into dst [C, h, w].
func (e *Examples) crop(dst []float32, f, y0, x0, h, w int) {
	frame := e.frames[f*e.C*e.H*e.W:][:e.C*e.H*e.W]
	for c := range e.C {
		plane := frame[c*e.H*e.W:][:e.H*e.W]
		for i := range h {
			src := plane[((y0+i)%e.H)*e.W:][:e.W]
			out := dst[(c*h+i)*w:][:w]
			for j := range w {
				out[j] = src[(x0+j)%e.W]
			}
		}
	}
}

// Tensors returns the batch as the inputs of LossFn, in its order: candidate [Rows, C, H, W], sigma
// [Rows], label [Rows], then the conditioning frames xⁿ, xⁿ⁻¹, … each [Rows, C, H, W].
func (b *Batch) Tensors() []*tensors.Tensor {
	dims := []int{b.Rows, b.C, b.H, b.W}
	out := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(b.Candidate, dims...),
		tensors.FromFlatDataAndDimensions(b.Sigma, b.Rows), tensors.FromFlatDataAndDimensions(b.Label, b.Rows)}
	for _, c := range b.Cond {
		out = append(out, tensors.FromFlatDataAndDimensions(c, dims...))
	}
	return out
}

// Args returns Tensors as the arguments of a model.Exec call.
func (b *Batch) Args() []any {
	ts := b.Tensors()
	args := make([]any, len(ts))
	for i, t := range ts {
		args[i] = t
	}
	return args
}
