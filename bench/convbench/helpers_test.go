package convbench

import "github.com/tidal-forecast/tidal/internal/testref/tensortest"

var (
	goBackend  = tensortest.Backend
	randTensor = tensortest.Uniform
	runGraph   = tensortest.RunGraph
	checkClose = tensortest.CheckClose
)
