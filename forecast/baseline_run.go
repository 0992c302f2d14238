package forecast

import (
	"fmt"
	"slices"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// BaselineRun is one reference forecast as `tidal baseline` makes it: the baseline, the cases it
// forecasts and whether their truth is gathered too.
type BaselineRun struct {
	Baseline
	Cases Cases
	Truth bool
}

// BaselineSize describes the data of a BaselineRun for its memory and disk checks (CheckSize): Unit
// names the cases ("cases", "windows") and Frame a frame for the message; FrameElems is a frame's
// number of values; Held is what the series and the pool take in memory as read and converted.
// Context counts the gathered context frames (fields); TruthAlways counts the truth even when it is
// not gathered (series).
type BaselineSize struct {
	Unit, Frame          string
	FrameElems, Held     int64
	Context, TruthAlways bool
}

// CheckSize refuses a run whose memory (what is held, the forecast, the truth and the gathered context)
// exceeds the budget b, or whose outputs at out (the forecast and the truth) exceed the disk.
func (r BaselineRun) CheckSize(b guard.Budget, out string, s BaselineSize) error {
	B := int64(len(r.Cases.Starts))
	fc := guard.Product(B, int64(r.Members), int64(r.Cases.Lead), s.FrameElems, 4)
	truth := int64(0)
	if r.Truth || s.TruthAlways {
		truth = guard.Product(B, int64(r.Cases.Lead), s.FrameElems, 4)
	}
	need := guard.Sum(s.Held, fc, truth)
	if s.Context {
		need = guard.Sum(need, guard.Product(B, int64(r.Cases.Context), s.FrameElems, 4))
	}
	what := fmt.Sprintf("a %s forecast [%d %s, %d members, %d lead, %s] float32", r.Method, B, s.Unit, r.Members, r.Cases.Lead, s.Frame)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	return b.CheckDisk(what, out, guard.Sum(fc, truth))
}

// Run makes the forecast [cases, members, lead, frame...] of the cases over series [T, frame...]
// (Baseline.Forecast) and, with Truth, the truth [cases, lead, frame...] (nil without). A random walk
// without TrainRows fits the increments' scale on the rows before the first case.
func (r BaselineRun) Run(series *data.Array) (fc, truth *data.Array, err error) {
	if r.Method == "random-walk" && r.TrainRows == 0 && len(r.Cases.Starts) > 0 {
		r.TrainRows = slices.Min(r.Cases.Starts)
	}
	if fc, err = r.Forecast(series, r.Cases); err != nil {
		return nil, nil, err
	}
	if r.Truth {
		if truth, err = Truth(series, r.Cases); err != nil {
			return nil, nil, err
		}
	}
	return fc, truth, nil
}
