// Package nsref holds an independent NumPy implementation of sim/navierstokes's pseudo-spectral ETDRK4
// step (ns_step.py), which the solver's tests run to check one step against it (they agree to round-off)
// and `tidal bench navier-stokes` times (bench/nsbench). It lives apart from the solver so that the
// library holds no Python; its usage is in its docstring.
package nsref

import _ "embed"

// Script is the source of ns_step.py, to run with internal/testref/pyref.
//
//go:embed ns_step.py
var Script string
