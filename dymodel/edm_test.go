package dymodel

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// edmConfig is tinyConfig trained in EDM form with the persistence anchor, the defaults of `train dydiff`.
func edmConfig() Config {
	c := tinyConfig()
	c.Param, c.Anchor, c.EDM = ParamEDM, AnchorLast, DefaultEDM()
	return c
}

// Every sampler of package diffusion forecasts an EDM-form model with the real UNet: finite windows,
// member m independent of the ensemble size, other seeds other windows.
func TestEDMFormEverySampler(t *testing.T) {
	m, store := modelWith(t, edmConfig(), 0.2)
	for _, kind := range []string{"heun", "dpmpp", "ddim", "ddpm"} {
		checkMembers(t, m, store, SamplerOptions{Kind: kind, Steps: 4})
	}
}

// A network that outputs nothing (every weight zero) makes the EDM-form denoiser c_skip·y, the exact
// denoiser of departures N(0, σ_data²): the forecast is then the last observed frame plus N(0, σ_data²)
// noise with the anchor, and N(0, σ_data²) around zero without it. Over 32 members × 3 frames × 128
// values, the departures' mean is within 4 standard errors of 0 and their std within 4 % of σ_data
// (20 Heun steps from σ_max 10; the sampler's own error is below 1 %).
func TestAnchorMakesAnEmptyNetworkPersistence(t *testing.T) {
	const members = 32
	ctx, _ := noise.Initial(6, 1, 2, 2, 8, 8)
	cv := tensors.MustCopyFlatData[float32](ctx)
	for i := range cv {
		cv[i] = 3 + 2*cv[i] // far from zero, so that a missing anchor shows
	}
	F := 2 * 8 * 8
	last := cv[F:]
	for _, anchor := range []string{AnchorLast, AnchorNone} {
		c := edmConfig()
		c.Anchor, c.EDM.SigmaData = anchor, 0.7
		m, store := modelWith(t, c, 0)
		f, err := m.NewForecaster(tensortest.Backend(t), store, SamplerOptions{Kind: "heun", Steps: 20})
		if err != nil {
			t.Fatal(err)
		}
		var all []float32
		for range members {
			all = append(all, cv...)
		}
		w, err := f.Window(all, members, 3)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var sum, sq float64
		for i, v := range w {
			d := float64(v)
			if anchor == AnchorLast {
				d -= float64(last[i%F])
			}
			sum += d
			sq += d * d
		}
		n := float64(len(w))
		mean := sum / n
		std := math.Sqrt(sq/n - mean*mean)
		t.Logf("anchor %s: departures mean %.4f, std %.4f (σ_data 0.7)", anchor, mean, std)
		if math.Abs(mean) > 4*0.7/math.Sqrt(n) || math.Abs(std/0.7-1) > 0.04 {
			t.Errorf("anchor %s: departures mean %.4f and std %.4f, expected 0 and σ_data 0.7", anchor, mean, std)
		}
	}
}
