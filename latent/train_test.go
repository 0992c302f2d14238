package latent

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/train"
)

// waves is a tiny field series [T, 2, 8, 8]: travelling plane waves with a phase that moves per frame,
// smooth enough for a small VAE to learn in a few hundred steps.
func waves(T int) *data.Array {
	const C, H, W = 2, 8, 8
	v := make([]float32, T*C*H*W)
	for f := range T {
		for c := range C {
			for i := range H {
				for j := range W {
					ph := 0.7*float64(f) + 1.3*float64(c)
					x := math.Sin(2*math.Pi*float64(j)/W+ph) + 0.5*math.Cos(2*math.Pi*float64(i)/H-0.5*ph)
					v[((f*C+c)*H+i)*W+j] = float32(3 + 2*x)
				}
			}
		}
	}
	return data.FromFloat32(v, T, C, H, W)
}

// openTiny trains the tiny VAE of trainTiny on a in dir and opens the run on the test backend; the test's
// cleanup closes it.
func openTiny(t *testing.T, dir string, a *data.Array, steps int) *VAE {
	t.Helper()
	_, tr := trainTiny(t, dir, a, steps)
	tr.Close()
	v, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	v.Backend = tensortest.Backend(t)
	return v
}

// trainTiny trains a small VAE on waves(T) into dir.
func trainTiny(t *testing.T, dir string, a *data.Array, steps int) (*Record, *Trainer) {
	t.Helper()
	c := DefaultConfig()
	c.Channels, c.Mults, c.Blocks, c.Groups, c.LatentChannels = 8, []int{1, 2}, 1, 4, 2
	o := DefaultTrainOptions()
	o.Steps, o.BatchSize, o.LR, o.CheckpointEvery, o.LogEvery, o.EMAHalfLife = steps, 8, 3e-3, steps, 10, 200
	tr, err := NewTrainer(TrainSpec{Data: a, HoldOut: 6, Config: c, Options: o, Dir: dir, Backend: tensortest.Backend(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, rec, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rec, tr
}

// TestTrainMeasureAndCache trains a tiny VAE and checks that (1) its held-out reconstruction is far
// better than the trivial one (each channel's mean), (2) the latent scale is 1 / the standard deviation
// of the training frames' latents recomputed on the host from the posterior means, and the scaled
// encoding has unit spread, (3) the encoding cache is reused while the data and the VAE stay the same and
// made again when either changes.
func TestTrainMeasureAndCache(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "vae")
	a := waves(46)
	rec, tr := trainTiny(t, run, a, 300)
	t.Logf("held-out PSNR %.2f dB (trivial %.2f dB), RMSE %.4f, scale %.4f", rec.PSNR, rec.MeanPSNR, rec.RMSE, rec.Scale)
	if rec.PSNR < rec.MeanPSNR+10 {
		t.Errorf("held-out PSNR %.2f dB: expected at least 10 dB above the trivial reconstruction's %.2f dB", rec.PSNR, rec.MeanPSNR)
	}
	if rec.HeldOut != 6 || rec.TrainFrames != 40 {
		t.Errorf("held out %d and trained on %d frames, want 6 and 40", rec.HeldOut, rec.TrainFrames)
	}
	v, err := Open(run)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	v.Backend = tensortest.Backend(t)
	trainFrames := data.FromFloat32(a.F32[:40*128], 40, 2, 8, 8)
	mean, _, err := v.Moments(context.Background(), trainFrames)
	if err != nil {
		t.Fatal(err)
	}
	var s, ss float64
	for _, u := range mean.F32 {
		s += float64(u)
	}
	m := s / float64(len(mean.F32))
	for _, u := range mean.F32 {
		ss += (float64(u) - m) * (float64(u) - m)
	}
	if want := 1 / math.Sqrt(ss/float64(len(mean.F32))); math.Abs(v.Record.Scale-want) > 1e-9*want {
		t.Errorf("latent scale %v, recomputed %v", v.Record.Scale, want)
	}
	z, err := v.Encode(context.Background(), trainFrames, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, std := meanStd(z.F32); math.Abs(std-1) > 1e-5 {
		t.Errorf("scaled latents have standard deviation %v, want 1", std)
	}
	back, err := v.Decode(context.Background(), z)
	if err != nil {
		t.Fatal(err)
	}
	if psnr, _ := reconstructionScores(back.F32, trainFrames.F32, trainFrames.Shape); psnr < rec.MeanPSNR+10 {
		t.Errorf("Decode(Encode(training frames)) PSNR %.2f dB: the scale is not undone (trivial %.2f dB)", psnr, rec.MeanPSNR)
	}

	// The cache.
	path := filepath.Join(dir, "data.npy")
	if err := data.WriteNPY(path, a); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "dydiff")
	enc := func() (bool, time.Time) {
		t.Helper()
		z, reused, err := EncodeCached(context.Background(), v, a, path, cache, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := z.Shape; len(got) != 4 || got[0] != 46 || got[1] != 2 || got[2] != 4 || got[3] != 4 {
			t.Fatalf("cached encoding of shape %v, want [46 2 4 4]", got)
		}
		st, err := os.Stat(filepath.Join(cache, CacheFile))
		if err != nil {
			t.Fatal(err)
		}
		return reused, st.ModTime()
	}
	if reused, _ := enc(); reused {
		t.Fatal("the first encoding was reported as reused")
	}
	n := v.Encoded
	_, m1 := enc()
	time.Sleep(20 * time.Millisecond)
	reused, m2 := enc()
	if !reused || v.Encoded != n || !m1.Equal(m2) {
		t.Errorf("second encoding: reused %v, %d frames encoded again, cache rewritten %v; want the cache read", reused, v.Encoded-n, !m1.Equal(m2))
	}
	// Changed data (a new modification time): encoded again.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if reused, _ := enc(); reused || v.Encoded != n+46 {
		t.Errorf("after the data changed: reused %v, %d frames encoded; want a new encoding of 46", reused, v.Encoded-n)
	}
	// Another VAE (trained further: new weights): encoded again, and the run refuses the old link.
	if err := WriteLink(cache, v, false); err != nil {
		t.Fatal(err)
	}
	tr.Job.Options.Steps += 20
	if _, _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	v2, err := Open(run)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	v2.Backend = tensortest.Backend(t)
	if _, reused, err := EncodeCached(context.Background(), v2, a, path, cache, 0); err != nil || reused || v2.Encoded != 46 {
		t.Errorf("with the VAE trained further: reused %v, %d frames encoded, error %v; want a new encoding", reused, v2.Encoded, err)
	}
	if err := WriteLink(cache, v2, false); err == nil {
		t.Error("a run linked to one VAE accepted another")
	}
	if err := WriteLink(cache, v2, true); err != nil {
		t.Fatal(err)
	}
	if l, err := ReadLink(cache); err != nil || l.Check(v2) != nil || l.Check(v) == nil {
		t.Errorf("a replaced link: %+v, %v; want the new VAE's", l, err)
	}
}

// TestOpenRefusesUnmeasured checks that a VAE run trained further without its record being updated, and
// a folder that is no VAE run, are refused.
func TestOpenRefusesUnmeasured(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err == nil {
		t.Error("Open accepted an empty folder")
	}
	_, tr := trainTiny(t, dir, waves(20), 10)
	defer tr.Close()
	if err := os.Remove(filepath.Join(dir, RecordFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open accepted a run without its record")
	}
	tr.Job.Options.Steps = 20
	if _, err := train.Run(context.Background(), tr.Job); err != nil { // trained further, not measured
		t.Fatal(err)
	}
	if err := (&Record{Step: 10, Scale: 1}).save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open accepted a record of an older snapshot")
	}
}

// TestSampleEncoding checks the sampled encoding of a trained VAE: (z/scale − μ)/σ over all latent values
// is standard normal (mean 0, standard deviation 1), the same seed gives the same latents and another
// seed other ones.
func TestSampleEncoding(t *testing.T) {
	dir := t.TempDir()
	a := waves(40)
	v := openTiny(t, dir, a, 10)
	v.Model.Config.Encode = EncodeSample
	ctx := context.Background()
	mean, logVar, err := v.Moments(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	z1, err := v.Encode(ctx, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	z1again, _ := v.Encode(ctx, a, 1)
	z2, _ := v.Encode(ctx, a, 2)
	r := make([]float32, len(z1.F32))
	same, differ := true, false
	for i := range r {
		r[i] = float32((float64(z1.F32[i])/v.Record.Scale - float64(mean.F32[i])) / math.Exp(0.5*float64(logVar.F32[i])))
		same = same && z1.F32[i] == z1again.F32[i]
		differ = differ || z1.F32[i] != z2.F32[i]
	}
	m, s := meanStd(r)
	lm, ls := meanStd(logVar.F32)
	t.Logf("log-variance mean %.3f, standard deviation %.3f", lm, ls)
	// 40·2·4·4 = 1280 values: standard errors ≈ 0.03 (mean) and 0.02 (deviation).
	if math.Abs(m) > 0.12 || math.Abs(s-1) > 0.1 {
		t.Errorf("standardised posterior samples have mean %.3f and standard deviation %.3f, want 0 and 1", m, s)
	}
	if !same || !differ {
		t.Errorf("same seed reproduces: %v; another seed differs: %v", same, differ)
	}
}
