package dymodel_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestActionRows: a case needs action rows through the end of its last window.
func TestActionRows(t *testing.T) {
	m, err := dymodel.New(dymodel.Config{Method: dymodel.Method, Net: "unet", Context: 2, Predict: 3, Noising: "dependent", Frame: []int{1, 4, 4},
		UNet: dymodel.UNetConfig{Channels: 8, Mults: []int{1}, Blocks: 1, Groups: 4}, Actions: 2, ActionScale: []float64{1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	for lead, want := range map[int]int{1: 5, 3: 5, 4: 8, 6: 8, 7: 11} {
		if got := m.ActionRows(lead); got != want {
			t.Errorf("ActionRows(%d) = %d, want %d", lead, got, want)
		}
	}
}

// TestConfigActionsValidated: the action dimension and its scale are checked.
func TestConfigActionsValidated(t *testing.T) {
	base := dymodel.Config{Method: dymodel.Method, Net: "unet", Context: 1, Predict: 2, Noising: "dependent", Frame: []int{1, 4, 4},
		UNet: dymodel.UNetConfig{Channels: 8, Mults: []int{1}, Blocks: 1, Groups: 4}}
	for name, c := range map[string]func(*dymodel.Config){
		"negative":        func(c *dymodel.Config) { c.Actions = -1 },
		"too many":        func(c *dymodel.Config) { c.Actions, c.ActionScale = 65, make([]float64, 65) },
		"no scale":        func(c *dymodel.Config) { c.Actions = 2 },
		"zero scale":      func(c *dymodel.Config) { c.Actions, c.ActionScale = 2, []float64{1, 0} },
		"scale without A": func(c *dymodel.Config) { c.ActionScale = []float64{1} },
		"series with them": func(c *dymodel.Config) {
			c.Net, c.Frame, c.Actions, c.ActionScale = "series", []int{3}, 1, []float64{1}
		},
	} {
		cc := base
		c(&cc)
		if err := cc.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := base
	ok.Actions, ok.ActionScale = 2, []float64{0.5, 2}
	if err := ok.Validate(); err != nil {
		t.Errorf("a valid configuration refused: %v", err)
	}
}

// TestForecastActionsChecked trains a tiny model with actions for two steps and checks what a forecast
// refuses: no actions, actions of the wrong width, NaN, too few rows; and that the rows a forecast takes
// are those of its case: two cases of one series whose actions differ only in the rows the second case
// uses give the first case the same forecast.
func TestForecastActionsChecked(t *testing.T) {
	const T = 10
	frames, acts := pushVideos(t, 2, T, 4)
	spec := tinyVideoSpec(t, frames, acts)
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	series := data.FromFloat32(frames.F32[:T*3*256], T, 3, 16, 16)
	rows := append([]float32(nil), acts.F32[:(T-1)*2]...)
	fc := func(a *data.Array) ([]float32, error) {
		f, err := tm.Forecast(context.Background(), series, dymodel.ForecastOptions{Starts: []int{1, 6}, Members: 1, Lead: 2,
			Sampler: dymodel.SamplerOptions{Steps: 2}, Actions: a})
		if err != nil {
			return nil, err
		}
		return f.Ensemble.Float32(), nil
	}
	for name, c := range map[string]struct {
		a    *data.Array
		want string
	}{
		"none":       {nil, "none given"},
		"width 3":    {data.FromFloat32(make([]float32, 9*3), 9, 3), "expected [rows, 2]"},
		"NaN":        {data.FromFloat32(append([]float32{float32(math.NaN())}, rows[1:]...), T-1, 2), "finite"},
		"6 rows":     {data.FromFloat32(rows[:12], 6, 2), "needs actions through frame 7"},
		"videos [1]": {data.FromFloat32(rows, 1, T-1, 2), "expected [rows, 2]"},
	} {
		if _, err := fc(c.a); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, c.want)
		}
	}
	base, err := fc(data.FromFloat32(rows, T-1, 2))
	if err != nil {
		t.Fatal(err)
	}
	changed := append([]float32(nil), rows...)
	for r := 5; r < T-1; r++ { // rows of frames 6.. (case 2's window: frames 5, 6, 7 take rows 4..6 of the file)
		changed[2*r] += 1
	}
	other, err := fc(data.FromFloat32(changed, T-1, 2))
	if err != nil {
		t.Fatal(err)
	}
	F := 2 * 3 * 256 // one case: 1 member × 2 leads × a frame
	same, differ := true, false
	for i := range base {
		if i < F && base[i] != other[i] {
			same = false
		}
		if i >= F && base[i] != other[i] {
			differ = true
		}
	}
	if !same || !differ {
		t.Errorf("changing the second case's later actions: first case unchanged %v (want true), second changed %v (want true)", same, differ)
	}
}

// tinyVideoSpec trains 2 steps of a tiny action-conditioned model on videos.
func tinyVideoSpec(t *testing.T, frames, acts *data.Array) dymodel.TrainSpec {
	s := dymodel.TrainSpec{Data: frames, Actions: acts, Dir: filepath.Join(t.TempDir(), "run"), Config: dymodel.DefaultConfig(),
		Options: dymodel.DefaultTrainOptions(), Backend: tensortest.Backend(t)}
	s.Config.Context, s.Config.Predict, s.Config.UNet.Periodic = 1, 2, false
	s.Config.UNet.Channels, s.Config.UNet.Mults, s.Config.UNet.Blocks, s.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	s.Options.Steps, s.Options.BatchSize, s.Options.LogEvery, s.Options.CheckpointEvery = 2, 2, 1, 2
	return s
}

// TestRolloutTakesLaterActions: a forecast of 4 frames with windows of 1 + 2 rolls forward once, and
// the second window takes the later action rows: changing only the rows of frames the second window
// adds changes frames 3 and 4 of the forecast and leaves frames 1 and 2 exactly as they were.
func TestRolloutTakesLaterActions(t *testing.T) {
	const T = 10
	frames, acts := pushVideos(t, 2, T, 5)
	tm, err := dymodel.Train(context.Background(), tinyVideoSpec(t, frames, acts))
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	series := data.FromFloat32(frames.F32[:T*3*256], T, 3, 16, 16)
	rows := append([]float32(nil), acts.F32[:(T-1)*2]...)
	fc := func(r []float32) []float32 {
		f, err := tm.Forecast(context.Background(), series, dymodel.ForecastOptions{Starts: []int{2}, Members: 1, Lead: 4,
			Sampler: dymodel.SamplerOptions{Steps: 2}, Actions: data.FromFloat32(r, T-1, 2)})
		if err != nil {
			t.Fatal(err)
		}
		return f.Ensemble.Float32()
	}
	base := fc(rows)
	// Case start 2: window 0 covers frames 1–3 (padded rows 1–3), window 1 frames 3–5 (rows 3–5). Padded
	// rows 4 and 5 are the file's rows 3 and 4.
	changed := append([]float32(nil), rows...)
	changed[2*3], changed[2*4+1] = changed[2*3]+1, changed[2*4+1]-1
	other := fc(changed)
	F := 3 * 256
	for l := range 4 {
		d := 0.0
		for i := l * F; i < (l+1)*F; i++ {
			d = math.Max(d, math.Abs(float64(base[i]-other[i])))
		}
		if l < 2 && d != 0 {
			t.Errorf("frame %d of the first window changed by %g with the second window's actions", l+1, d)
		}
		if l >= 2 && d == 0 {
			t.Errorf("frame %d of the second window did not change with its actions", l+1)
		}
	}
}
