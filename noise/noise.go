// Package noise draws the standard normal noise that tidal's samplers use, reproducibly and row by row.
//
// Every row (the leading axis: one ensemble member, or one member of one case) has its own PCG stream,
// so a row's noise depends only on the seed, the row's index and how many values that row has drawn
// before; never on how many other rows share the batch. Member 3 of a 16-member ensemble therefore follows
// the same trajectory as member 3 of a 4-member ensemble with the same seed. Noise is drawn on the host
// (math/rand/v2), so the same seed gives the same numbers on every backend.
//
// Two purposes use disjoint streams, so one seed may serve both: the initial noise of a sampler (Initial:
// row r uses PCG(seed, 2r)) and the per-step noise drawn inside a sampler (NewSteps: row r uses
// PCG(seed, 2r+1)).
package noise

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
)

// Rows draws standard normal float32 tensors of one fixed shape, each row from its own stream.
type Rows struct {
	dims    []int
	rowSize int
	streams []*rand.Rand
}

func newRows(seed uint64, purpose uint64, dims []int) (*Rows, error) {
	if len(dims) == 0 {
		return nil, fmt.Errorf("noise: shape %v has no row axis; expected [rows, ...]", dims)
	}
	size := 1
	for _, d := range dims {
		if d <= 0 {
			return nil, fmt.Errorf("noise: shape %v has a non-positive dimension", dims)
		}
		size *= d
	}
	r := &Rows{dims: append([]int(nil), dims...), rowSize: size / dims[0], streams: make([]*rand.Rand, dims[0])}
	for i := range r.streams {
		r.streams[i] = rand.New(rand.NewPCG(seed, 2*uint64(i)+purpose))
	}
	return r, nil
}

// NewSteps returns the per-step noise source of a sampler: row r draws from PCG(seed, 2r+1).
func NewSteps(seed uint64, dims ...int) (*Rows, error) { return newRows(seed, 1, dims) }

// Next returns the next tensor of standard normal values; row r's values are the next ones of stream r.
func (r *Rows) Next() *tensors.Tensor {
	flat := make([]float32, r.rowSize*len(r.streams))
	for i, s := range r.streams {
		row := flat[i*r.rowSize : (i+1)*r.rowSize]
		for j := range row {
			row[j] = float32(s.NormFloat64())
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, r.dims...)
}

// Initial returns standard normal noise of shape dims for a sampler's starting point; row r draws from
// PCG(seed, 2r). The samplers scale (EDM) or correlate (DyDiff) it themselves.
func Initial(seed uint64, dims ...int) (*tensors.Tensor, error) {
	r, err := newRows(seed, 0, dims)
	if err != nil {
		return nil, err
	}
	return r.Next(), nil
}
