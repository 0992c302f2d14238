// Package edm implements the EDM diffusion of Karras et al. (2022) as the guided image diffusion model of
// Hess et al. (2025) uses it (docs/DIFFUSION.md, "EDM"): the
// preconditioning of the denoiser with σ_data, the training noise distribution and loss weight, the σ grid
// with ρ, and the stochastic Heun sampler with churn and a guidance hook.
//
// The process is variance exploding: x_σ = x₀ + σ n. The sampler sees only a denoiser D(x; σ) (the
// preconditioning hides the network's parametrisation, as in k-diffusion); noise levels are float64 on
// the host and tensors are float32 inside compiled GoMLX graphs, on the Go backend or CUDA alike.
package edm
