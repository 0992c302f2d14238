package forecast

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
)

// SeasonalNaive forecasts that the last observed season repeats: with period P and the case starting at
// frame s, lead h (0-based) is frame s − P + (h mod P) (Hyndman & Athanasopoulos, "Forecasting: Principles
// and Practice", §5.2). Period 1 is persistence. It is a point forecast: the members are copies. The
// cases need at least P context frames. Shape [cases, members, lead, frame...], float32.
func SeasonalNaive(series *data.Array, c Cases, period, members int) (*data.Array, error) {
	if period < 1 {
		return nil, fmt.Errorf("period %d: expected at least 1 frame", period)
	}
	if c.Context < period {
		return nil, fmt.Errorf("period %d needs at least %d context frames; the cases observe %d", period, period, c.Context)
	}
	fs, _, err := lastFrames(series, c, members)
	if err != nil {
		return nil, err
	}
	ctx, err := Context(series, c)
	if err != nil {
		return nil, err
	}
	size := data.NumElements(fs)
	out := make([]float32, 0, len(c.Starts)*members*c.Lead*size)
	for b := range c.Starts {
		season := ctx.F32[((b+1)*c.Context-period)*size : (b+1)*c.Context*size]
		for i, x := range season {
			if x != x || x > math.MaxFloat32 || x < -math.MaxFloat32 {
				return nil, fmt.Errorf("case %d: the last season (rows %d to %d) holds %v at point %d", b, c.Starts[b]-period, c.Starts[b]-1, x, i%size)
			}
		}
		for range members {
			for h := 0; h < c.Lead; h++ {
				k := h % period
				out = append(out, season[k*size:(k+1)*size]...)
			}
		}
	}
	return data.FromFloat32(out, append([]int{len(c.Starts), members, c.Lead}, fs...)...), nil
}
