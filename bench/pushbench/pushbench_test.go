package pushbench

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/metrics"
)

// TestScoreClosedForms: a forecast equal to the truth scores PSNR 100 (the cap) and SSIM 1; one off by
// a constant d everywhere scores PSNR −20 log10 d exactly, and clipping to [0, 1] applies first.
func TestScoreClosedForms(t *testing.T) {
	frame := []int{3, 12, 12}
	F := 3 * 144
	truth := make([]float32, 2*F) // 1 video, 2 leads
	for i := range truth {
		truth[i] = 0.25 + 0.5*float32(i%7)/7
	}
	s, err := score("same", truth, truth, 1, 1, 2, frame)
	if err != nil {
		t.Fatal(err)
	}
	if s.PSNR[0] != 100 || math.Abs(s.SSIM[1]-1) > 1e-12 {
		t.Errorf("identical frames: PSNR %v, SSIM %v", s.PSNR, s.SSIM)
	}
	off := make([]float32, len(truth))
	for i := range off {
		off[i] = truth[i] + 0.1
	}
	s, _ = score("off", off, truth, 1, 1, 2, frame)
	if want := -20 * math.Log10(0.1); math.Abs(s.PSNR[0]-want) > 1e-4 || math.Abs(s.MeanPSNR-want) > 1e-4 {
		t.Errorf("offset 0.1: PSNR %v, want %v", s.PSNR, want)
	}
	big := make([]float32, len(truth))
	for i := range big {
		big[i] = 5 // clipped to 1
	}
	a, _ := score("big", big, truth, 1, 1, 2, frame)
	ones := make([]float32, len(truth))
	for i := range ones {
		ones[i] = 1
	}
	b, _ := score("ones", ones, truth, 1, 1, 2, frame)
	if a.PSNR[0] != b.PSNR[0] || a.SSIM[0] != b.SSIM[0] {
		t.Errorf("forecasts are not clipped to [0, 1]: %v vs %v", a, b)
	}
}

// TestPersistenceAndFuture: persistence repeats the last observed frame; the truth is the predicted
// frames, for a video whose frame f holds the value f.
func TestPersistenceAndFuture(t *testing.T) {
	const T, F = 5, 2
	v := make([]float32, 2*T*F)
	for i := range v {
		v[i] = float32(i / F % T)
	}
	a := data.FromFloat32(v, 2, T, 1, 1, 2)
	p := Protocol{Context: 2, Predict: 3}
	fut, per := futureFrames(a, p), persistence(a, p)
	for i := range fut {
		if fut[i] != float32(2+i/F%3) || per[i] != 1 {
			t.Fatalf("value %d: future %v, persistence %v", i, fut[i], per[i])
		}
	}
	if _, err := ParseProtocol("bogus"); err == nil {
		t.Error("protocol bogus accepted")
	}
	if q, _ := ParseProtocol("bair"); q.Context != 1 || q.Predict != 15 {
		t.Errorf("bair is %+v", q)
	}
}

// tinyOptions is a benchmark of a few seconds: 12² videos, 1 observed and 2 predicted frames, a few
// steps of every model and enough VAE steps for its reconstruction to beat each channel's mean.
func tinyOptions(t *testing.T) Options {
	return Options{Protocol: Protocol{Name: "tiny", Context: 1, Predict: 2}, TrainVideos: 12, TestVideos: 2, Size: 12, Objects: 1, Seed: 3,
		Steps: 4, Batch: 2, Channels: 8, Mults: []int{1, 2}, PMean: 0.8, Members: 2, SamplerSteps: 2,
		VAE: VAEOptions{LatentChannels: 4, Channels: 8, Mults: []int{1}, Steps: 200, Batch: 8},
		DiT: dymodel.DiTConfig{Hidden: 16, Depth: 1, Patch: 4}, Dir: t.TempDir(), Backend: tensortest.Backend(t)}
}

