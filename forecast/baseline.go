package forecast

import (
	"fmt"
	"math/rand/v2"

	"github.com/tidal-forecast/tidal/data"
)

// Persistence forecasts that nothing changes: every lead of every member is the last observed frame.
// It is deterministic, so one member is enough; more are copies. Shape [cases, members, lead, frame...].
func Persistence(series *data.Array, c Cases, members int) (*data.Array, error) {
	if members < 1 {
		return nil, fmt.Errorf("members %d: expected at least 1", members)
	}
	ctx, err := Context(series, c)
	if err != nil {
		return nil, err
	}
	fs := ctx.Shape[2:]
	size := data.NumElements(fs)
	out := make([]float32, 0, len(c.Starts)*members*c.Lead*size)
	for i := range c.Starts {
		last := ctx.F32[((i+1)*c.Context-1)*size : (i+1)*c.Context*size]
		for m := 0; m < members*c.Lead; m++ {
			out = append(out, last...)
		}
	}
	return data.FromFloat32(out, append([]int{len(c.Starts), members, c.Lead}, fs...)...), nil
}

// Climatology forecasts the climate: each member at each lead is a frame drawn uniformly at random from
// pool (a series [frames, frame...], typically the training split), independently of the case. It is the
// reference a skilful ensemble must beat at short leads and match at long ones. The draws depend only on
// seed, so a forecast is reproducible.
func Climatology(pool *data.Array, c Cases, members int, seed uint64) (*data.Array, error) {
	if members < 1 {
		return nil, fmt.Errorf("members %d: expected at least 1", members)
	}
	fs, size, err := frameShape(pool)
	if err != nil {
		return nil, err
	}
	n := pool.Shape[0]
	if n < 1 {
		return nil, fmt.Errorf("climatology pool of shape %v has no frames", pool.Shape)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7469_6461_6c00)) // "tidal"
	v := pool.Float32()
	out := make([]float32, 0, len(c.Starts)*members*c.Lead*size)
	for range len(c.Starts) * members * c.Lead {
		k := rng.IntN(n)
		out = append(out, v[k*size:(k+1)*size]...)
	}
	return data.FromFloat32(out, append([]int{len(c.Starts), members, c.Lead}, fs...)...), nil
}

// Baseline is a reference forecast by name (`tidal baseline --method`): persistence, climatology
// (members drawn from Pool with Seed), seasonal-naive (the value Period rows back) or random-walk (steps of
// the increments' scale over the first TrainRows rows, with Seed).
type Baseline struct {
	Method    string
	Members   int
	Seed      uint64
	Pool      *data.Array
	Period    int
	TrainRows int
}

// Forecast is the baseline's ensemble of the cases c over series [T, frame...] (climatology draws from
// Pool instead): [cases, members, lead, frame...].
func (b Baseline) Forecast(series *data.Array, c Cases) (*data.Array, error) {
	switch b.Method {
	case "persistence":
		return Persistence(series, c, b.Members)
	case "climatology":
		if b.Pool == nil {
			return nil, fmt.Errorf("climatology needs a pool of frames to draw members from")
		}
		return Climatology(b.Pool, c, b.Members, b.Seed)
	case "seasonal-naive":
		return SeasonalNaive(series, c, b.Period, b.Members)
	case "random-walk":
		scale, err := IncrementScale(series, b.TrainRows)
		if err != nil {
			return nil, fmt.Errorf("the increments' scale from the first %d rows: %w", b.TrainRows, err)
		}
		return RandomWalk(series, c, scale, b.Members, b.Seed)
	}
	return nil, fmt.Errorf("baseline method %q: expected persistence, climatology, seasonal-naive or random-walk", b.Method)
}
