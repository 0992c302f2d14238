package navierstokes

import (
	"fmt"
	"math"

	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/nsref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestAgreesWithNumPy takes one step from the same turbulent state in Go and in the independent NumPy
// reference (flux-form nonlinear term, numpy.fft real transforms), with the forcing off and with the same
// forcing realisation, and requires the grids to agree to round-off.
func TestAgreesWithNumPy(t *testing.T) {
	py := pyref.ForTest(t, "numpy")
	for _, c := range []struct {
		n      int
		forced bool
	}{{32, false}, {64, true}, {48, true}} {
		t.Run(fmt.Sprintf("n=%d/forced=%v", c.n, c.forced), func(t *testing.T) {
			p := DefaultParams(c.n)
			p.Seed = 7
			if !c.forced {
				p.Eps = 0
			}
			s := mustSolver(t, p)
			s.setRandomFlow(11, 4, 0.5)
			for i := 0; i < 20; i++ { // let the forcing leave its mark
				s.Step()
			}
			dir := t.TempDir()
			zeta0 := s.Vorticity(nil)
			writeGrid(t, filepath.Join(dir, "zeta.npy"), c.n, zeta0)
			args := []string{"step", "--n", fmt.Sprint(c.n), "--nu", fmt.Sprint(s.p.Nu), "--order", "2",
				"--mu", fmt.Sprint(p.Mu), "--dt", fmt.Sprint(p.Dt), "--zeta", filepath.Join(dir, "zeta.npy"),
				"--out", filepath.Join(dir, "out.npy")}
			if c.forced {
				s.force.draw(s.fh)
				writeGrid(t, filepath.Join(dir, "force.npy"), c.n, s.forcingGrid())
				args = append(args, "--force", filepath.Join(dir, "force.npy"))
			}
			if out, err := pyref.Run(py, nsref.Script, args...); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			s.advance()
			got := s.Vorticity(nil)
			ref, err := data.ReadNPY(filepath.Join(dir, "out.npy"))
			if err != nil {
				t.Fatal(err)
			}
			want := ref.Float64()
			var scale, diff, change float64
			for i := range got {
				scale = math.Max(scale, math.Abs(want[i]))
				diff = math.Max(diff, math.Abs(got[i]-want[i]))
				change = math.Max(change, math.Abs(want[i]-zeta0[i]))
			}
			t.Logf("max|ζ| %.3g, max change over the step %.3g, max |Go − NumPy| %.3g", scale, change, diff)
			if diff > 1e-12*scale {
				t.Fatalf("Go and NumPy steps differ by %.3g (max|ζ| = %.3g)", diff, scale)
			}
		})
	}
}

func writeGrid(t *testing.T, path string, n int, v []float64) {
	t.Helper()
	if err := data.WriteNPY(path, data.FromFloat64(v, n, n)); err != nil {
		t.Fatal(err)
	}
}

// forcingGrid returns the grid forcing field F of the current realisation s.fh.
func (s *Solver) forcingGrid() []float64 {
	norm := 1 / (float64(s.n) * float64(s.n))
	s.toGrid(func(i int) (complex128, complex128) { return scale(norm, s.fh[i]), 0 })
	return s.gridPart(nil, true)
}

func mustSolver(t testing.TB, p Params) *Solver {
	t.Helper()
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
