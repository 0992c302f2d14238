package dataset

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/gomlx/gomlx/core/tensors"
)

// Options choose the windows and the split.
type Options struct {
	// Frames is k, the number of consecutive frames in a window (≥ 1).
	Frames int `json:"frames"`
	// Stride is the step between the first frames of successive windows (≥ 1; 0 means 1).
	Stride int `json:"stride"`
	// ValFraction is the share of each series, at its end, kept for validation: frames
	// [⌊T·(1−ValFraction)⌋, T) of a series of T frames. Windows never cross the boundary. 0 keeps none.
	ValFraction float64 `json:"val_fraction"`
	// Crop, when set, is [h, w]: each training window is cut to an h×w patch at a random position
	// (fields only). Validation windows are cut at the centre.
	Crop []int `json:"crop,omitempty"`
	// Seed fixes the shuffled order of the training windows and the crop positions.
	Seed uint64 `json:"seed"`
}

// Validate names the first bad option.
func (o Options) Validate() error {
	switch {
	case o.Frames < 1:
		return fmt.Errorf("window frames = %d: expected at least 1", o.Frames)
	case o.Stride < 0:
		return fmt.Errorf("window stride = %d: expected at least 1 (0 means 1)", o.Stride)
	case !(o.ValFraction >= 0 && o.ValFraction < 1):
		return fmt.Errorf("validation fraction = %v: expected 0 ≤ fraction < 1", o.ValFraction)
	case o.Crop != nil && (len(o.Crop) != 2 || o.Crop[0] < 1 || o.Crop[1] < 1):
		return fmt.Errorf("crop = %v: expected [height, width], both ≥ 1", o.Crop)
	}
	return nil
}

// Windows is a set of k-frame windows over several series, normalised with a Norm. It is safe for
// concurrent use.
type Windows struct {
	series  []Series
	starts  []window
	frames  int
	norm    Norm
	crop    []int
	shuffle bool
	seed    uint64

	mu    sync.Mutex
	epoch int
	perm  []int
}

// window is the first frame t of a window in series s.
type window struct{ s, t int }

// Split builds the training and validation windows of ss (see Options) and the normalisation
// statistics of the training part. The training windows are shuffled; the validation windows come in
// order. val has no windows when ValFraction is 0.
func Split(ss []Series, opt Options) (train, val *Windows, norm Norm, err error) {
	if err = opt.Validate(); err != nil {
		return nil, nil, Norm{}, err
	}
	if err = sameFrames(ss); err != nil {
		return nil, nil, Norm{}, err
	}
	if opt.Stride == 0 {
		opt.Stride = 1
	}
	fs := ss[0].FrameShape()
	if opt.Crop != nil && (len(fs) != 3 || opt.Crop[0] > fs[1] || opt.Crop[1] > fs[2]) {
		return nil, nil, Norm{}, fmt.Errorf("crop %v does not fit frames %v (crops need [channels, height, width] frames)", opt.Crop, fs)
	}
	ends := make([]int, len(ss))
	var tw, vw []window
	for i, s := range ss {
		T := s.Frames()
		cut := T - int(float64(T)*opt.ValFraction)
		if opt.ValFraction > 0 && cut == T {
			cut = T - 1
		}
		ends[i] = cut
		for t := 0; t+opt.Frames <= cut; t += opt.Stride {
			tw = append(tw, window{i, t})
		}
		for t := cut; opt.ValFraction > 0 && t+opt.Frames <= T; t += opt.Stride {
			vw = append(vw, window{i, t})
		}
	}
	if len(tw) == 0 {
		return nil, nil, Norm{}, fmt.Errorf("no training window of %d frames fits in the first %d frames of %s", opt.Frames, ends[0], ss[0].Name)
	}
	if opt.ValFraction > 0 && len(vw) == 0 {
		return nil, nil, Norm{}, fmt.Errorf("no validation window of %d frames fits in the last %v of the series; lower frames or raise the fraction", opt.Frames, opt.ValFraction)
	}
	if err = sameActions(ss); err != nil {
		return nil, nil, Norm{}, err
	}
	if norm, err = ComputeNorm(ss, ends); err != nil {
		return nil, nil, Norm{}, err
	}
	mk := func(ws []window, shuffle bool) *Windows {
		return &Windows{series: ss, starts: ws, frames: opt.Frames, norm: norm, crop: opt.Crop, shuffle: shuffle, seed: opt.Seed, epoch: -1}
	}
	return mk(tw, true), mk(vw, false), norm, nil
}

