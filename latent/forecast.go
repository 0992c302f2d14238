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
	return v.decodeForecast(ctx, f, phys, cs, names)
}
