// Package metrics scores probabilistic forecasts of fields and series: proper scores (CRPS in its three
// ensemble estimators, the Gaussian closed form, CRPS-sum), calibration (spread, skill, spread-skill ratio,
// rank histogram), deterministic and categorical scores (RMSE, bias, CSI, FSS, PSNR, SSIM), and the
// time-consistency diagnostics of long rollouts (ACF, Hovmöller W1, spatial-mean drift, isotropic spectrum).
//
// Every metric states its formula in its doc comment; docs/METRICS.md collects them. The formulas follow
// the DyDiff evaluation code (Guo et al. 2025) and the guided image-diffusion paper (Hess et al. 2025,
// App. D).
//
// Forecast arrays are read through a [Fields] view: by default a forecast is laid out
// [cases, members, lead, field...] and its truth [cases, lead, field...], where field is any shape (for
// example [channels, H, W] or, for multivariate series, [series]); [Layout] moves the member and lead axes.
// Values may be float32 or float64; every sum is accumulated in float64. Work is split over cases and leads
// across GOMAXPROCS goroutines, and partial sums are combined in a fixed order, so results do not depend on
// the number of cores.
package metrics
