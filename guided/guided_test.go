package guided

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/rollout"
	"github.com/tidal-forecast/tidal/sim/waves"
	"github.com/tidal-forecast/tidal/train"
)

// wavesSeries is T frames of travelling waves on an n×n grid (sim/waves), [T, 1, n, n].
func wavesSeries(T, n int, seed uint64) dataset.Series {
	o := waves.DefaultOptions()
	o.N, o.Frames, o.KMax, o.Seed, o.Dt = n, T, 2, seed, 0.3
	ws := waves.Draw(o)
	out := make([]float32, 0, T*n*n)
	var buf []float64
	for i := range T {
		buf = waves.Frame(ws, 1, n, float64(i)*o.Dt, buf)
		for _, v := range buf {
			out = append(out, float32(v))
		}
	}
	return dataset.Series{Name: "waves", Shape: []int{T, 1, n, n}, Data: out}
}

func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// tinySpec is a few-step training run of a small network.
func tinySpec(kind string, s dataset.Series, dir string, b compute.Backend) TrainSpec {
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.LogEvery, o.CheckpointEvery, o.Seed = 30, 8, 2e-3, 10, 30, 3
	return TrainSpec{Kind: kind, Series: s, Options: o,
		UNet: nets.Config{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, PadH: nn.Periodic, PadW: nn.Periodic},
		Disc: guidance.Config{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, AttnLevels: []int{}, HeadWidth: 16, HeadLayers: 1,
			PadH: nn.Periodic, PadW: nn.Periodic},
		SigmaData: 0.5, PMean: -1.2, PStd: 1.2, SigmaStep: 2, ValFraction: 0.2, ValPairs: 16, Dir: dir, Backend: b}
}

// runs trains an IDM, a VDM and a discriminator once for the tests of this package.
var runs struct {
	once           sync.Once
	dir            string
	err            error
	series         dataset.Series
	idm, vdm, disc string
}

func trainedRuns(t *testing.T) (idm, vdm, disc string, s dataset.Series) {
	t.Helper()
	runs.once.Do(func() {
		b, err := backend.New("go")
		if err != nil {
			runs.err = err
			return
		}
		defer b.Finalize()
		runs.dir, runs.err = os.MkdirTemp("", "guided-test-")
		if runs.err != nil {
			return
		}
		runs.series = wavesSeries(40, 8, 1)
		for _, k := range []string{KindIDM, KindVDM, KindDiscriminator} {
			tr, err := NewTrainer(tinySpec(k, runs.series, filepath.Join(runs.dir, k), b))
			if err == nil {
				_, err = tr.Run(context.Background())
			}
			if err != nil {
				runs.err = err
				return
			}
		}
		runs.idm, runs.vdm, runs.disc = filepath.Join(runs.dir, KindIDM), filepath.Join(runs.dir, KindVDM), filepath.Join(runs.dir, KindDiscriminator)
	})
	if runs.err != nil {
		t.Fatal(runs.err)
	}
	return runs.idm, runs.vdm, runs.disc, runs.series
}

func TestMain(m *testing.M) {
	code := m.Run()
	if runs.dir != "" {
		os.RemoveAll(runs.dir)
	}
	os.Exit(code)
}

