package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tidal-forecast/tidal/data"
)

// IncrementScale is, for every point of the frame (every series of a [rows, N] series), the standard
// deviation of the first differences x_t − x_{t−1} over the first rows rows (the training part), about
// their mean and divided by their number rows−1, as NumPy's np.diff(x[:rows], axis=0).std(axis=0): the
// increment scale of RandomWalk (docs/SERIES.md).
func IncrementScale(series *data.Array, rows int) ([]float64, error) {
	_, size, err := frameShape(series)
	if err != nil {
		return nil, err
	}
	if rows < 3 || rows > series.Shape[0] {
		return nil, fmt.Errorf("training rows %d: expected 3 to %d (the series' length)", rows, series.Shape[0])
	}
	v := series.Float64()
	scale := make([]float64, size)
	for p := range scale {
		var sum, sum2 float64
		for t := 1; t < rows; t++ {
			sum += v[t*size+p] - v[(t-1)*size+p]
		}
		mean := sum / float64(rows-1)
		for t := 1; t < rows; t++ {
			d := v[t*size+p] - v[(t-1)*size+p] - mean
			sum2 += d * d
		}
		scale[p] = math.Sqrt(sum2 / float64(rows-1))
		if math.IsNaN(scale[p]) || math.IsInf(scale[p], 0) {
			return nil, fmt.Errorf("series point %d: the training rows hold a non-finite value", p)
		}
	}
	return scale, nil
}

// RandomWalk forecasts every case with members paths of a driftless Gaussian random walk starting from the
// case's last observed frame: at lead h (1-based) member m is x_last + Σ_{j≤h} scale·ε_j, ε_j ~ N(0, 1)
// independent per point, the walk of a driftless random walk x_t = x_{t−1} + scale·ε_t. Member m of
// case b draws from its own PCG stream keyed by (seed, b, m), so it does not depend on how many members or
// cases are asked for. Shape [cases, members, lead, frame...], float32.
func RandomWalk(series *data.Array, c Cases, scale []float64, members int, seed uint64) (*data.Array, error) {
	fs, last, err := lastFrames(series, c, members)
	if err != nil {
		return nil, err
	}
	size := data.NumElements(fs)
	if len(scale) != size {
		return nil, fmt.Errorf("%d increment scales for frames of %d points", len(scale), size)
	}
	for p, s := range scale {
		if !(s >= 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("increment scale %d is %v, expected a finite value ≥ 0", p, s)
		}
	}
	out := make([]float32, len(c.Starts)*members*c.Lead*size)
	x := make([]float64, size)
	for b := range c.Starts {
		for m := 0; m < members; m++ {
			rng := rand.New(rand.NewPCG(seed, MemberStream(b, m)))
			copy(x, last[b*size:(b+1)*size])
			base := (b*members + m) * c.Lead * size
			for h := 0; h < c.Lead; h++ {
				for p := range x {
					x[p] += scale[p] * rng.NormFloat64()
					out[base+h*size+p] = float32(x[p])
				}
			}
		}
	}
	return data.FromFloat32(out, append([]int{len(c.Starts), members, c.Lead}, fs...)...), nil
}

// MemberStream is the PCG stream (the second PCG seed word) of member m of case b in the sampled
// baselines: b in the high 32 bits and m in the low ones, so that no two (case, member) pairs below 2³²
// share a stream and a member's draws do not depend on how many members or cases there are.
func MemberStream(b, m int) uint64 { return uint64(b)<<32 | uint64(uint32(m)) }

// MaxValues bounds the size of a forecast the baselines allocate: 2³¹ values, 8 GiB of float32.
const MaxValues = 1 << 31

// CheckSize refuses a forecast [cases, members, lead, frame of size points] of more than MaxValues values
// before it is allocated.
func CheckSize(cases, members, lead, size int) error {
	n := 1
	for _, d := range []int{cases, members, lead, size} {
		if d < 0 || d > 0 && n > MaxValues/d {
			return fmt.Errorf("a forecast of %d cases × %d members × %d leads × %d points is more than %d values", cases, members, lead, size, MaxValues)
		}
		n *= d
	}
	return nil
}

// lastFrames returns the frame shape and every case's last observed frame, in float64, after checking the
// members count and that the frames are finite.
func lastFrames(series *data.Array, c Cases, members int) ([]int, []float64, error) {
	if members < 1 {
		return nil, nil, fmt.Errorf("members %d: expected at least 1", members)
	}
	if c.Context < 1 || c.Lead < 1 {
		return nil, nil, fmt.Errorf("cases with %d context and %d lead frames: expected at least 1 of each", c.Context, c.Lead)
	}
	fs, size, err := frameShape(series)
	if err != nil {
		return nil, nil, err
	}
	if err := c.check(series.Shape[0]); err != nil {
		return nil, nil, err
	}
	if err := CheckSize(len(c.Starts), members, c.Lead, size); err != nil {
		return nil, nil, err
	}
	v := series.Float64()
	last := make([]float64, 0, len(c.Starts)*size)
	for _, s := range c.Starts {
		last = append(last, v[(s-1)*size:s*size]...)
	}
	for i, x := range last {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil, fmt.Errorf("case %d: the last observed frame (row %d) holds %v at point %d", i/size, c.Starts[i/size]-1, x, i%size)
		}
	}
	return fs, last, nil
}
