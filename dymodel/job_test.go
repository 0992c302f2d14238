package dymodel_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// A Job on a two-channel series whose channels differ by orders of magnitude gives the sampler's
// normalised ensemble mapped back per channel on the host (x·std[c] + mean[c], in float64 here), the
// truth of forecast.Truth, and leaves no working file beside Out. A budget too small is refused before
// the data are read, and the reader's error comes back as it is.
func TestJobIsTheForecastInPhysicalUnits(t *testing.T) {
	a := fields(20, [2]float64{0, 500}, [2]float64{1, 50})
	spec := tinySpec(t, a, 4)
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	tm.Backend = spec.Backend
	cs := forecast.Cases{Context: 2, Lead: 3, Starts: []int{2, 11}}
	out := filepath.Join(t.TempDir(), "fc.npy")
	read := func() (*data.Array, *data.Array, error) { return a, nil, nil }
	j := dymodel.Job{Trained: tm, Cases: cs, Options: dymodel.ForecastOptions{Members: 2, Seed: 9, Work: dymodel.WorkPath(out)}, Out: out, Read: read,
		Size: dymodel.ForecastSize{Unit: "cases", Held: 1}}
	f, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dymodel.WorkPath(out)); !os.IsNotExist(err) || filepath.Dir(dymodel.WorkPath(out)) != filepath.Dir(out) {
		t.Errorf("working file %s: %v", dymodel.WorkPath(out), err)
	}
	m, snap := tm.Model, tm.Snapshot
	ctxs, _ := forecast.Context(a, cs)
	fc, err := m.NewForecaster(spec.Backend, snap.Store, dymodel.SamplerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ens, err := fc.Ensemble(context.Background(), m.Contexts(ctxs, snap.Norm), dymodel.EnsembleOptions{Members: 2, Lead: 3, Seed: 9})
	fc.Close()
	if err != nil {
		t.Fatal(err)
	}
	norm := ens.Float32()
	if !slices.Equal(f.Ensemble.Shape, []int{2, 2, 3, 2, 8, 8}) {
		t.Fatalf("ensemble %v", f.Ensemble.Shape)
	}
	for i, v := range f.Ensemble.Float32() {
		c := i / 64 % 2
		if want := float32(float64(norm[i])*snap.Norm.Std[c] + snap.Norm.Mean[c]); v != want {
			t.Fatalf("value %d (channel %d): %v, want %v (normalised %v × %v + %v)", i, c, v, want, norm[i], snap.Norm.Std[c], snap.Norm.Mean[c])
		}
	}
	truth, _ := forecast.Truth(a, cs)
	if !slices.Equal(f.Truth.Float32(), truth.Float32()) {
		t.Error("the truth differs from forecast.Truth")
	}
	fresh, err := dymodel.Open(spec.Dir) // weights not yet on any backend
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	started, own := 0, j
	own.Trained, own.Backend = fresh, func() (compute.Backend, error) { started++; return backend.New("go") }
	if again, err := own.Run(context.Background()); err != nil || started != 1 || !slices.Equal(again.Ensemble.Float32(), f.Ensemble.Float32()) {
		t.Errorf("with a backend of its own: %v, started %d times; want the same forecast, one backend", err, started)
	}
	j.Backend = own.Backend
	j.Budget = guard.Budget{Memory: 1}
	j.Read = func() (*data.Array, *data.Array, error) {
		t.Error("read despite a budget too small")
		return a, nil, nil
	}
	if _, err := j.Run(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "a forecast [2 cases, 2 members, 3 lead, frame [2 8 8]] float32 needs") {
		t.Errorf("one byte of memory: %v", err)
	}
	if started != 1 {
		t.Errorf("a refused job started a backend")
	}
	j.Budget = guard.Budget{}
	bad := errors.New("--data x.npy: unreadable")
	j.Read = func() (*data.Array, *data.Array, error) { return nil, nil, bad }
	if _, err := j.Run(context.Background()); err != bad {
		t.Errorf("the reader's error: %v", err)
	}
}

// A Job of videos with actions is Trained.Forecast of the first Videos videos with the file's actions
// (those Read returns) when Options gives none, and with Options' actions when it does; its forecast's
// errors carry Name.
func TestJobVideosTakeTheFilesActions(t *testing.T) {
	const T = 6
	frames, acts := pushVideos(t, 3, T, 2)
	tm, err := dymodel.Train(context.Background(), tinyVideoSpec(t, frames, acts))
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	o := dymodel.ForecastOptions{Members: 2, Seed: 3, Sampler: dymodel.SamplerOptions{Steps: 2}}
	j := dymodel.Job{Trained: tm, Cases: forecast.Cases{Context: 1, Lead: 2}, Videos: 2, Options: o, Size: dymodel.ForecastSize{Unit: "videos"},
		Out: filepath.Join(t.TempDir(), "v.npy"), Read: func() (*data.Array, *data.Array, error) { return frames, acts, nil }}
	got, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o.Cases, o.Lead, o.Actions = 2, 2, acts
	want, err := tm.Forecast(context.Background(), frames, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Ensemble.Shape, []int{2, 2, 2, 3, 16, 16}) || !slices.Equal(got.Ensemble.Float32(), want.Ensemble.Float32()) {
		t.Errorf("the job's forecast %v differs from Trained.Forecast with the file's actions", got.Ensemble.Shape)
	}
	other := data.FromFloat32(make([]float32, len(acts.F32)), acts.Shape...) // the pusher stands still
	j.Options.Actions = other
	still, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(still.Ensemble.Float32(), got.Ensemble.Float32()) {
		t.Error("the job's own actions were ignored: the forecast is the one the file's actions drive")
	}
	j.Options.Actions, j.Name = data.FromFloat32([]float32{1, 2}, 1, 2), "--run r on --data v.npz"
	if _, err := j.Run(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "--run r on --data v.npz: ") {
		t.Errorf("too few action rows: %v, want an error prefixed with the job's name", err)
	}
}
