package dydiff

import (
	"testing"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/noise"
)

// zLimit bounds the largest |z|-score over the 4 means and 10 covariances of a correct sampler (fixed
// seeds; a Gaussian z beyond 4.5 has probability 7e-6 per statistic). zWrong is what a sampler with a
// deliberately wrong γ̄ must exceed, beyond the same allowed discretisation bias, so the test would catch
// one (a z of 8 has probability 1e-15 by chance).
const zLimit, zWrong = 4.5, 8

// Exact-denoiser test. For Gaussian frame vectors N(μ, Σ) the optimal noise predictor is linear and known
// in closed form (gaussian.optimal), and every sampler step is then affine, so the law of the output is
// known exactly (propagate, an independent float64 implementation). For each sampler driven by that
// denoiser, over 8 000 vectors:
//   - the sample mean and covariance match the exactly propagated ones within sampling error (|z| ≤ 4.5);
//   - the propagated moments match the data's μ and Σ up to the sampler's discretisation error, relative
//     to the data's standard deviations, below a bound stated per sampler (DDIM with 50 steps loses 5–7%
//     of the variance and with 10 steps 24%, a property of coarse DDIM, not of this code; DDPM with 1000
//     steps is within 0.6%): with an exact denoiser more DDIM steps are better, never worse;
//   - the sample moments match μ and Σ within sampling error plus that bound (|z| ≤ 4.5 beyond the bias);
//   - the same sampler told a wrong γ̄ (η = 0.1 or 0 instead of the true 0.5) lies outside that
//     tolerance, far (|z| > 8 beyond the same bias): the test catches a wrong γ̄.
func TestExactDenoiserSamplers(t *testing.T) {
	const rows, P = 2000, 4
	d := testGaussian()
	L := d.frames()
	x, err := noise.Initial(21, rows, L, P)
	if err != nil {
		t.Fatal(err)
	}
	type sampler struct {
		name  string
		steps int
		disc  float64 // bound on the discretisation error of the propagated moments, relative to Σ's scale
		run   func(NoisePredictor, Schedule) (*tensors.Tensor, error)
		exact func(truth, s Schedule) func(t, tp int) affine
	}
	samplers := []sampler{
		{"DDIM 50 steps", 50, 0.08,
			func(dn NoisePredictor, s Schedule) (*tensors.Tensor, error) {
				return DDIM(dn, x, nil, s, DDIMOptions{})
			},
			func(truth, s Schedule) func(int, int) affine { return d.ddimAffine(truth, s, 0) }},
		{"DDIM 10 steps", 10, 0.25,
			func(dn NoisePredictor, s Schedule) (*tensors.Tensor, error) {
				return DDIM(dn, x, nil, s, DDIMOptions{Steps: 10})
			},
			func(truth, s Schedule) func(int, int) affine { return d.ddimAffine(truth, s, 0) }},
		{"DDIM η_ddim=1 100 steps", 100, 0.055,
			func(dn NoisePredictor, s Schedule) (*tensors.Tensor, error) {
				return DDIM(dn, x, nil, s, DDIMOptions{Steps: 100, EtaDDIM: 1, Seed: 5})
			},
			func(truth, s Schedule) func(int, int) affine { return d.ddimAffine(truth, s, 1) }},
		{"DDPM 1000 steps", 1000, 0.01,
			func(dn NoisePredictor, s Schedule) (*tensors.Tensor, error) {
				return DDPM(dn, x, nil, s, DDPMOptions{Seed: 6})
			},
			func(truth, s Schedule) func(int, int) affine { return d.ddpmAffine(truth, s) }},
	}
	for _, mode := range allNoising {
		truth := mustSchedule(t, 0.5, ScheduleOptions{Noising: mode})
		dn := NoisePredictor{Backend: tensortest.Backend(t), Net: d.net(truth)}
		for _, smp := range samplers {
			if mode != DependentNoise && smp.name != "DDIM 50 steps" {
				continue // the ablations: the reference's sampler only
			}
			for _, wrongEta := range []float64{-1, 0.1, 0} {
				s := truth
				if wrongEta >= 0 {
					s = mustSchedule(t, wrongEta, ScheduleOptions{Noising: mode})
				}
				out, err := smp.run(dn, s)
				if err != nil {
					t.Fatal(err)
				}
				mean, cov := gm.Moments(tensortest.Float64s(out), L, P)
				z := gm.MaxZ(mean, cov, d.Mu, d.Sigma, rows*P, smp.disc)
				if wrongEta >= 0 {
					if z < zWrong {
						t.Errorf("%v %s with wrong γ̄ (η=%v): |z| = %.2f, want > %v: the test cannot see a wrong γ̄",
							mode, smp.name, wrongEta, z, zWrong)
					}
					t.Logf("%v %s, sampler told η=%v: |z| against the data = %.1f", mode, smp.name, wrongEta, z)
					continue
				}
				ts, _ := s.Timesteps(smp.steps)
				pm, pc := propagate(initialCov(s, L, ts[len(ts)-1]), ts, smp.exact(truth, s))
				zp := gm.MaxZ(mean, cov, pm, pc, rows*P, 0)
				disc := gm.RelDiff(pm, pc, d.Mu, d.Sigma) // relative to the data's standard deviations
				t.Logf("%v %s: |z| against the exact output law %.2f, against the data %.2f; discretisation %.4f",
					mode, smp.name, zp, z, disc)
				if zp > zLimit {
					t.Errorf("%v %s: sample moments off the exactly propagated ones by |z| = %.2f > %v\nmean %.4f vs %.4f\ncov %.4f\nvs %.4f",
						mode, smp.name, zp, zLimit, mean, pm, cov, pc)
				}
				if disc > smp.disc {
					t.Errorf("%v %s: exact output moments differ from the data's by %.4f > %v", mode, smp.name, disc, smp.disc)
				}
				if z > zLimit {
					t.Errorf("%v %s: moments off the data's by |z| = %.2f > %v\nmean %.3f\ncov %.3f", mode, smp.name, z, zLimit, mean, cov)
				}
			}
		}
	}
}
