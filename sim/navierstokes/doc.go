// Package navierstokes simulates forced two-dimensional turbulence, tidal's main benchmark dataset
// (Hess et al. 2025, App. C.1): the vorticity equation on the doubly periodic 2π × 2π domain,
//
//	∂ζ/∂t + u·∇ζ = F − μζ − ν(−∇²)^nν ζ,
//
// solved pseudo-spectrally on an N × N grid with 2/3-rule dealiasing, the ETDRK4 time stepper (linear
// terms exact), and white-in-time stochastic forcing on a ring of wavenumbers around k_f normalised to an
// energy injection rate ε.
//
// Conventions: ψ̂ = −ζ̂/|k|² (ζ = ∇²ψ), u = −∂ψ/∂y, v = ∂ψ/∂x, so that ζ = ∂v/∂x − ∂u/∂y and ∇·u = 0.
// Grids are [y][x], x the last (fastest) axis, x_j = y_j = 2πj/N. Energy is E = ½⟨|u|²⟩ and enstrophy
// Z = ½⟨ζ²⟩, ⟨·⟩ the domain mean. docs/NAVIER_STOKES.md describes the solver and the dataset files.
package navierstokes
