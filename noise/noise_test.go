package noise

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

func vals(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// One seed gives the same numbers; rows do not depend on how many rows there are; the initial and the
// per-step purposes never share a stream.
func TestStreams(t *testing.T) {
	a, _ := Initial(5, 4, 3, 2)
	b, _ := Initial(5, 4, 3, 2)
	if !slices.Equal(vals(t, a), vals(t, b)) {
		t.Error("same seed, different noise")
	}
	c, _ := Initial(6, 4, 3, 2)
	if slices.Equal(vals(t, a), vals(t, c)) {
		t.Error("seeds 5 and 6 gave the same noise")
	}
	two, _ := Initial(5, 2, 3, 2)
	if !slices.Equal(vals(t, a)[:12], vals(t, two)) {
		t.Error("rows 0–1 depend on the number of rows")
	}
	steps, err := Ensemble{Cases: 4, Members: 1}.Steps(5, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	first := vals(t, steps.Next())
	if slices.Equal(first, vals(t, a)) {
		t.Error("per-step noise repeats the initial noise of the same seed")
	}
	if slices.Equal(first, vals(t, steps.Next())) {
		t.Error("two steps drew the same noise")
	}
	steps2, _ := Ensemble{Cases: 1, Members: 1}.Steps(5, 3, 2)
	if !slices.Equal(first[:6], vals(t, steps2.Next())) {
		t.Error("per-step row 0 depends on the number of rows")
	}
	if got := a.Shape().Dimensions; !slices.Equal(got, []int{4, 3, 2}) {
		t.Errorf("shape %v, want [4 3 2]", got)
	}
}

// member draws the initial and the first two per-step values of (case b, member m) in a layout.
func member(t *testing.T, e Ensemble, b, m int) []float32 {
	t.Helper()
	const per = 3
	x, err := e.Initial(11, per)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Steps(11, per)
	if err != nil {
		t.Fatal(err)
	}
	r := b*e.Members + m
	out := slices.Clone(vals(t, x)[r*per : (r+1)*per])
	for range 2 {
		out = append(out, vals(t, s.Next())[r*per:(r+1)*per]...)
	}
	return out
}

// The noise of (case b, member m) is the same for every number of cases and every ensemble size: each
// pair of 1–4 cases × 1, 2, 3, 5, 8 members agrees on every (b, m) they share, and no two pairs of one
// layout share a value.
func TestMembersIndependentOfLayout(t *testing.T) {
	want := map[[2]int][]float32{}
	seen := map[float32][2]int{}
	for _, cases := range []int{1, 2, 4, 3} {
		for _, members := range []int{1, 8, 2, 5, 3} {
			e := Ensemble{Cases: cases, Members: members}
			for b := range cases {
				for m := range members {
					got := member(t, e, b, m)
					key := [2]int{b, m}
					if w, ok := want[key]; ok && !slices.Equal(got, w) {
						t.Fatalf("case %d member %d differs between layouts (now %v)", b, m, e)
					}
					want[key] = got
					if cases == 4 && members == 8 {
						for _, v := range got {
							if k, dup := seen[v]; dup && k != key {
								t.Fatalf("(case, member) %v and %v share the value %v", k, key, v)
							}
							seen[v] = key
						}
					}
				}
			}
		}
	}
	if len(want) != 4*8 {
		t.Fatalf("%d pairs seen, want 32", len(want))
	}
	// The old row keying would give case 1 member 0 of a 2-member layout row 2's stream: not any more.
	a, _ := Ensemble{Cases: 2, Members: 2}.Initial(11, 3)
	b, _ := Ensemble{Cases: 4, Members: 1}.Initial(11, 3)
	if slices.Equal(vals(t, a)[6:9], vals(t, b)[6:9]) {
		t.Error("case 1 member 0 (2 members) equals case 2 member 0 (1 member): streams are keyed by row")
	}
}

// The values are standard normal: over 200 000 draws the mean is within 5·SE (0.011) of 0, the variance
// within 5·SE (0.016) of 1, and the fourth moment within 0.1 of 3.
func TestStandardNormal(t *testing.T) {
	x, err := Initial(1, 1000, 200)
	if err != nil {
		t.Fatal(err)
	}
	var m1, m2, m4 float64
	v := vals(t, x)
	for _, f := range v {
		d := float64(f)
		m1 += d
		m2 += d * d
		m4 += d * d * d * d
	}
	n := float64(len(v))
	m1, m2, m4 = m1/n, m2/n, m4/n
	if math.Abs(m1) > 0.011 || math.Abs(m2-1) > 0.016 || math.Abs(m4-3) > 0.1 {
		t.Errorf("mean %.4f, E[x²] %.4f, E[x⁴] %.4f; want 0, 1, 3", m1, m2, m4)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Initial(1); err == nil {
		t.Error("no dimensions accepted")
	}
	if _, err := (Ensemble{Cases: 1, Members: 1}).Steps(1, 3, 0); err == nil {
		t.Error("zero dimension accepted")
	}
	if _, err := (Ensemble{Cases: 2, Members: 0}).Initial(1, 3); err == nil {
		t.Error("zero members accepted")
	}
	if _, err := (Ensemble{Cases: 1, Members: 1}).Initial(1, 1<<30, 1<<20); err == nil {
		t.Error("a 2⁵⁰-value draw was accepted")
	}
}
