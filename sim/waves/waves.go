// Package waves generates tidal's tiny sanity-check dataset: sums of travelling plane waves on the
// 2π-periodic square,
//
//	f_c(x, y, t) = Σ_j a sin(k_j·x − ω_j t + φ_j),   ω_j = c_j |k_j|,  a = sqrt(2/waves),
//
// with random integer wavevectors k_j (|kx|, |ky| ≤ KMax, k ≠ 0), phases φ_j and phase speeds c_j, drawn
// independently for each channel. Each channel has zero mean and unit variance over space (for distinct
// wavevectors), and its future is an exact, known function of its past: any forecasting model should
// learn it quickly, which makes it the dataset for fast end-to-end tests. Files have the Navier–Stokes
// layout, [frames, channels, y, x] float32 with a JSON sidecar (package frames).
package waves

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tidal-forecast/tidal/sim/frames"
)

// Options describe a waves dataset.
type Options struct {
	// N is the grid size, N × N points at x_j = y_j = 2πj/N (≥ 4).
	N int `json:"n"`
	// Frames is the number of frames (≥ 1), at times t_i = i·Dt.
	Frames int `json:"frames"`
	// Channels is the number of independent fields per frame (≥ 1).
	Channels int `json:"channels"`
	// Waves is the number of waves summed per channel (≥ 1).
	Waves int `json:"waves"`
	// KMax bounds the wavevector components, 1 ≤ KMax < N/2 so every wave is resolved.
	KMax int `json:"kmax"`
	// SpeedMin and SpeedMax bound the phase speeds c (domain units per time unit), 0 ≤ min ≤ max.
	SpeedMin float64 `json:"speed_min"`
	SpeedMax float64 `json:"speed_max"`
	// Dt is the time between frames (> 0).
	Dt float64 `json:"dt"`
	// Seed fixes the draw.
	Seed uint64 `json:"seed"`
	// Split, when not nil, holds the train, val and test fractions (frames.ParseSplit).
	Split []float64 `json:"split,omitempty"`
}

// DefaultOptions is a 32 × 32 single-channel set of 3 waves with |kx|, |ky| ≤ 3, speeds in [0.5, 1.5],
// frames 0.1 apart.
func DefaultOptions() Options {
	return Options{N: 32, Frames: 100, Channels: 1, Waves: 3, KMax: 3, SpeedMin: 0.5, SpeedMax: 1.5, Dt: 0.1}
}

// Validate names the first bad option.
func (o Options) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case o.N < 4:
		return fmt.Errorf("grid size N = %d: expected at least 4", o.N)
	case o.Frames < 1:
		return fmt.Errorf("frames = %d: expected at least 1", o.Frames)
	case o.Channels < 1:
		return fmt.Errorf("channels = %d: expected at least 1", o.Channels)
	case o.Waves < 1:
		return fmt.Errorf("waves = %d: expected at least 1", o.Waves)
	case o.KMax < 1 || 2*o.KMax >= o.N:
		return fmt.Errorf("kmax = %d: expected 1 ≤ kmax < N/2 = %d", o.KMax, o.N/2)
	case !finite(o.SpeedMin) || !finite(o.SpeedMax) || o.SpeedMin < 0 || o.SpeedMax < o.SpeedMin:
		return fmt.Errorf("speeds [%g, %g]: expected 0 ≤ min ≤ max, finite", o.SpeedMin, o.SpeedMax)
	case !finite(o.Dt) || o.Dt <= 0:
		return fmt.Errorf("dt = %g: expected a finite number > 0", o.Dt)
	}
	return nil
}

// Wave is one travelling wave of one channel.
type Wave struct {
	Channel   int     `json:"channel"`
	Kx        int     `json:"kx"`
	Ky        int     `json:"ky"`
	Amplitude float64 `json:"amplitude"`
	Speed     float64 `json:"speed"`
	Omega     float64 `json:"omega"`
	Phase     float64 `json:"phase"`
}

// Draw returns the waves of o's seed, channel by channel.
func Draw(o Options) []Wave {
	rng := rand.New(rand.NewPCG(o.Seed, 0xa5a5_0000_3c3c_0001))
	amp := math.Sqrt(2 / float64(o.Waves))
	var ws []Wave
	for c := 0; c < o.Channels; c++ {
		for j := 0; j < o.Waves; j++ {
			var kx, ky int
			for kx == 0 && ky == 0 {
				kx, ky = rng.IntN(2*o.KMax+1)-o.KMax, rng.IntN(2*o.KMax+1)-o.KMax
			}
			speed := o.SpeedMin + (o.SpeedMax-o.SpeedMin)*rng.Float64()
			ws = append(ws, Wave{Channel: c, Kx: kx, Ky: ky, Amplitude: amp, Speed: speed,
				Omega: speed * math.Hypot(float64(kx), float64(ky)), Phase: 2 * math.Pi * rng.Float64()})
		}
	}
	return ws
}

// Frame evaluates the waves at time t into dst, [channel][y][x] (allocated when short).
func Frame(ws []Wave, channels, n int, t float64, dst []float64) []float64 {
	if len(dst) < channels*n*n {
		dst = make([]float64, channels*n*n)
	}
	dst = dst[:channels*n*n]
	clear(dst)
	h := 2 * math.Pi / float64(n)
	for _, w := range ws {
		plane := dst[w.Channel*n*n:][:n*n]
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				plane[y*n+x] += w.Amplitude * math.Sin(h*float64(w.Kx*x+w.Ky*y)-w.Omega*t+w.Phase)
			}
		}
	}
	return dst
}

// Sidecar is the JSON written next to each NPY file.
type Sidecar struct {
	Generator string   `json:"generator"`
	Formula   string   `json:"formula"`
	Layout    string   `json:"layout"`
	Shape     []int    `json:"shape"`
	Channels  []string `json:"channels"`
	frames.Part
	TotalFrames int     `json:"total_frames"`
	Options     Options `json:"options"`
	// Time holds the time of each frame of this file.
	Time  []float64 `json:"time"`
	Waves []Wave    `json:"waves"`
}

// WriteDataset writes the frames of o to out (with o.Split, three files; see frames.PlanParts). Options
// and the output path are checked first; on error nothing is left on disk.
func WriteDataset(o Options, out string) error {
	if err := o.Validate(); err != nil {
		return err
	}
	fw, err := frames.Create(out, o.Frames, o.Split, o.Channels, o.N, o.N)
	if err != nil {
		return err
	}
	defer fw.Abort()
	ws := Draw(o)
	frame := make([]float64, fw.FrameSize())
	times := make([]float64, o.Frames)
	for i := range times {
		times[i] = float64(i) * o.Dt
		if err := fw.WriteFrame(Frame(ws, o.Channels, o.N, times[i], frame)); err != nil {
			return err
		}
	}
	names := make([]string, o.Channels)
	for c := range names {
		names[c] = fmt.Sprintf("wave%d", c)
	}
	return fw.Commit(func(p frames.Part) any {
		return Sidecar{
			Generator: "tidal data waves",
			Formula:   "f_c(x,y,t) = sum_j a_j sin(kx_j x + ky_j y - omega_j t + phase_j), x = 2 pi i/N",
			Layout:    "[frame, channel, y, x] float32, C order", Shape: []int{p.Count, o.Channels, o.N, o.N},
			Channels: names, Part: p, TotalFrames: o.Frames, Options: o,
			Time: times[p.First : p.First+p.Count], Waves: ws,
		}
	})
}
