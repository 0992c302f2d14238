package dymodel

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// Context noise perturbs the observed frames of a training window only: the predicted frames come
// back bit for bit, the observed ones with added noise of mean 0 and standard deviation ContextNoise
// (over 64 windows × 2 frames × 128 values: mean within 4 standard errors, std within 3 %), and a
// model without it returns the window untouched.
func TestNoisyContextPerturbsTheObservedFramesOnly(t *testing.T) {
	const B, s = 64, 0.3
	x0, _ := noise.Initial(4, B, 5, 2, 8, 8)
	xv := tensors.MustCopyFlatData[float32](x0)
	F := 2 * 8 * 8
	for _, cn := range []float64{s, 0} {
		c := tinyConfig()
		c.ContextNoise = cn
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		e, err := model.NewExec(tensortest.Backend(t), model.NewStore(), func(scope *model.Scope, x *Node) *Node {
			return m.noisyContext(scope, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Call(x0)
		e.Finalize()
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](out[0])
		var sum, sq float64
		n := 0
		for b := range B {
			for f := range 5 {
				for i := range F {
					k := (b*5+f)*F + i
					d := float64(got[k] - xv[k])
					if f >= 2 || cn == 0 {
						if d != 0 {
							t.Fatalf("context noise %g: window %d frame %d value %d changed by %g, expected untouched", cn, b, f, i, d)
						}
						continue
					}
					sum += d
					sq += d * d
					n++
				}
			}
		}
		if cn == 0 {
			continue
		}
		mean := sum / float64(n)
		std := math.Sqrt(sq/float64(n) - mean*mean)
		t.Logf("context noise %g: observed frames' added noise mean %.4f, std %.4f", cn, mean, std)
		if math.Abs(mean) > 4*s/math.Sqrt(float64(n)) || math.Abs(std/s-1) > 0.03 {
			t.Errorf("context noise %g: added noise of mean %.4f and std %.4f", cn, mean, std)
		}
	}
}

// A negative, NaN or huge context noise, or one on a series model, is refused naming it.
func TestContextNoiseValidated(t *testing.T) {
	for _, v := range []float64{-0.1, math.NaN(), math.Inf(1), 11} {
		c := tinyConfig()
		c.ContextNoise = v
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), "context noise") {
			t.Errorf("context noise %v: %v, want an error naming it", v, err)
		}
	}
	c := Config{Method: Method, Net: "series", Context: 4, Predict: 2, Eta: 0.5, Noising: "dependent", Frame: []int{3}, ContextNoise: 0.1}
	if _, err := New(c); err == nil || !strings.Contains(err.Error(), "context noise") {
		t.Errorf("series with context noise: %v, want an error naming it", err)
	}
}
