// Package diffusion is tidal's one diffusion core, in the σ-parameterisation of Karras et al. (2022):
// the noisy state is y = x₀ + σ·ε in the data's physical units, with σ a float64 per batch element
// (docs/DIFFUSION.md, "The diffusion core").
//
//   - A denoiser D(y; σ, cond) → ŷ₀ (DenoiserFn, Denoiser) is what every sampler evaluates. EDM's
//     preconditioning (Precondition, with CSkip, COut, CIn, CNoise) turns a raw network Net into one.
//   - Training: EDM's weighted loss (Loss, LossWeight, RandomLoss) with a noise distribution: EDM's
//     log-normal (LogNormal, LossOptions) or DDPM's uniform step over an ᾱ table (VP).
//   - Grids are host float64 slices of descending σ ending with 0: EDM's ρ-grid (KarrasSigmas) and the
//     reference DDIM's τ grid of a VP table (VP.DDIMSigmas), ᾱ and σ related by ᾱ = 1/(1+σ²).
//   - Samplers (NewDDIM, NewHeun, NewDPMSolver2M, NewDDPM) are each a constructor computing its step
//     coefficients on the host and a short step graph; they share one Sampler type and one compile-once
//     Program (compiled step graphs reading the variables live, the ensemble layout, per-member noise).
//   - Guidance wraps the denoiser (Guided), so the samplers never know about it.
//
// Scalars are float64 on the host; tensors are float32 inside compiled GoMLX graphs, on the Go backend
// or CUDA alike.
package diffusion
