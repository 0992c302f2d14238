package metrics

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomArray returns n values from N(mean, 1) with a fixed seed.
func randomArray(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	v := make([]float64, n)
	for i := range v {
		v[i] = mean + rng.NormFloat64()
	}
	return v
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestLayoutMovesAxes views the same values through two layouts: [cases, members, lead, H, W] and
// [lead, H, members, cases, W] (a transpose), and checks every At agrees.
func TestLayoutMovesAxes(t *testing.T) {
	const c, m, l, h, w = 2, 3, 4, 5, 6
	a := randomArray(1, c*m*l*h*w, 0)
	f1, err := NewEnsemble(a, []int{c, m, l, h, w}, DefaultLayout)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]float64, len(a)) // b[l][h][m][c][w] = a[c][m][l][h][w]
	for ic := 0; ic < c; ic++ {
		for im := 0; im < m; im++ {
			for il := 0; il < l; il++ {
				for ih := 0; ih < h; ih++ {
					for iw := 0; iw < w; iw++ {
						b[(((il*h+ih)*m+im)*c+ic)*w+iw] = a[(((ic*m+im)*l+il)*h+ih)*w+iw]
					}
				}
			}
		}
	}
	f2, err := NewEnsemble(b, []int{l, h, m, c, w}, Layout{MemberAxis: 2, LeadAxis: 0})
	if err != nil {
		t.Fatal(err)
	}
	// f2's case axis is h (the first axis left), its field is [c, w]: point (ic, iw) of case ih.
	if f2.Cases != h || f2.Members != m || f2.Leads != l || !equalShape(f2.Field, []int{c, w}) {
		t.Fatalf("view: cases %d members %d leads %d field %v", f2.Cases, f2.Members, f2.Leads, f2.Field)
	}
	for ic := 0; ic < c; ic++ {
		for im := 0; im < m; im++ {
			for il := 0; il < l; il++ {
				for ih := 0; ih < h; ih++ {
					for iw := 0; iw < w; iw++ {
						if f1.At(ic, im, il, ih*w+iw) != f2.At(ih, im, il, ic*w+iw) {
							t.Fatalf("mismatch at %d %d %d %d %d", ic, im, il, ih, iw)
						}
					}
				}
			}
		}
	}
	// The truth of layout {2, 0} is [lead, H, cases, W] (lead axis 0, member axis removed).
	o, err := NewTruth(make([]float64, l*h*c*w), []int{l, h, c, w}, Layout{MemberAxis: 2, LeadAxis: 0})
	if err != nil || Match(f2, o) != nil {
		t.Fatalf("truth view: %v / %v", err, Match(f2, o))
	}
}

// TestBadShapesAreRefused checks the errors for mismatched, empty and malformed inputs.
func TestBadShapesAreRefused(t *testing.T) {
	if _, err := NewEnsemble(make([]float64, 6), []int{2, 3}, DefaultLayout); err == nil || !strings.Contains(err.Error(), "rank") {
		t.Errorf("rank-2 forecast: %v", err)
	}
	if _, err := NewEnsemble(make([]float64, 5), []int{2, 3, 1}, DefaultLayout); err == nil || !strings.Contains(err.Error(), "do not fill") {
		t.Errorf("size mismatch: %v", err)
	}
	if _, err := NewEnsemble(make([]float64, 6), []int{2, 3, 1}, Layout{MemberAxis: 1, LeadAxis: 1}); err == nil {
		t.Error("same member and lead axis accepted")
	}
	f, _ := NewEnsemble(make([]float64, 0), []int{2, 0, 3, 4}, DefaultLayout)
	o, _ := NewTruth(make([]float64, 24), []int{2, 3, 4}, DefaultLayout)
	if err := Match(f, o); err == nil || !strings.Contains(err.Error(), "empty ensemble") {
		t.Errorf("empty ensemble: %v", err)
	}
	f, _ = NewEnsemble(make([]float64, 2*2*3*4), []int{2, 2, 3, 4}, DefaultLayout)
	o, _ = NewTruth(make([]float64, 2*4*4), []int{2, 4, 4}, DefaultLayout)
	if err := Match(f, o); err == nil || !strings.Contains(err.Error(), "3 leads") {
		t.Errorf("lead mismatch: %v", err)
	}
	a := make([]float64, 2*2*3*4)
	a[17] = nanValue()
	f, _ = NewEnsemble(a, []int{2, 2, 3, 4}, DefaultLayout)
	if err := f.CheckFinite(); err == nil || !strings.Contains(err.Error(), "index [0 1 1 1] of shape [2 2 3 4]") {
		t.Errorf("NaN: %v", err)
	}
}

func nanValue() float64 { z := 0.0; return z / z }
