package scorerun

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/metrics"
)

// rolloutFiles writes a truth [T, 12, 12] and a rollout [T, 2, 1, 12, 12] as 'tidal rollout' writes
// it, whose member m is the truth plus 0.25·(m+1).
func rolloutFiles(t *testing.T, dir string) (fPath, oPath string) {
	t.Helper()
	const T, N = 16, 12
	o := make([]float32, T*N*N)
	for i := range o {
		tt, y, x := i/(N*N), i/N%N, i%N
		o[i] = float32(math.Sin(2*math.Pi*float64(x-tt)/N) + 0.3*math.Cos(2*math.Pi*float64(y)/N))
	}
	f := make([]float32, 0, 2*len(o))
	for tt := range T {
		for m := range 2 {
			for _, v := range o[tt*N*N : (tt+1)*N*N] {
				f = append(f, v+0.25*float32(m+1))
			}
		}
	}
	fPath, oPath = filepath.Join(dir, "roll.npy"), filepath.Join(dir, "truth.npy")
	if err := data.WriteNPY(fPath, data.FromFloat32(f, T, 2, 1, N, N)); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(oPath, data.FromFloat32(o, T, N, N)); err != nil {
		t.Fatal(err)
	}
	return fPath, oPath
}

// rolloutOptions are `tidal score rollout`'s defaults with a shorter ACF.
func rolloutOptions(fPath, oPath string) RolloutOptions {
	return RolloutOptions{Forecast: fPath, Obs: oPath, JSON: true, AllMembers: true,
		RolloutScoreSettings: forecast.RolloutScoreSettings{MaxLag: 3, Bins: 50, Spectrum: "auto"}}
}

// Every member is scored in turn: each is the truth shifted by a constant, so its spatial-mean bias is
// that constant, its ACF error 0 (a shift leaves the standardised series alike) and its spectrum
// ratio 0 away from the mean; --member 1 scores that member alone, and --out holds the JSON returned.
func TestScoreRolloutMembers(t *testing.T) {
	dir := t.TempDir()
	fPath, oPath := rolloutFiles(t, dir)
	o := rolloutOptions(fPath, oPath)
	o.Out = filepath.Join(dir, "roll.json")
	out, err := ScoreRollout(o)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(o.Out)
	if err != nil || string(saved) != out {
		t.Fatalf("--out holds %d bytes (%v), not the %d printed", len(saved), err, len(out))
	}
	var all struct{ Members []metrics.RolloutReport }
	if err := json.Unmarshal(saved, &all); err != nil || len(all.Members) != 2 {
		t.Fatalf("%d members (%v): want 2", len(all.Members), err)
	}
	for m, r := range all.Members {
		if want := 0.25 * float64(m+1); math.Abs(float64(r.MeanBias)-want) > 1e-5 {
			t.Errorf("member %d: spatial-mean bias %v, want %v", m, r.MeanBias, want)
		}
		for lag, e := range r.ACFError {
			if math.Abs(float64(e)) > 1e-5 {
				t.Errorf("member %d: ACF error %v at lag %d, want 0", m, e, lag)
			}
		}
	}
	o.Out, o.AllMembers, o.Member, o.JSON = "", false, 1, false
	table, err := ScoreRollout(o)
	if err != nil || strings.Contains(table, "member 0") || table == "" {
		t.Errorf("--member 1 printed (%v):\n%s", err, table)
	}
}

// Bad options and inputs are refused naming their flag or file.
func TestScoreRolloutRefuses(t *testing.T) {
	dir := t.TempDir()
	fPath, oPath := rolloutFiles(t, dir)
	season := filepath.Join(dir, "season.npy")
	if err := data.WriteNPY(season, data.FromFloat32([]float32{0, 1, 2}, 3)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, want string
		edit       func(*RolloutOptions)
	}{
		{"member", "--member 2", func(o *RolloutOptions) { o.AllMembers, o.Member = false, 2 }},
		{"max lag", "--max-lag", func(o *RolloutOptions) { o.MaxLag = -1 }},
		{"out over the truth", "refusing to overwrite an input", func(o *RolloutOptions) { o.Out = oPath }},
		{"no forecast", "--forecast: " + filepath.Join(dir, "none.npy"), func(o *RolloutOptions) { o.Forecast = filepath.Join(dir, "none.npy") }},
		{"season length", "3 season labels for 16 frames", func(o *RolloutOptions) { o.Season = season }},
		{"memory", "rollout diagnostics of forecast", func(o *RolloutOptions) { o.Budget.Memory = 100 }},
	} {
		o := rolloutOptions(fPath, oPath)
		c.edit(&o)

		if _, err := ScoreRollout(o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
}