// TestRunTiny runs the whole benchmark on tiny generated videos: every model and persistence scored at
// every predicted frame, finite PSNR and SSIM in (0, 1], persistence's PSNR equal to one computed here
// from the videos, the VAE's held-out reconstruction beating each channel's mean, the latent forecast decoded into
// frames with the test videos' own predicted frames as its truth, and a table with the
// parameter counts, the VAE's line, a row per frame and the means.
func TestRunTiny(t *testing.T) {
	o := tinyOptions(t)
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Scores) != len(ModelNames)+1 || r.Scores[len(ModelNames)].Method != "persistence" {
		t.Fatalf("scores %+v", r.Scores)
	}
	for i, s := range r.Scores {
		if i < len(ModelNames) && (s.Method != ModelNames[i] || s.Params < 1000) {
			t.Errorf("row %d: %s with %d parameters, want %s", i, s.Method, s.Params, ModelNames[i])
		}
		for l := range 2 {
			if math.IsNaN(s.PSNR[l]) || math.IsInf(s.PSNR[l], 0) || !(s.SSIM[l] > 0 && s.SSIM[l] <= 1+1e-9) {
				t.Errorf("%s frame %d: PSNR %v, SSIM %v", s.Method, l, s.PSNR[l], s.SSIM[l])
			}
		}
	}
	// Persistence: frame 2 of every test video against its frame 1, PSNR with data range 1.
	_, te, _, _, err := o.split()
	if err != nil {
		t.Fatal(err)
	}
	F := 3 * 12 * 12
	var want float64
	for v := range 2 {
		x, y := make([]float64, F), make([]float64, F)
		for i := range F {
			x[i], y[i] = float64(te.F32[(v*3+0)*F+i]), float64(te.F32[(v*3+1)*F+i])
		}
		want += metrics.PSNR(x, y, 1) / 2
	}
	if got := r.Scores[len(ModelNames)].PSNR[0]; math.Abs(got-want) > 1e-9 {
		t.Errorf("persistence PSNR at the first predicted frame %v, computed here %v", got, want)
	}
	if v := r.VAE; v == nil || v.Record.HeldOut != 2*3 || !(v.Record.PSNR > v.Record.MeanPSNR+1) || math.IsInf(v.Record.PSNR, 0) ||
		!slices.Equal(v.LatentFrame, []int{4, 12, 12}) {
		t.Errorf("VAE %+v: expected 6 held-out frames reconstructed finitely, 1 dB above each channel's mean, latents [4 12 12]", v)
	}
	// The latent forecast, again from the runs Run left: decoded into frames, and its truth (gathered by
	// latent.VAE.Forecast from the cases built here) the test videos' predicted frames.
	v, err := latent.Open(filepath.Join(o.Dir, "vae"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tm, err := dymodel.Open(filepath.Join(o.Dir, "dydiff-latent"))
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	_, _, _, teA, _ := o.split()
	fc, err := forecastLatent(context.Background(), v, tm, te, o.Protocol, dymodel.ForecastOptions{Members: 2, Lead: 2, Seed: 1,
		Sampler: dymodel.SamplerOptions{Steps: 1}, Actions: teA})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fc.Ensemble.Shape, []int{2, 2, 2, 3, 12, 12}) || !slices.Equal(fc.Truth.Float32(), futureFrames(te, o.Protocol)) {
		t.Errorf("latent forecast of shape %v (want [2 2 2 3 12 12]); truth the test videos' predicted frames: %v", fc.Ensemble.Shape,
			slices.Equal(fc.Truth.Float32(), futureFrames(te, o.Protocol)))
	}
	var b strings.Builder
	r.Table(&b)
	out := b.String()
	if strings.Count(out, "\n") != 7 || !strings.Contains(out, "dydiff PSNR") || !strings.Contains(out, "dpm-latent SSIM") ||
		!strings.Contains(out, "\nmean") || !strings.Contains(out, fmt.Sprintf("dydiff-dit %d", r.Scores[4].Params)) || !strings.Contains(out, "held-out reconstruction PSNR") {
		t.Errorf("table:\n%s", out)
	}
	o.Steps = 0
	if _, err := Run(context.Background(), o); err == nil {
		t.Error("0 steps accepted")
	}
}
