package dymodel

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// maxActionRows bounds the rows of an actions file.
const maxActionRows = 1 << 24

// ReadActions reads the actions driving a forecast of a model trained with A-component actions
// (ForecastOptions.Actions; docs/VIDEO.md) from the NPY file path: [rows, A] or, for videos,
// [videos, rows, A], every value finite. Its errors start with the path, for the caller to prefix with
// the flag that named it.
func ReadActions(path string, A int, videos bool) (*data.Array, error) {
	shape, _, err := data.StatNPY(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	want := fmt.Sprintf("[rows, %d]", A)
	if videos {
		want += fmt.Sprintf(" or [videos, rows, %d]", A)
	}
	r := len(shape)
	if (r != 2 && !(r == 3 && videos)) || shape[r-1] != A || shape[r-2] < 1 || shape[r-2] > maxActionRows || (r == 3 && (shape[0] < 1 || shape[0] > maxCount)) {
		return nil, fmt.Errorf("%s of shape %v: expected %s, the model's %d action components per row", path, shape, want, A)
	}
	a, err := data.ReadNPY(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, v := range a.Float32() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: value %v at row %d component %d: expected finite values", path, v, i/A%shape[r-2], i%A)
		}
	}
	return a, nil
}

// ForecastSize describes the arrays of a forecast, to check the memory and disk it needs before anything
// is read (CheckForecastSize).
type ForecastSize struct {
	// Unit names the cases ("cases", "windows", "videos"); Cases, Members and Lead size the ensemble
	// [cases, members, lead, frame].
	Unit                 string
	Cases, Members, Lead int
	// Frame describes a frame for the message (e.g. "frame [1 8 8]" or "3 series"); FrameElems is a
	// model frame's number of values.
	Frame      string
	FrameElems int64
	// Decoded, when > 0, is the number of values of a frame decoded from a latent one (a latent forecast
	// of package latent): the written forecast and the truth have frames of that size.
	Decoded int64
	// Held is what the observed data take in memory (as read, and any copies); Guided multiplies the
	// sampler's memory (3 with a discriminator's activations and gradients, else 1).
	Held   int64
	Guided bool
}

// CheckForecastSize refuses a forecast whose memory exceeds the budget b (the data held, the ensemble
// three times, the truth and the sampler's SampleBytes; a latent one its decoded ensemble twice more)
// or whose outputs at out (the ensemble twice: the NPY and the rollout's working file, and the truth)
// exceed the disk.
func (m *Model) CheckForecastSize(b guard.Budget, out string, s ForecastSize) error {
	frame := s.FrameElems
	if s.Decoded > 0 {
		frame = s.Decoded
	}
	ens := func(f int64) int64 { return guard.Product(int64(s.Cases), int64(s.Members), int64(s.Lead), f, 4) }
	truth := guard.Product(int64(s.Cases), int64(s.Lead), frame, 4)
	sampler := m.SampleBytes(s.Members)
	if s.Guided {
		sampler = guard.Product(sampler, 3)
	}
	need := guard.Sum(s.Held, guard.Product(ens(s.FrameElems), 3), truth, sampler)
	what := "a forecast"
	if s.Decoded > 0 {
		need, what = guard.Sum(need, guard.Product(ens(frame), 2)), "a latent forecast"
	}
	what = fmt.Sprintf("%s [%d %s, %d members, %d lead, %s] float32", what, s.Cases, s.Unit, s.Members, s.Lead, s.Frame)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	return b.CheckDisk(what, out, guard.Sum(guard.Product(ens(frame), 2), truth))
}
