package forecast

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// TestRolloutMembers: a rollout with a member axis is scored member by member (each member's report the
// one metrics.ScoreRollout gives that member's frames, gathered by hand here); one without refuses a
// member; the JSON of several members is {"members": [...]}.
func TestRolloutMembers(t *testing.T) {
	const T, M, H, W = 12, 2, 4, 4
	v := make([]float32, T*M*H*W)
	for i := range v {
		v[i] = float32(math.Sin(0.37*float64(i)) + 0.01*float64(i%(H*W)))
	}
	fa := data.FromFloat32(v, T, M, 1, H, W)
	truth := make([]float64, T*H*W)
	for i := range truth {
		truth[i] = math.Cos(0.21 * float64(i))
	}
	oa := data.FromFloat64(truth, T, 1, H, W)
	if _, err := RolloutMembers("--forecast f", fa.Shape, 2); err == nil || !strings.Contains(err.Error(), "2 members") {
		t.Errorf("member 2 of 2: %v", err)
	}
	if _, err := RolloutMembers("--forecast f", oa.Shape, 0); err == nil || !strings.Contains(err.Error(), "no member axis") {
		t.Errorf("a member of a file without members: %v", err)
	}
	members, err := RolloutMembers("--forecast f", fa.Shape, -1)
	if err != nil || !slices.Equal(members, []int{0, 1}) {
		t.Fatalf("every member: %v, %v", members, err)
	}
	opt := metrics.RolloutOptions{MaxLag: 3, Bins: 8}
	reps, err := ScoreRolloutMembers(fa, oa, members, opt, "f", "o")
	if err != nil {
		t.Fatal(err)
	}
	for m := range M {
		own := make([]float64, 0, T*H*W)
		for tt := range T {
			for k := range H * W {
				own = append(own, float64(v[(tt*M+m)*H*W+k]))
			}
		}
		want, err := metrics.ScoreRollout(own, []int{T, 1, H, W}, truth, oa.Shape, opt)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := reps[m].JSON()
		b, _ := want.JSON()
		if !bytes.Equal(a, b) {
			t.Errorf("member %d's report differs from scoring its frames directly", m)
		}
	}
	js, err := RolloutJSON(reps)
	var parsed map[string][]json.RawMessage
	if err != nil || json.Unmarshal(js, &parsed) != nil || len(parsed["members"]) != 2 {
		t.Errorf("several members' JSON: %s, %v", js, err)
	}
	if one, _ := RolloutJSON(reps[:1]); bytes.HasPrefix(bytes.TrimSpace(one), []byte(`{"members"`)) {
		t.Error("a single report was wrapped in members")
	}
	if got := SplitMembers(oa, []int{-1}); len(got) != 1 || got[0] != oa {
		t.Error("a file without members was split")
	}
}

// TestRolloutChecks: season labels must be whole and non-negative; the band must fit the images; a
// zonal spectrum without coordinates weights rows alike.
func TestRolloutChecks(t *testing.T) {
	if l, err := SeasonLabels("s", data.FromFloat64([]float64{0, 3, 11}, 3)); err != nil || !slices.Equal(l, []int{0, 3, 11}) {
		t.Errorf("labels %v, %v", l, err)
	}
	for _, bad := range []float64{-1, 1.5, math.NaN()} {
		if _, err := SeasonLabels("s", data.FromFloat64([]float64{0, bad}, 2)); err == nil || !strings.Contains(err.Error(), "label 1") {
			t.Errorf("label %v: %v", bad, err)
		}
	}
	shape := []int{10, 2, 6, 8}
	for _, c := range []struct {
		band    []int
		channel int
		ok      bool
	}{{nil, 1, true}, {nil, 2, false}, {[]int{1, 0, 8}, 0, true}, {[]int{1, 0, 9}, 0, false}, {[]int{0, 2, 6}, 0, true},
		{[]int{0, 3, 3}, 0, false}, {[]int{2, 0, 1}, 0, false}, {[]int{0, 1}, 0, false}} {
		if err := CheckRolloutAxes("--forecast f", shape, c.band, c.channel); (err == nil) != c.ok {
			t.Errorf("band %v channel %d: %v, want ok %v", c.band, c.channel, err, c.ok)
		}
	}
	if w, err := ZonalRows("zonal", nil, 3); err != nil || !slices.Equal(w, []float64{1, 1, 1}) {
		t.Errorf("zonal without coordinates: %v, %v", w, err)
	}
	if w, err := ZonalRows("isotropic", []float64{0.5}, 1); err != nil || w != nil {
		t.Errorf("isotropic: %v, %v", w, err)
	}
	if w, err := ZonalRows("auto", []float64{0.5}, 1); err != nil || !slices.Equal(w, []float64{0.5}) {
		t.Errorf("auto on a lat-lon grid: %v, %v", w, err)
	}
	if _, err := ZonalRows("radial", nil, 1); err == nil {
		t.Error("an unknown spectrum was accepted")
	}
}
