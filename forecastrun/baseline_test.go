package forecastrun

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// writeNPY writes v as an NPY of the shape in dir and returns its path.
func writeNPY(t *testing.T, dir, name string, v []float32, shape ...int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := data.WriteNPY(path, data.FromFloat32(v, shape...)); err != nil {
		t.Fatal(err)
	}
	return path
}

// ramp is a series of T frames [1, 2, 3] whose value at frame t, pixel i is 10 t + i.
func ramp(T int) []float32 {
	v := make([]float32, T*6)
	for i := range v {
		v[i] = float32(10*(i/6) + i%6)
	}
	return v
}

// baselineOptions are `tidal baseline`'s defaults (the flags' own) for data and out.
func baselineOptions(dataPath, out string) BaselineOptions {
	return BaselineOptions{Data: dataPath, Method: "persistence", Out: out, Cases: 20, Context: 4, Lead: 10, Members: 8, Period: 5}
}

// readArray reads an NPY output, failing the test when it cannot.
func readArray(t *testing.T, path string) *data.Array {
	t.Helper()
	a, err := data.ReadNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Persistence over fields: every member and lead of a case is the frame just before its start, the
// truth is the frames from the start on, and the sidecar names the cases and their context and lead.
func TestBaselinePersistenceIsTheLastContextFrame(t *testing.T) {
	dir := t.TempDir()
	in := writeNPY(t, dir, "series.npy", ramp(12), 12, 1, 2, 3)
	o := baselineOptions(in, filepath.Join(dir, "p.npy"))
	o.Starts, o.Context, o.Lead, o.Members, o.TruthOut = []int{3, 7}, 3, 2, 2, filepath.Join(dir, "t.npy")
	o.Given = func(name string) bool { return name == "starts" || name == "context" || name == "lead" }
	var line strings.Builder
	o.Stdout = &line
	if err := Baseline(o); err != nil {
		t.Fatal(err)
	}
	f, truth := readArray(t, o.Out), readArray(t, o.TruthOut)
	if fmt.Sprint(f.Shape) != "[2 2 2 1 2 3]" || fmt.Sprint(truth.Shape) != "[2 2 1 2 3]" {
		t.Fatalf("shapes %v, %v: want [2 2 2 1 2 3] and [2 2 1 2 3]", f.Shape, truth.Shape)
	}
	fv, tv := f.Float32(), truth.Float32()
	for b, s := range o.Starts {
		for m := range 2 {
			for h := range 2 {
				for i := range 6 {
					if got, want := fv[((b*2+m)*2+h)*6+i], float32(10*(s-1)+i); got != want {
						t.Fatalf("case %d member %d lead %d pixel %d: %v, want the frame %d's %v", b, m, h, i, got, s-1, want)
					}
					if got, want := tv[(b*2+h)*6+i], float32(10*(s+h)+i); m == 0 && got != want {
						t.Fatalf("truth case %d lead %d pixel %d: %v, want %v", b, h, i, got, want)
					}
				}
			}
		}
	}
	sc, err := forecast.ReadSidecar(o.Out)
	if err != nil || sc == nil {
		t.Fatalf("sidecar: %v", err)
	}
	if sc.Kind != forecast.KindBaseline || sc.Method != "persistence" || fmt.Sprint(sc.Starts) != "[3 7]" || sc.Context != 3 || sc.Lead != 2 || sc.Members != 2 {
		t.Errorf("sidecar %+v: want a persistence baseline of the cases [3 7], context 3, lead 2, 2 members", sc)
	}
	if !strings.Contains(line.String(), "persistence forecast [2 2 2 1 2 3] (cases starting at frames [3 7])") {
		t.Errorf("summary %q", line.String())
	}
}

// Climatology draws every member from the frames of --pool: each member and lead is one of its frames
// exactly, and the same seed draws the same members.
func TestBaselineClimatologyDrawsPoolFrames(t *testing.T) {
	dir := t.TempDir()
	in := writeNPY(t, dir, "series.npy", ramp(8), 8, 1, 2, 3)
	pool := make([]float32, 5*6)
	for i := range pool {
		pool[i] = float32(1000 + 100*(i/6) + i%6)
	}
	o := baselineOptions(in, filepath.Join(dir, "c.npy"))
	o.Method, o.Pool, o.Cases, o.Context, o.Lead, o.Members, o.Seed = "climatology", writeNPY(t, dir, "pool.npy", pool, 5, 1, 2, 3), 2, 2, 2, 3, 7
	if err := Baseline(o); err != nil {
		t.Fatal(err)
	}
	f := readArray(t, o.Out).Float32()
	if len(f) != 2*3*2*6 {
		t.Fatalf("%d values: want 2 cases × 3 members × 2 leads × 6", len(f))
	}
	for k := 0; k < len(f); k += 6 {
		j := (f[k] - 1000) / 100
		if j != float32(int(j)) || j < 0 || j > 4 {
			t.Fatalf("frame %d starts with %v: not a frame of the pool", k/6, f[k])
		}
		for i := range 6 {
			if f[k+i] != pool[int(j)*6+i] {
				t.Fatalf("frame %d: %v, want the pool's frame %v", k/6, f[k:k+6], pool[int(j)*6:int(j)*6+6])
			}
		}
	}
	o.Out = filepath.Join(dir, "c2.npy")
	if err := Baseline(o); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(readArray(t, o.Out).Float32()) != fmt.Sprint(f) {
		t.Errorf("the same seed drew other members")
	}
}

// A time series: persistence repeats the row before each window, seasonal naive repeats the season
// before it (lead h is row start − period + h mod period), and the truth is the window's rows.
func TestBaselineSeries(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("a,b\n")
	for r := range 30 {
		fmt.Fprintf(&csv, "%d,%d\n", r, 100+r*r)
	}
	in := filepath.Join(dir, "s.csv")
	if err := os.WriteFile(in, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	row := func(r, n int) float64 { return []float64{float64(r), float64(100 + r*r)}[n] }
	for _, method := range []string{"persistence", "seasonal-naive"} {
		o := baselineOptions(in, filepath.Join(dir, method+".npy"))
		o.Method, o.Starts, o.Lead, o.Members, o.Period, o.TruthOut = method, []int{10, 20}, 4, 2, 3, filepath.Join(dir, method+".truth.npy")
		o.Series.Missing, o.Series.Ragged = "error", "error"
		o.Given = func(name string) bool {
			return name == "starts" || name == "lead" || name == "period" && method == "seasonal-naive"
		}
		if err := Baseline(o); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		f, truth := readArray(t, o.Out), readArray(t, o.TruthOut)
		if fmt.Sprint(f.Shape) != "[2 2 4 2]" || fmt.Sprint(truth.Shape) != "[2 4 2]" {
			t.Fatalf("%s: shapes %v %v", method, f.Shape, truth.Shape)
		}
		fv, tv := f.Float64(), truth.Float64()
		for b, s := range o.Starts {
			for h := range 4 {
				src := s - 1
				if method == "seasonal-naive" {
					src = s - 3 + h%3
				}
				for n := range 2 {
					if got := fv[((b*2+1)*4+h)*2+n]; math.Abs(got-row(src, n)) > 1e-9 {
						t.Errorf("%s case %d lead %d series %d: %v, want row %d's %v", method, b, h, n, got, src, row(src, n))
					}
					if got := tv[(b*4+h)*2+n]; math.Abs(got-row(s+h, n)) > 1e-9 {
						t.Errorf("%s truth case %d lead %d series %d: %v, want %v", method, b, h, n, got, row(s+h, n))
					}
				}
			}
		}
	}
}

// Bad options are refused naming their flags, before anything is written.
func TestBaselineRefusals(t *testing.T) {
	dir := t.TempDir()
	in := writeNPY(t, dir, "series.npy", ramp(8), 8, 1, 2, 3)
	out := filepath.Join(dir, "o.npy")
	for _, c := range []struct {
		name string
		edit func(o *BaselineOptions)
		want string
	}{
		{"no out", func(o *BaselineOptions) { o.Out = "" }, "--out is required"},
		{"run and like", func(o *BaselineOptions) { o.Run, o.Like = "r", "l" }, "--run r and --like l"},
		{"members", func(o *BaselineOptions) { o.Members = 0 }, "--members"},
		{"method", func(o *BaselineOptions) { o.Method = "oracle" }, `--method "oracle"`},
		{"series method", func(o *BaselineOptions) { o.Method = "random-walk" }, "--method random-walk is for time series"},
		{"no pool", func(o *BaselineOptions) { o.Method = "climatology" }, "--method climatology needs --pool"},
		{"period", func(o *BaselineOptions) { o.Given = func(n string) bool { return n == "period" } }, "--period is for time series"},
		{"overwrite", func(o *BaselineOptions) { o.Out = in }, "--out"},
		{"like without sidecar", func(o *BaselineOptions) { o.Like = in }, "--like " + in + ": no forecast sidecar"},
		{"too many frames", func(o *BaselineOptions) { o.Starts, o.Lead = []int{6}, 5 }, "--starts 6: a case needs 2 context frames"},
	} {
		o := baselineOptions(in, out)
		o.Cases, o.Context, o.Lead = 2, 2, 2
		c.edit(&o)
		err := Baseline(o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused baseline wrote %s", out)
	}
}
