package latent

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// TestForecastDecodesEveryMember runs Forecast on a trained tiny VAE with latent persistence as the
// sampler: every member at every lead must be the decoding of its case's last encoded frame (decoded
// frame by frame here, apart from Forecast's reshaping), in the physical frame shape, and the truth
// the physical frames the case forecasts. A failing sampler's error comes back as it is, and the
// encoding's error names the data and the VAE.
func TestForecastDecodesEveryMember(t *testing.T) {
	dir := t.TempDir()
	phys := waves(20)
	v := openTiny(t, dir, phys, 10)
	ctx := context.Background()
	cs := forecast.Cases{Context: 2, Lead: 3, Starts: []int{2, 9, 15}}
	const members = 2
	names := ForecastNames{Data: "--data w.npy", VAE: "--latent vae"}
	var z *data.Array
	f, err := v.Forecast(ctx, phys, cs, 0, names, func(lat *data.Array) (*dymodel.Forecast, error) {
		z = lat
		ens, err := forecast.Persistence(lat, cs, members)
		return &dymodel.Forecast{Ensemble: ens, Cases: cs, Members: members}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Ensemble.Shape, []int{3, members, 3, 2, 8, 8}) {
		t.Fatalf("ensemble %v, want [3 2 3 2 8 8]", f.Ensemble.Shape)
	}
	lf := data.NumElements(z.Shape[1:])
	const F = 2 * 8 * 8
	for b, s := range cs.Starts {
		one := data.FromFloat32(slices.Clone(z.F32[(s-1)*lf:s*lf]), append([]int{1}, z.Shape[1:]...)...)
		want, err := v.Decode(ctx, one)
		if err != nil {
			t.Fatal(err)
		}
		for k := range members * cs.Lead {
			got := f.Ensemble.F32[(b*members*cs.Lead+k)*F : (b*members*cs.Lead+k+1)*F]
			if !slices.Equal(got, want.F32) {
				t.Fatalf("case %d member·lead %d is not the decoding of its last latent frame", b, k)
			}
		}
	}
	truth, _ := forecast.Truth(phys, cs)
	if !slices.Equal(f.Truth.Shape, truth.Shape) || !slices.Equal(f.Truth.F32, truth.F32) {
		t.Errorf("truth %v is not the physical frames %v", f.Truth.Shape, truth.Shape)
	}
	_, err = v.Forecast(ctx, phys, cs, 0, names, func(*data.Array) (*dymodel.Forecast, error) { return nil, context.Canceled })
	if err != context.Canceled {
		t.Errorf("a failing sampler gave %v, want its error", err)
	}
	_, err = v.Forecast(ctx, data.FromFloat32(make([]float32, 4*3*8*8), 4, 3, 8, 8), cs, 0, names, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "--data w.npy: encoding with --latent vae: ") {
		t.Errorf("three channels for a two-channel VAE: %v, want an error naming the data and the VAE", err)
	}
}
