// Package edm holds the settings of the EDM diffusion of Karras et al. (2022) as the guided image
// diffusion model of Hess et al. (2025) uses it (docs/DIFFUSION.md, "EDM"): the σ grid and the
// stochastic Heun setting of their vorticity experiment. The process itself (preconditioning, loss,
// grids, samplers, guidance) is package diffusion.
package edm
