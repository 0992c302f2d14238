package nn

import "math"

// Straightforward float64 host implementations, the references of the tests.

// hostGroupNorm normalises x [B, C, S] (flat, C·S per example) in groups; scale, shift are [C].
func hostGroupNorm(x []float32, B, C, S, groups int, scale, shift []float32, eps float64) []float32 {
	y := make([]float32, len(x))
	cg := C / groups
	for b := range B {
		for g := range groups {
			var sum, sq float64
			for c := g * cg; c < (g+1)*cg; c++ {
				for s := range S {
					sum += float64(x[(b*C+c)*S+s])
				}
			}
			n := float64(cg * S)
			mean := sum / n
			for c := g * cg; c < (g+1)*cg; c++ {
				for s := range S {
					d := float64(x[(b*C+c)*S+s]) - mean
					sq += d * d
				}
			}
			rstd := 1 / math.Sqrt(sq/n+eps)
			for c := g * cg; c < (g+1)*cg; c++ {
				for s := range S {
					i := (b*C+c)*S + s
					y[i] = float32((float64(x[i])-mean)*rstd*float64(scale[c]) + float64(shift[c]))
				}
			}
		}
	}
	return y
}

// hostConv1x1 returns w [O, C] · x[b] [C, S] + bias[o] for every b.
func hostConv1x1(x []float32, B, C, S int, w []float32, O int, bias []float32) []float32 {
	y := make([]float32, B*O*S)
	for b := range B {
		for o := range O {
			for s := range S {
				acc := float64(bias[o])
				for c := range C {
					acc += float64(w[o*C+c]) * float64(x[(b*C+c)*S+s])
				}
				y[(b*O+o)*S+s] = float32(acc)
			}
		}
	}
	return y
}

// hostAttend is Attend on q, k, v [B, heads, d, L].
func hostAttend(q, k, v []float32, B, heads, d, L int) []float32 {
	out := make([]float32, len(q))
	at := func(a []float32, b, h, c, i int) float64 { return float64(a[((b*heads+h)*d+c)*L+i]) }
	for b := range B {
		for h := range heads {
			for i := range L {
				scores := make([]float64, L)
				maxS := math.Inf(-1)
				for j := range L {
					for c := range d {
						scores[j] += at(q, b, h, c, i) * at(k, b, h, c, j)
					}
					scores[j] /= math.Sqrt(float64(d))
					maxS = max(maxS, scores[j])
				}
				var z float64
				for j := range scores {
					scores[j] = math.Exp(scores[j] - maxS)
					z += scores[j]
				}
				for c := range d {
					var acc float64
					for j := range L {
						acc += scores[j] / z * at(v, b, h, c, j)
					}
					out[((b*heads+h)*d+c)*L+i] = float32(acc)
				}
			}
		}
	}
	return out
}
