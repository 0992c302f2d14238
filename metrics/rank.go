package metrics

import (
	"math/rand/v2"
)

// RankHistogram counts, per lead, the rank of the truth among the M members at every case and point:
// rank = #{m : x_m < y}, in 0..M, so each lead gets M+1 bins. When members tie with y, the rank is drawn
// uniformly among the tied positions (with a generator seeded by seed and the case and lead, so the result
// does not depend on scheduling). A calibrated ensemble gives a flat histogram; a U shape means too little
// spread, a dome too much, a slope a bias.
func RankHistogram[F, O Float](f *Fields[F], o *Fields[O], seed uint64) ([][]int64, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	per := make([][]int64, f.Cases*f.Leads)
	parallelFor(len(per), func(_, i int) {
		c, l := i/f.Leads, i%f.Leads
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		counts := make([]int64, f.Members+1)
		for p := 0; p < f.Points(); p++ {
			y := o.At(c, 0, l, p)
			below, ties := 0, 0
			for m := 0; m < f.Members; m++ {
				switch x := f.At(c, m, l, p); {
				case x < y:
					below++
				case x == y:
					ties++
				}
			}
			if ties > 0 {
				below += rng.IntN(ties + 1)
			}
			counts[below]++
		}
		per[i] = counts
	})
	out := make([][]int64, f.Leads)
	for l := range out {
		out[l] = make([]int64, f.Members+1)
		for c := 0; c < f.Cases; c++ {
			for k, n := range per[c*f.Leads+l] {
				out[l][k] += n
			}
		}
	}
	return out, nil
}