// Len is the number of windows.
func (w *Windows) Len() int { return len(w.starts) }

// Norm is the normalisation the windows are fed with.
func (w *Windows) Norm() Norm { return w.norm }

// ExampleShape is the shape of one window as Batch returns it, without the batch axis: [k, C, h, w]
// for fields (h×w the crop, or the full grid) and [k, N] for time series.
func (w *Windows) ExampleShape() []int {
	fs := w.series[0].FrameShape()
	out := append([]int{w.frames}, fs...)
	if w.crop != nil {
		out[2], out[3] = w.crop[0], w.crop[1]
	}
	return out
}

// Batch returns examples index·size … (index+1)·size − 1 of the window stream as one float32 tensor
// [size, k, ...] (and, when the series carry actions, a second one [size, k, A]: each window's frames'
// action rows, unnormalised): for shuffled windows the stream is the concatenation of one permutation of all
// windows per epoch, each drawn from (seed, epoch); otherwise the windows in order, repeated. The
// result depends only on (index, size), which is what makes a resumed run see the same data.
func (w *Windows) Batch(index, size int) ([]*tensors.Tensor, error) {
	if index < 0 || size < 1 {
		return nil, fmt.Errorf("batch %d of size %d: expected index ≥ 0 and size ≥ 1", index, size)
	}
	ex := w.ExampleShape()
	per := 1
	for _, d := range ex {
		per *= d
	}
	if per > MaxElements/size {
		return nil, fmt.Errorf("batch of %d windows %v holds more than %d values", size, ex, MaxElements)
	}
	out := make([]float32, size*per)
	for b := range size {
		j := index*size + b
		w.example(j, out[b*per:(b+1)*per])
	}
	res := []*tensors.Tensor{tensors.FromFlatDataAndDimensions(out, append([]int{size}, ex...)...)}
	if A := w.series[0].ActionDim; A > 0 {
		acts := make([]float32, size*w.frames*A)
		for b := range size {
			win := w.windowAt(index*size + b)
			copy(acts[b*w.frames*A:(b+1)*w.frames*A], w.series[win.s].Actions[win.t*A:(win.t+w.frames)*A])
		}
		res = append(res, tensors.FromFlatDataAndDimensions(acts, size, w.frames, A))
	}
	return res, nil
}

// windowAt is the window of stream element j.
func (w *Windows) windowAt(j int) window {
	L := len(w.starts)
	if w.shuffle {
		return w.starts[w.permuted(j/L, j%L)]
	}
	return w.starts[j%L]
}

// example writes stream element j into dst.
func (w *Windows) example(j int, dst []float32) {
	win := w.windowAt(j)
	s := w.series[win.s]
	fs := s.FrameSize()
	src := s.Data[win.t*fs : (win.t+w.frames)*fs]
	if w.crop == nil {
		copy(dst, src)
	} else {
		y0, x0 := w.cropAt(j, s)
		cropFrames(dst, src, s.FrameShape(), w.crop, y0, x0)
	}
	inner := len(dst) / (w.frames * s.Channels())
	w.norm.Normalize(dst, inner)
}

// permuted is position i of epoch e's permutation.
func (w *Windows) permuted(e, i int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.epoch != e {
		w.perm = rand.New(rand.NewPCG(w.seed, uint64(e))).Perm(len(w.starts))
		w.epoch = e
	}
	return w.perm[i]
}

// cropAt is the top-left corner of stream element j's crop: random for shuffled (training) windows,
// the centre otherwise.
func (w *Windows) cropAt(j int, s Series) (y0, x0 int) {
	H, W := s.Shape[2], s.Shape[3]
	if !w.shuffle {
		return (H - w.crop[0]) / 2, (W - w.crop[1]) / 2
	}
	r := rand.New(rand.NewPCG(w.seed^0x9e3779b97f4a7c15, uint64(j)))
	return r.IntN(H - w.crop[0] + 1), r.IntN(W - w.crop[1] + 1)
}

// cropFrames copies the h×w patch at (y0, x0) of every [C, H, W] frame of src into dst.
func cropFrames(dst, src []float32, fs, crop []int, y0, x0 int) {
	C, H, W := fs[0], fs[1], fs[2]
	h, w := crop[0], crop[1]
	n := len(src) / (C * H * W)
	o := 0
	for f := range n * C {
		plane := src[f*H*W : (f+1)*H*W]
		for y := range h {
			o += copy(dst[o:o+w], plane[(y0+y)*W+x0:])
		}
	}
}
