// Package noise draws the standard normal noise that tidal's samplers use, reproducibly and member by
// member.
//
// A batch of an ensemble forecast holds B cases × M members, case b's member m at row b·M+m. Every
// (case, member) pair has its own PCG stream, keyed by the pair itself and not by the row, so member m
// of case b draws the same noise whatever the number of cases and whatever the ensemble size: member 3
// of case 1 in a 16-member ensemble of 4 cases follows the same trajectory as member 3 of case 1 in a
// 4-member ensemble of 2 cases with the same seed. Noise is drawn on the host (math/rand/v2), so the same
// seed gives the same numbers on every backend.
//
// Two purposes use disjoint streams, so one seed may serve both: the initial noise of a sampler
// (Ensemble.Initial) and the per-step noise drawn inside a sampler (Ensemble.Steps). The stream of
// (case b, member m, purpose p) is PCG(seed, mix(b·2³³ + m·2 + p)), mix being SplitMix64's finaliser,
// so nearby keys start far apart in PCG's state space.
package noise

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
)

// Ensemble is the layout of a batch: Cases × Members rows, case b's member m at row b·Members+m.
type Ensemble struct {
	Cases, Members int
}

// MaxCases and MaxMembers bound the layout so that every (case, member) pair has its own key.
const (
	MaxCases   = 1 << 30
	MaxMembers = 1 << 32
)

// Rows is the number of rows of the layout's batch.
func (e Ensemble) Rows() int { return e.Cases * e.Members }

// Initial returns standard normal noise [Cases·Members, dims...] for a sampler's starting point; row
// b·M+m draws from the initial-noise stream of (b, m). The samplers scale (EDM) or correlate (DyDiff) it.
func (e Ensemble) Initial(seed uint64, dims ...int) (*tensors.Tensor, error) {
	r, err := e.newRows(seed, 0, dims)
	if err != nil {
		return nil, err
	}
	return r.Next(), nil
}

// Steps returns the per-step noise source of a sampler for the layout, each draw [Cases·Members,
// dims...]; row b·M+m draws from the per-step stream of (b, m).
func (e Ensemble) Steps(seed uint64, dims ...int) (*Rows, error) { return e.newRows(seed, 1, dims) }

// Initial is Ensemble{Cases: dims[0], Members: 1}.Initial(seed, dims[1:]...): every row its own case.
func Initial(seed uint64, dims ...int) (*tensors.Tensor, error) {
	if len(dims) == 0 {
		return nil, fmt.Errorf("noise: shape %v has no row axis; expected [rows, ...]", dims)
	}
	return Ensemble{Cases: dims[0], Members: 1}.Initial(seed, dims[1:]...)
}

// Rows draws standard normal float32 tensors of one fixed shape, each row from its own stream.
type Rows struct {
	dims    []int
	rowSize int
	streams []*rand.Rand
}

func (e Ensemble) newRows(seed, purpose uint64, dims []int) (*Rows, error) {
	if e.Cases <= 0 || e.Members <= 0 || e.Cases > MaxCases || e.Members > MaxMembers {
		return nil, fmt.Errorf("noise: %d cases × %d members, expected 1…%d cases and 1…%d members",
			e.Cases, e.Members, MaxCases, MaxMembers)
	}
	size := 1
	for _, d := range dims {
		if d <= 0 {
			return nil, fmt.Errorf("noise: per-member shape %v has a non-positive dimension", dims)
		}
		if size > (1<<40)/d {
			return nil, fmt.Errorf("noise: per-member shape %v is too large", dims)
		}
		size *= d
	}
	rows := e.Rows()
	if size > (1<<40)/rows {
		return nil, fmt.Errorf("noise: %d rows of shape %v is too large", rows, dims)
	}
	r := &Rows{dims: append([]int{rows}, dims...), rowSize: size, streams: make([]*rand.Rand, rows)}
	for b := range e.Cases {
		for m := range e.Members {
			key := uint64(b)<<33 | uint64(m)<<1 | purpose
			r.streams[b*e.Members+m] = rand.New(rand.NewPCG(seed, mix(key)))
		}
	}
	return r, nil
}

// mix is SplitMix64's finaliser, a bijection of uint64 that scatters nearby keys.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

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
