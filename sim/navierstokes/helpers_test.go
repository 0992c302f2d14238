package navierstokes

import "math/rand/v2"

func newTestRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }
