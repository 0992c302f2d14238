package imagerun

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guided"
)

// writeSeries writes T frames [T, 1, 8, 8] of a wave travelling along x to dir/series.npy.
func writeSeries(t *testing.T, dir string, T int) (string, []float32) {
	t.Helper()
	v := make([]float32, T*64)
	for i := range v {
		tt, y, x := i/64, i/8%8, i%8
		v[i] = float32(1 + math.Sin(2*math.Pi*float64(x-tt)/8+0.5*float64(y)))
	}
	path := filepath.Join(dir, "series.npy")
	if err := data.WriteNPY(path, data.FromFloat32(v, T, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	return path, v
}

// tinyTrainOptions are the command's defaults shrunk to a run of a second: two steps of a two-level
// UNet of width 8 (the discriminator: a head of width 8).
func tinyTrainOptions(kind, dataPath, run string) TrainOptions {
	s := guided.TrainSettings{Steps: 2, Batch: 4, LR: 1e-4, WeightDecay: 0.01, EMAHalfLife: 500000, Seed: 1, ValFraction: 0.1,
		LogEvery: 1, CheckpointEvery: 2, Keep: 3, Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4,
		PeriodicH: true, PeriodicW: true, SigmaData: 0.5, PMean: -1.2, PStd: 1.2}
	return TrainOptions{Kind: kind, Data: dataPath, Run: run, TrainSettings: s, ActivationBytes: s.Activations(),
		SigmaStep: 2, HeadWidth: 8, HeadLayers: 2, ValPairs: 8}
}

// tinyDiscOptions are tinyTrainOptions of the discriminator, which holds out 30% of the frames.
func tinyDiscOptions(dataPath, run string) TrainOptions {
	o := tinyTrainOptions(guided.KindDiscriminator, dataPath, run)
	o.ValFraction = 0.3
	return o
}

// fixture is an image model and a discriminator trained once on writeSeries's 16 frames.
var fixture struct {
	once                 sync.Once
	dir, data, idm, disc string
	series               []float32
	err                  error
}

// trainedRuns trains the fixture's runs through PrepareTraining and Training.Run.
func trainedRuns(t *testing.T) (dir, dataPath, idm, disc string, series []float32) {
	t.Helper()
	fixture.once.Do(func() {
		if fixture.dir, fixture.err = os.MkdirTemp("", "imagerun"); fixture.err != nil {
			return
		}
		fixture.data, fixture.series = writeSeries(t, fixture.dir, 16)
		fixture.idm, fixture.disc = filepath.Join(fixture.dir, "idm"), filepath.Join(fixture.dir, "disc")
		for _, o := range []TrainOptions{tinyTrainOptions(guided.KindIDM, fixture.data, fixture.idm),
			tinyDiscOptions(fixture.data, fixture.disc)} {
			tr, err := PrepareTraining(o)
			if err != nil {
				fixture.err = err
				return
			}
			sum, err := tr.Run(context.Background())
			if err == nil && (sum.Step != 2 || sum.Kind != o.Kind) {
				err = &stepError{sum}
			}
			if err != nil {
				fixture.err = err
				return
			}
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.dir, fixture.data, fixture.idm, fixture.disc, fixture.series
}

// stepError is a run that did not end where it was asked to.
type stepError struct{ sum guided.Summary }

func (e *stepError) Error() string { return "trained " + e.sum.String() + ": want 2 steps" }

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// The runs train to the steps asked (trainedRuns checks the summaries), keep summary.json, and the
// discriminator reports its held-out accuracy, a share in [0, 1]; a finished run prepared again resumes
// at its last step without training further.
func TestPrepareTrainingTrains(t *testing.T) {
	_, dataPath, idm, disc, _ := trainedRuns(t)
	for _, run := range []string{idm, disc} {
		if _, err := os.Stat(filepath.Join(run, "summary.json")); err != nil {
			t.Error(err)
		}
	}
	tr, err := PrepareTraining(tinyDiscOptions(dataPath, disc))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := tr.Run(context.Background())
	if err != nil || sum.Step != 2 || !(sum.Accuracy >= 0 && sum.Accuracy <= 1) {
		t.Errorf("resumed discriminator: %+v (%v): want step 2 and an accuracy in [0, 1]", sum, err)
	}
}

// Bad options and data are refused before anything is trained, each naming its flag or file.
func TestPrepareTrainingRefuses(t *testing.T) {
	dir := t.TempDir()
	dataPath, _ := writeSeries(t, dir, 12)
	for _, c := range []struct {
		name, want string
		edit       func(*TrainOptions)
	}{
		{"odd batch", "--batch 3: expected an even number", func(o *TrainOptions) { o.Kind, o.Batch = guided.KindDiscriminator, 3 }},
		{"sigma step", "sigma-step", func(o *TrainOptions) { o.Kind, o.SigmaStep = guided.KindDiscriminator, 0 }},
		{"head width", "head-width", func(o *TrainOptions) { o.Kind, o.HeadWidth = guided.KindDiscriminator, 0 }},
		{"no data", "--data: " + filepath.Join(dir, "none.npy"), func(o *TrainOptions) { o.Data = filepath.Join(dir, "none.npy") }},
		{"crop", "--crop 16,16: expected at most", func(o *TrainOptions) { o.Crop = []int{16, 16} }},
		{"run over the data", "--run " + dataPath + " is a file", func(o *TrainOptions) { o.Run = dataPath }},
		{"memory", "training on " + dataPath, func(o *TrainOptions) { o.Budget.Memory = 1000 }},
	} {
		o := tinyTrainOptions(guided.KindIDM, dataPath, filepath.Join(dir, "run"))
		c.edit(&o)
		_, err := PrepareTraining(o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); err == nil {
		t.Error("a refused run left its directory")
	}
}
