package navierstokes

import _ "embed"

// NumPyReference is an independent NumPy implementation of the same pseudo-spectral ETDRK4 step
// (reference/ns_step.py), run with pyref's Python by the tests (one step from the same state agrees to
// round-off) and by `tidal bench navier-stokes` (speed ratio). Its usage is in its docstring.
//
//go:embed reference/ns_step.py
var NumPyReference string
