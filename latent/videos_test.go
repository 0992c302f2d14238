package latent

import (
	"context"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// TestForecastVideosDecodesEveryMember runs ForecastVideos on three videos of 8 frames with latent
// persistence as the sampler: the sampler sees latent videos [3, 8, z, h, w] whose first 2 frames of
// each video are the encoding of those frames (Encode of the frames laid end to end, computed here) and
// whose later frames are 0; every member at every lead is the decoding of its video's last context
// latent; the truth is each video's frames 2..4. EncodeVideos is Encode reshaped.
func TestForecastVideosDecodesEveryMember(t *testing.T) {
	dir := t.TempDir()
	const V, T, nContext, lead, members = 3, 8, 2, 3, 2
	phys := waves(V * T)
	v := openTiny(t, dir, phys, 10)
	ctx := context.Background()
	videos := data.FromFloat32(phys.F32, V, T, 2, 8, 8)
	all, err := v.Encode(ctx, phys, 0)
	if err != nil {
		t.Fatal(err)
	}
	zv, err := v.EncodeVideos(ctx, videos, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(zv.Shape, []int{V, T, 2, 4, 4}) || !slices.Equal(zv.F32, all.F32) {
		t.Fatalf("EncodeVideos of shape %v: want Encode of the frames, [3 8 2 4 4]", zv.Shape)
	}
	lf := data.NumElements(all.Shape[1:])
	cs := forecast.Cases{Context: nContext, Lead: lead}
	for i := range V {
		cs.Starts = append(cs.Starts, i*T+nContext)
	}
	f, err := v.ForecastVideos(ctx, videos, nContext, 0, ForecastNames{Data: "--data p.npz", VAE: "--latent vae"}, func(z *data.Array) (*dymodel.Forecast, error) {
		if !slices.Equal(z.Shape, []int{V, T, 2, 4, 4}) {
			t.Fatalf("the sampler saw latents %v, want [3 8 2 4 4]", z.Shape)
		}
		for fr := range V * T {
			want := make([]float32, lf)
			if fr%T < nContext {
				want = all.F32[fr*lf : (fr+1)*lf]
			}
			if !slices.Equal(z.F32[fr*lf:(fr+1)*lf], want) {
				t.Fatalf("latent frame %d of video %d: want the frame's encoding in the context, 0 after it", fr%T, fr/T)
			}
		}
		ens, err := forecast.Persistence(data.FromFloat32(z.F32, V*T, 2, 4, 4), cs, members)
		return &dymodel.Forecast{Ensemble: ens, Cases: cs, Members: members}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Ensemble.Shape, []int{V, members, lead, 2, 8, 8}) {
		t.Fatalf("ensemble %v, want [3 2 3 2 8 8]", f.Ensemble.Shape)
	}
	const F = 2 * 8 * 8
	for b, s := range cs.Starts {
		want, err := v.Decode(ctx, data.FromFloat32(slices.Clone(all.F32[(s-1)*lf:s*lf]), 1, 2, 4, 4))
		if err != nil {
			t.Fatal(err)
		}
		for k := range members * lead {
			if got := f.Ensemble.F32[(b*members*lead+k)*F : (b*members*lead+k+1)*F]; !slices.Equal(got, want.F32) {
				t.Fatalf("video %d member·lead %d is not the decoding of its last context latent", b, k)
			}
		}
	}
	var truth []float32
	for i := range V {
		truth = append(truth, phys.F32[(i*T+nContext)*F:(i*T+nContext+lead)*F]...)
	}
	if !slices.Equal(f.Truth.Shape, []int{V, lead, 2, 8, 8}) || !slices.Equal(f.Truth.F32, truth) {
		t.Errorf("truth %v is not each video's frames %d..%d", f.Truth.Shape, nContext, nContext+lead-1)
	}
	if _, err := v.ForecastVideos(ctx, videos, T+1, 0, ForecastNames{Data: "--data p.npz"}, nil); err == nil {
		t.Error("a context longer than the videos was accepted")
	}
	if _, err := v.ForecastVideos(ctx, phys, nContext, 0, ForecastNames{Data: "--data p.npz"}, nil); err == nil {
		t.Error("frames [T, C, H, W] accepted as videos")
	}
}
