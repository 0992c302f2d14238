package dataset

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// TestReadVideosTransposes writes a BAIR-layout file whose every value encodes its (video, frame, row,
// column, channel) and checks each lands at [video, frame, channel, row, column]; bad files are refused.
func TestReadVideosTransposes(t *testing.T) {
	const V, T, H, W, C, A = 2, 3, 2, 4, 3, 2
	fr := make([]float32, V*T*H*W*C)
	for i := range fr {
		fr[i] = float32(i)
	}
	ac := make([]float32, V*(T-1)*A)
	for i := range ac {
		ac[i] = float32(i) / 10
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "v.npz")
	if err := data.WriteNPZ(p, map[string]*data.Array{"frames": data.FromFloat32(fr, V, T, H, W, C), "actions": data.FromFloat32(ac, V, T-1, A)}, false); err != nil {
		t.Fatal(err)
	}
	v, err := ReadVideos(data.Reader{}, p)
	if err != nil {
		t.Fatal(err)
	}
	got := v.Frames.Float32()
	for vt := range V * T {
		for c := range C {
			for h := range H {
				for w := range W {
					want := float32((((vt*H)+h)*W+w)*C + c)
					if g := got[((vt*C+c)*H+h)*W+w]; g != want {
						t.Fatalf("[%d, %d, %d, %d] = %v, want %v", vt, c, h, w, g, want)
					}
				}
			}
		}
	}
	if v.Actions.Shape[2] != A || v.Actions.Float32()[5] != ac[5] {
		t.Errorf("actions %v", v.Actions.Shape)
	}
	bad := map[string]map[string]*data.Array{
		"no frames":        {"actions": data.FromFloat32(ac, V, T-1, A)},
		"rank 4 frames":    {"frames": data.FromFloat32(fr, V*T, H, W, C)},
		"actions too long": {"frames": data.FromFloat32(fr, V, T, H, W, C), "actions": data.FromFloat32(make([]float32, V*T*A), V, T, A)},
		"NaN action":       {"frames": data.FromFloat32(fr, V, T, H, W, C), "actions": data.FromFloat32(append([]float32{float32(math.NaN())}, ac[1:]...), V, T-1, A)},
		"NaN frame":        {"frames": data.FromFloat32(append([]float32{float32(math.Inf(1))}, fr[1:]...), V, T, H, W, C)},
	}
	for name, arrays := range bad {
		q := filepath.Join(dir, "bad.npz")
		if err := data.WriteNPZ(q, arrays, false); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadVideos(data.Reader{}, q); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
