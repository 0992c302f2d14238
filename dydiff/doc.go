// Package dydiff implements Dynamical Diffusion (DyDiff, Guo et al., ICLR 2025): the cosine ᾱ schedule and
// the γ̄ schedule, the Dynamics and InverseDynamics operators along the frame axis, the forward process with
// its correlated-noise training target and loss, and the DDIM and DDPM samplers, exactly as the reference
// code (thuml/dynamical-diffusion) implements them; docs/DIFFUSION.md, "DyDiff", writes out every
// formula. The paper's own equation numbers are not cited: its body was not available when this was written.
//
// Tensors are [batch, frames, ...]: axis 1 is the frame axis along which Dynamics runs, and every trailing
// axis (channels, height, width) is treated alike. Coefficients (γ̄_t, ᾱ_t) are per sample, shape [batch],
// broadcast over the rest. Scalar maths (schedules, step coefficients) is float64 on the host; tensors are
// float32 inside GoMLX graphs, so the same code runs on the pure-Go backend and on CUDA.
//
// η = 0 makes γ̄ ≡ 1, Dynamics the identity, and the whole package the ordinary ε-prediction diffusion
// (the DPM baseline; docs/DIFFUSION.md, "Schedules").
package dydiff
