package forecast

import (
	"fmt"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// RolloutScoreSettings are the settings of a long rollout's time-consistency diagnostics as `tidal
// score rollout` takes them (docs/METRICS.md); errors name each by its flag there.
type RolloutScoreSettings struct {
	// MaxLag is the largest ACF lag, Bins the W1 histograms' bins, Window the drift's running mean
	// (0: T/20), Channel the channel scored, Member the member scored of a rollout with members.
	MaxLag, Bins, Window, Channel, Member int
	// Band is the Hovmöller band axis,from,to (nil: the 10 centre columns); Spectrum "auto",
	// "isotropic" or "zonal" (ZonalRows).
	Band     []int
	Spectrum string
	// LatWeights is an NPY of point weights ([H] per row or [H, W]; "": none).
	LatWeights string
}

// Check refuses counts out of range, naming the flag.
func (s RolloutScoreSettings) Check() error {
	return guard.First(
		guard.Int("max-lag", s.MaxLag, 1, 1<<24), guard.Int("bins", s.Bins, 1, 1<<20),
		guard.Int("window", s.Window, 0, 1<<24), guard.Int("channel", s.Channel, 0, 1<<24), guard.Int("member", s.Member, 0, 1<<24),
	)
}

// CheckLengths refuses a MaxLag or Window that the shorter of the forecast (one member's view) and the
// truth, named as errors name them, cannot hold: a lag of T or more frames has no pair of frames, a
// running mean of more than T frames no value.
func (s RolloutScoreSettings) CheckLengths(fName string, fShape []int, oName string, oShape []int) error {
	short, T := fName, fShape[0]
	if oShape[0] < fShape[0] {
		short, T = oName, oShape[0]
	}
	if s.MaxLag >= T {
		return fmt.Errorf("--max-lag %d: expected a lag below the %d frames of %s", s.MaxLag, T, short)
	}
	if s.Window > T {
		return fmt.Errorf("--window %d: expected at most the %d frames of %s", s.Window, T, short)
	}
	return nil
}

// Options are the diagnostics' options for a rollout viewed as one member of shape view ([T, H, W] or
// [T, channels, H, W], named name in errors): the spectrum (gridLat: cos(latitude) of an input on a
// lat-lon grid, else nil), the Hovmöller band, the channel and, from LatWeights, the point weights
// over the images of the forecast fShape.
func (s RolloutScoreSettings) Options(name string, view, fShape []int, gridLat []float64) (metrics.RolloutOptions, error) {
	opt := metrics.RolloutOptions{MaxLag: s.MaxLag, Bins: s.Bins, Window: s.Window, Channel: s.Channel}
	var err error
	if opt.ZonalRows, err = ZonalRows(s.Spectrum, gridLat, fShape[len(fShape)-2]); err != nil {
		return opt, err
	}
	if err := CheckRolloutAxes(name, view, s.Band, s.Channel); err != nil {
		return opt, err
	}
	if len(s.Band) > 0 {
		opt.Band = &metrics.HovmollerBand{Axis: s.Band[0], From: s.Band[1], To: s.Band[2]}
	}
	if s.LatWeights != "" {
		wa, err := data.ReadNPY(s.LatWeights)
		if err != nil {
			return opt, fmt.Errorf("--lat-weights: %w", err)
		}
		if opt.Weights, err = metrics.PointWeights(fShape[len(fShape)-2:], wa.Float64(), wa.Shape); err != nil {
			return opt, fmt.Errorf("--lat-weights %s: %w", s.LatWeights, err)
		}
	}
	return opt, nil
}

// Bytes is the memory of the diagnostics of a forecast and a truth holding forecast64 and truth64
// bytes as float64: each three times over (the series and the diagnostics' work arrays of the same
// order), the W1 histograms, and one more copy of the forecast when its members are split
// (SplitMembers).
func (s RolloutScoreSettings) Bytes(forecast64, truth64 int64, split bool) int64 {
	need := guard.Sum(guard.Product(forecast64, 3), guard.Product(truth64, 3), guard.Product(int64(s.Bins), 64))
	if split {
		need = guard.Sum(need, forecast64)
	}
	return need
}
