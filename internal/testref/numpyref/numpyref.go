// Package numpyref holds independent NumPy, SciPy and scikit-image implementations that the library's
// tests compare tidal against (run with internal/testref/pyref, skipped where Python or a module is missing): the
// scoring metrics (metrics_score.py), SSIM and PSNR (ssim.py), and NPY/NPZ interchange (npy_interop.py).
// They live apart from the library so that its packages hold no Python; each script's usage is in its
// docstring.
package numpyref

import _ "embed"

// Score is metrics_score.py: every metric of metrics.Score written the direct way (pairwise CRPS by
// broadcasting, pooling by explicit windows, FSS with SciPy's uniform filter, quantiles with np.quantile,
// SSIM and PSNR from scikit-image).
//
//go:embed metrics_score.py
var Score string

// SSIM is ssim.py: scikit-image's structural_similarity and peak_signal_noise_ratio of fixed test images.
//
//go:embed ssim.py
var SSIM string

// NPYInterop is npy_interop.py: NumPy reads the files tidal wrote and writes files for tidal to read.
//
//go:embed npy_interop.py
var NPYInterop string

// NetCDFInterop is netcdf_interop.py: SciPy (netcdf_file) and xarray read the NetCDF files tidal wrote
// and SciPy writes the same content for tidal to read.
//
//go:embed netcdf_interop.py
var NetCDFInterop string