func load(t *testing.T, run, kind string) *Model {
	t.Helper()
	m, err := Open(run, kind, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fastSampler is the paper's sampler with few steps.
func fastSampler(lambda float64) SamplerOptions {
	o := DefaultSamplerOptions()
	o.Grid.Steps, o.Lambda = 6, lambda
	return o
}

func TestDiscSourceIsAFunctionOfIndex(t *testing.T) {
	s := wavesSeries(20, 8, 2)
	src := &discSource{name: "w", arr: data.FromFloat32(s.Data, s.Shape...), opt: guidance.DefaultExampleOptions(), seed: 5}
	flat := func(i int) []float32 {
		ts, err := src.Batch(i, 8)
		if err != nil {
			t.Fatal(err)
		}
		var out []float32
		for _, x := range ts {
			out = append(out, x.Value().([][][][]float32)[0][0][0]...) // first row's first line of the candidate
			break
		}
		return out
	}
	a, b, c := flat(3), flat(3), flat(4)
	if !equal(a, b) {
		t.Error("batch 3 differs between two calls")
	}
	if equal(a, c) {
		t.Error("batches 3 and 4 are the same")
	}
	if _, err := src.Batch(0, 7); err == nil {
		t.Error("an odd batch was accepted")
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestTrainingWritesSummaryAndAccuracy checks the runs' records: summary.json, the discriminator's held-out
// accuracy per noise level in stats.jsonl, and the snapshot's configuration.
func TestTrainingWritesSummaryAndAccuracy(t *testing.T) {
	idm, _, disc, _ := trainedRuns(t)
	st, err := train.ReadStats(disc)
	if err != nil || len(st) == 0 {
		t.Fatalf("stats: %v, %d lines", err, len(st))
	}
	last := st[len(st)-1]
	if _, ok := last.Preview["accuracy"]; !ok || len(last.Preview) < 3 {
		t.Errorf("no held-out accuracy per noise level in the last stats line: %v", last.Preview)
	}
	b, err := os.ReadFile(filepath.Join(disc, "summary.json"))
	if err != nil || !bytes.Contains(b, []byte(`"accuracy_by_noise"`)) || !bytes.Contains(b, []byte(`"loop_seconds"`)) {
		t.Errorf("summary.json without the accuracy per noise level or the loop's timing in snake case: %v\n%s", err, b)
	}
	m := load(t, idm, KindIDM)
	if m.Config.Height != 8 || m.Config.Channels != 1 || m.Config.UNet == nil || m.Config.UNet.InChannels != 1 {
		t.Errorf("idm config %+v", m.Config)
	}
	if _, err := Open(idm, KindDiscriminator, nil); err == nil || !strings.Contains(err.Error(), "holds idm") {
		t.Errorf("an IDM run loaded as a discriminator: %v", err)
	}
}

// firstFrame is the frame the generator of m guided by disc with o samples for the two rows prev, cur
// (seed 9).
func firstFrame(t *testing.T, b compute.Backend, m, disc *Model, o SamplerOptions, prev, cur []float32) []float32 {
	t.Helper()
	g, err := NewGenerator(b, m, disc, o)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	y, err := g.Next(prev, cur, 2, 9)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// TestLambdaZeroIsUnguided: with λ = 0 the discriminator is not used, so the frames equal the unguided
// IDM's; with λ > 0 they differ; every frame is finite; the guidance window GuideSigmaMax switches the
// guide off above it.
func TestLambdaZeroIsUnguided(t *testing.T) {
	idm, _, disc, s := trainedRuns(t)
	b := testBackend(t)
	m, d := load(t, idm, KindIDM), load(t, disc, KindDiscriminator)
	F := 64
	prev, cur := append(s.Data[:F:F], s.Data[:F]...), append(s.Data[F:2*F:2*F], s.Data[F:2*F]...)
	frame := func(disc *Model, lambda float64, window ...float64) []float32 {
		o := fastSampler(lambda)
		if len(window) > 0 {
			o.GuideSigmaMax = window[0]
		}
		y := firstFrame(t, b, m, disc, o, prev, cur)
		for _, v := range y {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatal("non-finite frame")
			}
		}
		return y
	}
	plain, zero, guided := frame(nil, 0), frame(d, 0), frame(d, 14)
	if !equal(plain, zero) {
		t.Error("λ = 0 with a discriminator differs from the unguided model")
	}
	if equal(plain, guided) {
		t.Error("λ = 14 made the same frames as the unguided model")
	}
	// The guidance window: below every σ of the grid it never guides, above all of them it always does.
	if !equal(frame(d, 14, 1e-4), plain) || !equal(frame(d, 14, 1e4), guided) {
		t.Error("GuideSigmaMax below the grid is not unguided, or above it not fully guided")
	}
	if w := frame(d, 14, 1); equal(w, plain) || equal(w, guided) {
		t.Error("GuideSigmaMax 1 (inside the grid) equals the unguided or the fully guided frames")
	}
	if equal(plain[:F], plain[F:]) {
		t.Error("two rows got the same noise")
	}
}

// TestForecastEqualsRollout: a forecast case starting at frame s and a rollout from frames s−2, s−1 are
// two code paths (in-memory batch of cases, streamed rollout.Run) that must make the same frames, since
// both key the noise by (seed, frame, row).
func TestForecastEqualsRollout(t *testing.T) {
	_, vdm, _, s := trainedRuns(t)
	b := testBackend(t)
	g, err := NewGenerator(b, load(t, vdm, KindVDM), nil, fastSampler(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const F, M, lead, start = 64, 2, 3, 10
	fc, err := g.Forecast(context.Background(), s.Data, forecast.Cases{Context: 2, Lead: lead, Starts: []int{start}}, M, 4)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "roll.npy")
	var initial []float32
	for _, n := range []int{start - 2, start - 1} {
		for range M {
			initial = append(initial, s.Data[n*F:(n+1)*F]...)
		}
	}
	if _, err := rollout.Run(context.Background(), rollout.Config{Path: path, Frames: lead, Members: M, FrameShape: []int{1, 8, 8},
		History: 2, Initial: initial, Identity: "test"}, g.Step(4, M)); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	roll := a.Float32() // [lead, M, F]
	for l := range lead {
		for m := range M {
			if !equal(roll[(l*M+m)*F:][:F], fc[(m*lead+l)*F:][:F]) {
				t.Fatalf("lead %d member %d: the forecast and the rollout differ", l, m)
			}
		}
	}
}

// TestRolloutResumesExactly: a guided rollout interrupted after 3 of 6 frames and run again ends with the
// same bytes as an uninterrupted one.
func TestRolloutResumesExactly(t *testing.T) {
	idm, _, disc, s := trainedRuns(t)
	b := testBackend(t)
	g, err := NewGenerator(b, load(t, idm, KindIDM), load(t, disc, KindDiscriminator), fastSampler(14))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const F, M = 64, 2
	initial := append(append(append(append([]float32(nil), s.Data[:F]...), s.Data[:F]...), s.Data[F:2*F]...), s.Data[F:2*F]...)
	dir := t.TempDir()
	cfg := func(name string) rollout.Config {
		return rollout.Config{Path: filepath.Join(dir, name), Frames: 6, Members: M, FrameShape: []int{1, 8, 8}, History: 2,
			Initial: initial, Identity: "test"}
	}
	if _, err := rollout.Run(context.Background(), cfg("whole.npy"), g.Step(7, M)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	step := g.Step(7, M)
	stop := func(c context.Context, h [][]float32, frame int) ([]float32, error) {
		if frame == 3 {
			cancel()
			return nil, errors.New("interrupted")
		}
		return step(c, h, frame)
	}
	if _, err := rollout.Run(ctx, cfg("cut.npy"), stop); err == nil {
		t.Fatal("the interrupted rollout did not fail")
	}
	res, err := rollout.Run(context.Background(), cfg("cut.npy"), step)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 3 {
		t.Errorf("resumed from %d frames, expected 3", res.Resumed)
	}
	x, _ := os.ReadFile(filepath.Join(dir, "whole.npy"))
	y, _ := os.ReadFile(filepath.Join(dir, "cut.npy"))
	if len(x) == 0 || !bytes.Equal(x, y) {
		t.Error("the resumed rollout differs from the uninterrupted one")
	}
}

func TestCheckGuideRefusesOtherFields(t *testing.T) {
	idm, _, disc, _ := trainedRuns(t)
	m, d := load(t, idm, KindIDM), load(t, disc, KindDiscriminator)
	if err := CheckGuide(m, d); err != nil {
		t.Fatalf("the matching guide was refused: %v", err)
	}
	for name, change := range map[string]func(c *Model){
		"channels":   func(c *Model) { c.Config.Channels = 2 },
		"resolution": func(c *Model) { c.Config.Height = 16 },
		"other data": func(c *Model) { c.Norm.Std = []float64{c.Norm.Std[0] * 3} },
	} {
		dd := *d
		change(&dd)
		if err := CheckGuide(m, &dd); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestGuideScaleIsExact: a guide trained on statistics that differ a little from the image model's sees
// the same values it was trained on: a_c·x + b_c of the model's normalised x equals the guide's
// normalisation of the physical value.
func TestGuideScaleIsExact(t *testing.T) {
	m := &Model{Config: ModelConfig{Channels: 2}, Norm: dataset.Norm{Mean: []float64{1, -2}, Std: []float64{2, 4}}}
	d := &Model{Config: ModelConfig{Channels: 2}, Norm: dataset.Norm{Mean: []float64{1.2, -2.1}, Std: []float64{2.2, 4.4}}}
	s, ab := guideScale(m.Norm, d)
	for c, phys := range []float64{3.7, -0.4} {
		x := (phys - m.Norm.Mean[c]) / m.Norm.Std[c]
		want := (phys - d.Norm.Mean[c]) / d.Norm.Std[c]
		if got := ab[c][0]*x + ab[c][1]; math.Abs(got-want) > 1e-12 {
			t.Errorf("channel %d: %g, want %g", c, got, want)
		}
	}
	if math.Abs(s-2.0/2.2) > 1e-12 {
		t.Errorf("σ factor %g, want %g", s, 2.0/2.2)
	}
}

// TestGuideScaleOfSeveralChannels: std ratios that differ a little between channels (normalisations of
// one series over different frames) give the noise level the factor of their geometric mean and are
// accepted; ratios further apart than ChannelScaleTolerance are refused.
func TestGuideScaleOfSeveralChannels(t *testing.T) {
	m := dataset.Norm{Mean: []float64{0, 0, 0}, Std: []float64{2, 4, 1}}
	disc := func(std ...float64) *Model {
		return &Model{Run: "d", Config: ModelConfig{Kind: KindDiscriminator, Channels: 3, Height: 4, Width: 4},
			Norm: dataset.Norm{Mean: []float64{0, 0, 0}, Std: std}}
	}
	near := disc(2, 4/1.02, 1/0.99) // a = 1, 1.02, 0.99
	s, _ := guideScale(m, near)
	if want := math.Cbrt(1.02 * 0.99); math.Abs(s-want) > 1e-12 {
		t.Errorf("σ factor %.15g, want the geometric mean %.15g", s, want)
	}
	if err := checkGuide("m", 3, 4, 4, m, near); err != nil {
		t.Errorf("ratios within 2 %% of each other refused: %v", err)
	}
	if err := checkGuide("m", 3, 4, 4, m, disc(2, 4/1.2, 1)); err == nil || !strings.Contains(err.Error(), "channel 0's std ratio 1 (2 over 2) is 5.9 % from the channels' geometric mean 1.063") {
		t.Errorf("ratios 1, 1.2, 1 (geometric mean 1.2^⅓ = 1.0627): error %v, want channel 0 refused", err)
	}
}
