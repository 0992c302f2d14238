package main

import (
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// scoreChannels scores every channel of a forecast in tidal's layout [cases, members, lead, channel, H, W]
// on its own, for the per-variable scores of the NetCDF report; nil for other layouts, one channel, or
// --lat-weights (whose shape may span the channels).
func scoreChannels(fl scoreFlags, fa, oa *data.Array, lay metrics.Layout, opt metrics.ScoreOptions) ([]*metrics.Report, error) {
	if len(fa.Shape) != 6 || len(oa.Shape) != 5 || fl.memberAxis != 1 || fl.leadAxis != 2 || fl.latWeights != "" || fa.Shape[3] < 2 {
		return nil, nil
	}
	B, M, L, C, H, W := fa.Shape[0], fa.Shape[1], fa.Shape[2], fa.Shape[3], fa.Shape[4], fa.Shape[5]
	fv, ov := fa.Float64(), oa.Float64()
	F := H * W
	reps := make([]*metrics.Report, C)
	for c := range C {
		f := make([]float64, 0, B*M*L*F)
		for k := range B * M * L {
			f = append(f, fv[(k*C+c)*F:(k*C+c+1)*F]...)
		}
		o := make([]float64, 0, B*L*F)
		for k := range B * L {
			o = append(o, ov[(k*C+c)*F:(k*C+c+1)*F]...)
		}
		obs, err := metrics.NewTruth(o, []int{B, L, 1, H, W}, lay)
		if err != nil {
			return nil, err
		}
		if reps[c], err = scoreFiles(fl, f, []int{B, M, L, 1, H, W}, obs, lay, opt); err != nil {
			return nil, err
		}
	}
	return reps, nil
}

// channelNames are the variables a tidal NetCDF forecast's channels hold (its channel coordinate's
// "variables" attribute), else nil.
func channelNames(in *inputArray, n int) []string {
	if in.src == nil || in.src.Kind != "nc" {
		return nil
	}
	h, err := data.StatNC(in.path)
	if err != nil {
		return nil
	}
	v, err := h.Var("channel")
	if err != nil {
		return nil
	}
	a, ok := v.Attr("variables")
	if !ok {
		return nil
	}
	names := strings.Fields(a.Text)
	if len(names) != n {
		return nil
	}
	return names
}
