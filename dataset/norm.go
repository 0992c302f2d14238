package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// Norm holds per-channel normalisation statistics: a value x of channel c is fed to the network as
// (x − Mean[c]) / Std[c], and a network output y comes back in physical units as y·Std[c] + Mean[c].
type Norm struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// ComputeNorm returns the mean and the (population) standard deviation of every channel over frames
// [0, end[i]) of each series ss[i], accumulated in float64. A channel that is constant gets Std 1, so
// it is only shifted.
func ComputeNorm(ss []Series, end []int) (Norm, error) {
	if err := sameFrames(ss); err != nil {
		return Norm{}, err
	}
	if len(end) != len(ss) {
		return Norm{}, fmt.Errorf("normalisation: %d frame counts for %d series", len(end), len(ss))
	}
	for i, e := range end {
		if e < 0 || e > ss[i].Frames() {
			return Norm{}, fmt.Errorf("normalisation: %d training frames asked of %s, which has %d", e, ss[i].Name, ss[i].Frames())
		}
	}
	C := ss[0].Channels()
	sum, sum2, n := make([]float64, C), make([]float64, C), 0.0
	eachValue(ss, end, func(c int, x float32) { sum[c] += float64(x) })
	for i, s := range ss {
		n += float64(end[i] * s.FrameSize() / C)
	}
	if n == 0 {
		return Norm{}, fmt.Errorf("normalisation: the training part holds no frames")
	}
	mean := make([]float64, C)
	for c := range C {
		mean[c] = sum[c] / n
	}
	// Second pass about the mean: no cancellation when |mean| ≫ std.
	eachValue(ss, end, func(c int, x float32) {
		d := float64(x) - mean[c]
		sum2[c] += d * d
	})
	std := make([]float64, C)
	for c := range C {
		std[c] = math.Sqrt(sum2[c] / n)
		if std[c] == 0 {
			std[c] = 1
		}
	}
	return Norm{Mean: mean, Std: std}, nil
}

// eachValue calls f with the channel and value of every value in frames [0, end[i]) of each ss[i].
func eachValue(ss []Series, end []int, f func(c int, x float32)) {
	for i, s := range ss {
		fs := s.FrameSize()
		C := s.Channels()
		inner := fs / C
		for j, x := range s.Data[:end[i]*fs] {
			f((j/inner)%C, x)
		}
	}
}

// Validate checks that Mean and Std have channels entries, finite, with Std > 0.
func (n Norm) Validate(channels int) error {
	if len(n.Mean) != channels || len(n.Std) != channels {
		return fmt.Errorf("normalisation has %d means and %d stds, expected %d channels", len(n.Mean), len(n.Std), channels)
	}
	for c := range channels {
		m, s := n.Mean[c], n.Std[c]
		if math.IsNaN(m) || math.IsInf(m, 0) || math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
			return fmt.Errorf("normalisation of channel %d: mean %v, std %v; expected finite values and std > 0", c, m, s)
		}
	}
	return nil
}

// Normalize maps frames (whole frames of channels×inner values each, C order) to network units in place.
func (n Norm) Normalize(x []float32, inner int) {
	n.apply(x, inner, func(v float32, c int) float32 { return float32((float64(v) - n.Mean[c]) / n.Std[c]) })
}

// Denormalize maps network outputs back to physical units in place, the inverse of Normalize.
func (n Norm) Denormalize(x []float32, inner int) {
	n.apply(x, inner, func(v float32, c int) float32 { return float32(float64(v)*n.Std[c] + n.Mean[c]) })
}

func (n Norm) apply(x []float32, inner int, f func(float32, int) float32) {
	C := len(n.Mean)
	for i := range x {
		c := (i / inner) % C
		x[i] = f(x[i], c)
	}
}

// Save writes the statistics as JSON to path, atomically.
func (n Norm) Save(path string) error {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}

// LoadNorm reads statistics written by Save and checks them for channels channels.
func LoadNorm(path string, channels int) (Norm, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Norm{}, err
	}
	var n Norm
	if err := json.Unmarshal(b, &n); err != nil {
		return Norm{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := n.Validate(channels); err != nil {
		return Norm{}, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}
