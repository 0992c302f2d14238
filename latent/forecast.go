package latent

import (
	"context"
	"fmt"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// ForecastNames name Forecast's inputs in its errors: the observed fields and the VAE (a command
// line's "--data FILE" and "--latent RUN").
type ForecastNames struct{ Data, VAE string }

// Forecast makes a latent DyDiff forecast in physical units (docs/LATENT.md): the observed fields phys
// [frames, channels, H, W] are encoded (Encode with seed), sample forecasts the cases cs of the latent
// series (dymodel.Trained.ForecastCases, or a caller's wrapper of it), and every member is decoded back
// into frames of phys's shape: Ensemble [cases, members, lead, channels, H, W]. The truth is the
// physical frames each case forecasts (forecast.Truth of phys), not decoded latents.
func (v *VAE) Forecast(ctx context.Context, phys *data.Array, cs forecast.Cases, seed uint64, names ForecastNames,
	sample func(z *data.Array) (*dymodel.Forecast, error)) (*dymodel.Forecast, error) {
	z, err := v.Encode(ctx, phys, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding with %s: %w", names.Data, names.VAE, err)
	}
	f, err := sample(z)
	if err != nil {
		return nil, err
	}
	ld := f.Ensemble.Shape
	if len(ld) != 6 {
		return nil, fmt.Errorf("latent forecast of shape %v: expected [cases, members, lead, z, h, w]", ld)
	}
	flat := data.FromFloat32(f.Ensemble.Float32(), append([]int{ld[0] * ld[1] * ld[2]}, ld[3:]...)...)
	dec, err := v.Decode(ctx, flat)
	if err != nil {
		return nil, fmt.Errorf("decoding the forecast with %s: %w", names.VAE, err)
	}
	f.Ensemble = data.FromFloat32(dec.F32, append(append([]int(nil), ld[:3]...), phys.Shape[1:]...)...)
	if f.Truth, err = forecast.Truth(phys, cs); err != nil {
		return nil, err
	}
	return f, nil
}
