package diffusion

import (
	"math"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// scaleStep multiplies x by its variable "w" (a scalar, 2 at creation), evaluated twice per graph (as
// Heun's two stages do), in a sub-scope: out = w·(w·x) [+ z] [+ cond].
func scaleStep(scope *model.Scope, xs []*Node, _, z *Node, cond []*Node) []*Node {
	x := xs[0]
	eval := func(s *model.Scope, v *Node) *Node {
		w := s.In("layer").VariableWithValue("w", float32(2)).NodeValue(v.Graph())
		return Mul(v, w)
	}
	out := eval(Fresh(scope), eval(Fresh(scope), x))
	if z != nil {
		out = Add(out, z)
	}
	if len(cond) > 0 {
		out = Add(out, cond[0])
	}
	return []*Node{out}
}

// run calls step kind k of p (no host scalars used) and returns its first output's values.
func run(t *testing.T, p *Program, k int, x, z *tensors.Tensor, cond []*tensors.Tensor) []float32 {
	t.Helper()
	out, err := p.Call(k, []*tensors.Tensor{x}, Scalars(0), z, cond)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out[0])
}

// A Program compiles each step kind once per input shape, however often it is called; it reads the
// variables live (a new value set between calls is used by the next call, which a plain model.Exec on
// the Go backend does not do: the check in the middle shows the baking that Live avoids), whether the
// variable existed before the first compilation or was created by it with its value (then the first
// graph embedded it and the Program compiles once more); it repeats the conditioning rows to the
// members of each case.
func TestProgramCompilesOnceAndReadsLive(t *testing.T) {
	for _, before := range []bool{true, false} {
		b := tensortest.Backend(t)
		scope := model.NewStore().RootScope()
		compiles := 1 // per shape
		if before {
			scope.In("layer").VariableWithValue("w", float32(2))
		}
		p, err := NewProgram("test", b, scope)
		if err != nil {
			t.Fatal(err)
		}
		k, err := p.Add(scaleStep, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		x := tensors.FromValue([][]float32{{1}, {2}, {3}, {4}})
		cond := []*tensors.Tensor{tensors.FromValue([][]float32{{10}, {20}})} // 2 cases × 2 members
		for range 5 {
			if got := run(t, p, k, x, nil, cond); !slices.Equal(got, []float32{14, 18, 32, 36}) {
				t.Fatalf("got %v, want [14 18 32 36]", got)
			}
		}
		if !before {
			compiles = 2 // the first graph embedded w, created with its value
		}
		if n := p.Compilations(); n != compiles {
			t.Errorf("w created before %v: 5 calls of one shape compiled %d graphs, want %d", before, n, compiles)
		}
		run(t, p, k, tensors.FromValue([][]float32{{1}, {2}}), nil, nil)
		if n := p.Compilations(); n != compiles+1 {
			t.Errorf("w created before %v: a second shape: %d compilations, want %d", before, n, compiles+1)
		}

		// New weights, same executables: the next call sees them.
		w := scope.ResetVisited().In("layer").GetVariable("w")
		w.MustSetValue(tensors.FromValue(float32(3)))
		if got := run(t, p, k, x, nil, cond); !slices.Equal(got, []float32{19, 28, 47, 56}) {
			t.Errorf("w created before %v: after setting w = 3: got %v, want [19 28 47 56]", before, got)
		}
		if n := p.Compilations(); n != compiles+1 {
			t.Errorf("w created before %v: new weights recompiled: %d compilations, want %d", before, n, compiles+1)
		}
		// Without Live, the Go backend bakes w into the executable (GoMLX's PreferConstantsForVariables).
		baked, err := model.NewExec(b, scope.Store(), func(_ *model.Scope, x *Node) *Node {
			return Mul(x, scope.ResetVisited().In("layer").GetVariable("w").NodeValue(x.Graph()))
		})
		if err != nil {
			t.Fatal(err)
		}
		one := tensors.FromValue([]float32{1})
		v1, err := baked.Call(one)
		if err != nil {
			t.Fatal(err)
		}
		w.MustSetValue(tensors.FromValue(float32(5)))
		v2, err := baked.Call(one)
		if err != nil {
			t.Fatal(err)
		}
		baked.Finalize()
		if a, c := tensors.MustCopyFlatData[float32](v1[0])[0], tensors.MustCopyFlatData[float32](v2[0])[0]; a != 3 || c != 3 {
			t.Errorf("a plain executable gave %v then %v, want 3 and 3 (baked): GoMLX changed, revisit Live's doc", a, c)
		}
		if got := run(t, p, k, x, nil, cond); !slices.Equal(got, []float32{35, 60, 95, 120}) {
			t.Errorf("w created before %v: after setting w = 5: got %v, want [35 60 95 120]", before, got)
		}
		p.Close()
	}
}

// Noisy steps take z; a step panicking with a non-error value is an error, and breaks the Program; bad
// inputs are refused by Begin with errors naming them.
func TestProgramErrors(t *testing.T) {
	b := tensortest.Backend(t)
	if _, err := NewProgram("test", nil, nil); err == nil || !strings.Contains(err.Error(), "Backend") {
		t.Errorf("nil backend: %v", err)
	}
	p, _ := NewProgram("test", b, nil)
	noisy, _ := p.Add(scaleStep, 1, true)
	x := tensors.FromValue([][]float32{{1}, {2}})
	if got := run(t, p, noisy, x, tensors.FromValue([][]float32{{1}, {1}}), nil); !slices.Equal(got, []float32{5, 9}) {
		t.Errorf("noisy step: %v, want [5 9]", got)
	}
	xs := []*tensors.Tensor{x}
	if _, err := p.Call(noisy, xs, Scalars(0), nil, nil); err == nil {
		t.Error("a noisy step ran without noise")
	}
	if _, err := p.Call(noisy, []*tensors.Tensor{x, x}, Scalars(0), x, nil); err == nil || !strings.Contains(err.Error(), "state") {
		t.Errorf("a step of 1 state tensor given 2: err = %v", err)
	}
	if _, err := p.Add(scaleStep, 0, false); err == nil {
		t.Error("a step without state accepted")
	}
	bad, _ := p.Add(func(*model.Scope, []*Node, *Node, *Node, []*Node) []*Node { panic("boom") }, 1, false)
	if _, err := p.Call(bad, xs, Scalars(0), nil, nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking step: err = %v", err)
	}
	if _, err := p.Call(noisy, xs, Scalars(0), x, nil); err == nil {
		t.Error("a broken Program kept running")
	}
	p.Close()

	nan := tensors.FromValue([][]float32{{1}, {float32(math.NaN())}})
	for _, c := range []struct {
		name, want string
		x          *tensors.Tensor
		cond       []*tensors.Tensor
	}{
		{"nil", "nil", nil, nil},
		{"float64", "float32", tensors.FromValue([][]float64{{1}}), nil},
		{"rank", "[batch, frames]", tensors.FromValue([]float32{1}), nil},
		{"NaN x", "flat index 1", nan, nil},
		{"NaN cond", "Cond[0]", x, []*tensors.Tensor{nan}},
		{"cond rows", "divide", x, []*tensors.Tensor{tensors.FromValue([][]float32{{1}, {2}, {3}})}},
	} {
		if _, err := Begin("test", c.x, 2, "[batch, frames]", c.cond, 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	// 4 rows for 2 cond rows: 2 cases × 2 members, so row 2 (case 1, member 0) draws what case 1's only
	// member draws when there is one member per case.
	four, err := Begin("test", tensors.FromValue([][]float32{{1}, {2}, {3}, {4}}), 2, "", []*tensors.Tensor{x}, 9)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Begin("test", x, 2, "", []*tensors.Tensor{x}, 9)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := tensors.MustCopyFlatData[float32](four.Next()), tensors.MustCopyFlatData[float32](two.Next()); a[2] != b[1] || a[0] != b[0] || a[1] == a[0] {
		t.Errorf("per-step noise of 2 cases × 2 members %v against 2 × 1 %v: not keyed by (case, member)", a, b)
	}
}
