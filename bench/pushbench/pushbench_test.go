package pushbench

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
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

// TestRunTiny runs the whole benchmark on tiny generated videos: three methods scored at every
// predicted frame, finite PSNR and SSIM in (0, 1], and a table with a row per frame and the means.
func TestRunTiny(t *testing.T) {
	o := Options{Protocol: Protocol{Name: "tiny", Context: 1, Predict: 2}, TrainVideos: 6, TestVideos: 2, Size: 12, Objects: 1, Seed: 3,
		Steps: 4, Batch: 2, Channels: 8, Mults: []int{1, 2}, PMean: 0.8, Members: 2, SamplerSteps: 2, Dir: t.TempDir(), Backend: tensortest.Backend(t)}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Scores) != 3 || r.Scores[2].Method != "persistence" {
		t.Fatalf("scores %+v", r.Scores)
	}
	for _, s := range r.Scores {
		for l := range 2 {
			if math.IsNaN(s.PSNR[l]) || !(s.SSIM[l] > 0 && s.SSIM[l] <= 1+1e-9) {
				t.Errorf("%s frame %d: PSNR %v, SSIM %v", s.Method, l, s.PSNR[l], s.SSIM[l])
			}
		}
	}
	var b strings.Builder
	r.Table(&b)
	if out := b.String(); strings.Count(out, "\n") != 5 || !strings.Contains(out, "dydiff PSNR") || !strings.Contains(out, "mean") {
		t.Errorf("table:\n%s", out)
	}
	o.Steps = 0
	if _, err := Run(context.Background(), o); err == nil {
		t.Error("0 steps accepted")
	}
}
