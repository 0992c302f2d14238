// Package guidance holds the time-consistency discriminator of discriminator-guided image diffusion
// (Hess et al. 2025, "Generating time-consistent dynamics with discriminator-guided image diffusion
// models"): the network, the guidance gradient it gives the sampler, and what its training needs.
//
//   - Discriminator: the noise-conditioned ADM encoder and an MLP head; Discriminator.Logit gives
//     f = log(D/(1 − D)) for the noisy candidate x^{n+1}_σ and the clean frames xⁿ, xⁿ⁻¹ (a LogitFn).
//   - GradLogit: the guidance gradient ∇ₓ f, by reverse-mode differentiation inside the sampling graph;
//     the guided denoiser is D(x; σ) + λσ²∇ₓ f (paper eq. 5).
//   - Examples: positives (xⁿ⁻¹, xⁿ, xⁿ⁺¹) and hard negatives (xⁿ⁻¹, xⁿ, xⁿ⁺ˡ), l ~ N_Z(1, σ_step²) \ {1}
//     (Offsets), noised with EDM's training distribution, optionally cropped.
//   - Loss: the binary cross-entropy of paper eq. 6 on logits; AccuracyByNoise: held-out accuracy
//     per noise-level bin.
//
// Choices the paper leaves open are options whose defaults are marked UNCONFIRMED; docs/GUIDANCE.md
// lists them.
package guidance
