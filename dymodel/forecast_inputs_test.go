package dymodel_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

// ReadActions keeps the values of a good file and refuses, naming the file, a wrong rank, a wrong
// number of components, videos where a series is expected, and a NaN with its row and component.
func TestReadActions(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, v []float32, shape ...int) string {
		p := filepath.Join(dir, name)
		if err := data.WriteNPY(p, data.FromFloat32(v, shape...)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.npy", []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	a, err := dymodel.ReadActions(good, 2, false)
	if err != nil || !slices.Equal(a.Shape, []int{3, 2}) || !slices.Equal(a.Float32(), []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("good file: %v %v", a, err)
	}
	videos := write("videos.npy", make([]float32, 12), 2, 3, 2)
	if _, err := dymodel.ReadActions(videos, 2, true); err != nil {
		t.Errorf("videos [2, 3, 2] for videos: %v", err)
	}
	nan := write("nan.npy", []float32{1, 2, 3, float32(math.NaN()), 5, 6}, 3, 2)
	for _, c := range []struct {
		path   string
		A      int
		videos bool
		want   string
	}{
		{videos, 2, false, videos + " of shape [2 3 2]: expected [rows, 2]"},
		{good, 3, true, good + " of shape [3 2]: expected [rows, 3] or [videos, rows, 3]"},
		{nan, 2, false, nan + ": value NaN at row 1 component 1"},
		{filepath.Join(dir, "none.npy"), 2, false, filepath.Join(dir, "none.npy") + ": "},
	} {
		if _, err := dymodel.ReadActions(c.path, c.A, c.videos); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s (A %d, videos %v): %v, want an error starting %q", c.path, c.A, c.videos, err, c.want)
		}
	}
}

// CheckForecastSize asks for exactly the bytes counted here by hand: a budget of that many passes and
// one byte less is refused, for the memory and for the disk, for a forecast of fields, a guided one
// and a latent one decoded into larger frames.
func TestCheckForecastSize(t *testing.T) {
	m, err := dymodel.New(func() dymodel.Config {
		c := dymodel.DefaultConfig()
		c.Frame = []int{2, 8, 8}
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	const B, M, L, F, D, held = 3, 4, 5, 128, 768, 1000
	sampler := m.SampleBytes(M)
	for _, c := range []struct {
		s          dymodel.ForecastSize
		mem, disk  int64
		wantPrefix string
	}{
		{dymodel.ForecastSize{Unit: "cases", Cases: B, Members: M, Lead: L, Frame: "frame [2 8 8]", FrameElems: F, Held: held},
			held + 3*B*M*L*F*4 + B*L*F*4 + sampler, 2*B*M*L*F*4 + B*L*F*4, "a forecast [3 cases, 4 members, 5 lead, frame [2 8 8]] float32"},
		{dymodel.ForecastSize{Unit: "cases", Cases: B, Members: M, Lead: L, Frame: "frame [2 8 8]", FrameElems: F, Held: held, Guided: true},
			held + 3*B*M*L*F*4 + B*L*F*4 + 3*sampler, 2*B*M*L*F*4 + B*L*F*4, "a forecast [3 cases"},
		{dymodel.ForecastSize{Unit: "cases", Cases: B, Members: M, Lead: L, Frame: "frame [2 8 8] → [3 16 16]", FrameElems: F, Decoded: D, Held: held},
			held + 3*B*M*L*F*4 + 2*B*M*L*D*4 + B*L*D*4 + sampler, 2*B*M*L*D*4 + B*L*D*4, "a latent forecast [3 cases, 4 members, 5 lead, frame [2 8 8] → [3 16 16]]"},
	} {
		out := filepath.Join(t.TempDir(), "fc.npy")
		if err := m.CheckForecastSize(guard.Budget{Memory: c.mem, Disk: c.disk}, out, c.s); err != nil {
			t.Errorf("%+v: the budget of exactly %d bytes of memory and %d of disk is refused: %v", c.s, c.mem, c.disk, err)
		}
		if err := m.CheckForecastSize(guard.Budget{Memory: c.mem - 1, Disk: c.disk}, out, c.s); err == nil || !strings.HasPrefix(err.Error(), c.wantPrefix) || !strings.Contains(err.Error(), "of memory") {
			t.Errorf("%+v: one byte of memory short: %v, want a refusal starting %q", c.s, err, c.wantPrefix)
		}
		if err := m.CheckForecastSize(guard.Budget{Memory: c.mem, Disk: c.disk - 1}, out, c.s); err == nil || !strings.Contains(err.Error(), "would write") {
			t.Errorf("%+v: one byte of disk short: %v, want a refusal", c.s, err)
		}
	}
}
