package dydiffbench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
	"github.com/tidal-forecast/tidal/train"
)

func envF(k string, d float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return d
}

// TestDiagDDIMSteps is the measurement behind docs/DYDIFF.md, "DDIM steps with an under-trained network",
// not a check: with DIAG=1 it trains (or reuses) a --quick model (η = DIAG_ETA, default 0.5; DIAG_STEPS
// training steps, default 400) in DIAG_DIR (default a fixed folder under the temporary directory), then
// logs the network's ε and x̂₀ error on noised truth windows per t, and DDIM trajectories (10 and 50
// steps, the 50-step grid cut at 901, 10 steps over 1..981, x̂₀ clipped): the rms of x and ê, the x̂₀
// error against the truth at each visited τ and the CRPS, run by a float64 host loop written from the
// reference's ddim_dydiff.py, and for 10 and 50 steps the difference from dydiff.DDIM on the same noise.
func TestDiagDDIMSteps(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip("a measurement (docs/DYDIFF.md, \"DDIM steps\"); set DIAG=1 to run it")
	}
	b := tensortest.Backend(t)
	o := Quick()
	o.Steps = int(envF("DIAG_STEPS", 400))
	eta := envF("DIAG_ETA", 0.5)
	dir := os.Getenv("DIAG_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "tidal-ddim-diag")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	trainS, testS, err := turbulence(o, dir)
	if err != nil {
		t.Fatal(err)
	}
	P, S := o.Context, o.Predict
	L := P + S
	trw, _, norm, err := dataset.Split([]dataset.Series{trainS}, dataset.Options{Frames: L, Seed: o.Seed})
	if err != nil {
		t.Fatal(err)
	}
	mc := dymodel.Config{Method: dymodel.Method, Net: "unet", Context: P, Predict: S, Eta: eta, Noising: "dependent",
		Frame: trainS.FrameShape(), UNet: dymodel.UNetConfig{Channels: o.Channels, Mults: o.Mults, Blocks: o.Blocks, Heads: 1,
			Periodic: true, Groups: o.Groups}}
	m, err := dymodel.New(mc)
	if err != nil {
		t.Fatal(err)
	}
	opt := train.Defaults()
	opt.Steps, opt.BatchSize, opt.LR, opt.Seed = o.Steps, o.Batch, o.LR, int64(o.Seed)
	opt.EMAHalfLife, opt.LogEvery, opt.CheckpointEvery = float64(o.Batch*o.Steps)/8, max(o.Steps/10, 1), max(o.Steps/10, 1)
	run := filepath.Join(dir, fmt.Sprintf("eta%g-steps%d", eta, o.Steps))
	if _, err := train.Run(context.Background(), train.Job{Dir: run, Options: opt, Config: mc, Norm: norm, Backend: b, Loss: m.Loss, Train: trw}); err != nil {
		t.Fatal(err)
	}
	m, snap, err := dymodel.Load(run, nil)
	if err != nil {
		t.Fatal(err)
	}
	sch := m.Schedule
	testA := data.FromFloat32(testS.Data, testS.Shape...)
	cases, _ := forecast.EvenCases(testS.Frames(), P, S, o.Cases)
	F := data.NumElements(m.Config.Frame)
	inner := m.Config.Frame[1] * m.Config.Frame[2]
	B, M := o.Cases, o.Members
	N := B * M
	// truth windows (normalised), one per case
	win := make([][]float64, B)
	tv := testA.Float32()
	for i, s := range cases.Starts {
		w := append([]float32(nil), tv[(s-P)*F:(s+S)*F]...)
		norm.Normalize(w, inner)
		win[i] = make([]float64, L*F)
		for j, v := range w {
			win[i][j] = float64(v)
		}
	}
	ctxT := make([]float32, 0, N*P*F)
	for i := range B {
		for range M {
			for _, v := range win[i][:P*F] {
				ctxT = append(ctxT, float32(v))
			}
		}
	}
	ctxTensor := tensors.FromFlatDataAndDimensions(ctxT, append([]int{N, P}, m.Config.Frame...)...)
	exec, err := model.NewExec(b, snap.Store, func(scope *model.Scope, in []*Node) *Node {
		return m.Net(scope, in[0], in[1], in[2:])
	})
	if err != nil {
		t.Fatal(err)
	}
	net := func(x []float64, tt int) []float64 {
		xf := make([]float32, len(x))
		for i, v := range x {
			xf[i] = float32(v)
		}
		ts := make([]float32, N)
		for i := range ts {
			ts[i] = float32(tt)
		}
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(xf, append([]int{N, L}, m.Config.Frame...)...), tensors.FromValue(ts), ctxTensor)
		if err != nil {
			t.Fatal(err)
		}
		v := tensors.MustCopyFlatData[float32](out[0])
		r := make([]float64, len(v))
		for i, u := range v {
			r[i] = float64(u)
		}
		return r
	}
	row := L * F
	dyn := func(x []float64, g float64) []float64 {
		out := make([]float64, len(x))
		for n := range N {
			y, _ := dydiff.DynamicsFloat64(x[n*row:(n+1)*row], L, g)
			copy(out[n*row:], y)
		}
		return out
	}
	inv := func(x []float64, g float64) []float64 {
		out := make([]float64, len(x))
		for n := range N {
			y, _ := dydiff.InverseDynamicsFloat64(x[n*row:(n+1)*row], L, g)
			copy(out[n*row:], y)
		}
		return out
	}
	rms := func(x []float64, ctxPart bool) float64 {
		s, c := 0.0, 0
		for n := range N {
			lo, hi := P*F, L*F
			if ctxPart {
				lo, hi = 0, P*F
			}
			for j := lo; j < hi; j++ {
				s += x[n*row+j] * x[n*row+j]
				c++
			}
		}
		return math.Sqrt(s / float64(c))
	}
	errTruth := func(x []float64, ctxPart bool) float64 {
		d := make([]float64, len(x))
		for n := range N {
			for j := range row {
				d[n*row+j] = x[n*row+j] - win[n/M][j]
			}
		}
		return rms(d, ctxPart)
	}
	// fair CRPS over predicted frames, normalised units, lead 1 and mean
	crps := func(x []float64) (lead1, all float64) {
		per := make([]float64, S)
		for i := range B {
			for f := range S {
				for j := range F {
					k := (P+f)*F + j
					y := win[i][k]
					a, bb := 0.0, 0.0
					for mm := range M {
						xm := x[(i*M+mm)*row+k]
						a += math.Abs(xm - y)
						for m2 := range M {
							bb += math.Abs(xm - x[(i*M+m2)*row+k])
						}
					}
					per[f] += a/float64(M) - bb/(2*float64(M*(M-1)))
				}
			}
		}
		s := 0.0
		for f := range S {
			per[f] /= float64(B * F)
			s += per[f]
		}
		return per[0], s / float64(S)
	}
	{
		mx, over, n := 0.0, 0, 0
		for _, w := range win {
			for _, v := range w {
				mx = max(mx, math.Abs(v))
				if math.Abs(v) > 3 {
					over++
				}
				n++
			}
		}
		t.Logf("truth windows (normalised): max |x| %.3f, fraction beyond ±3 %.5f", mx, float64(over)/float64(n))
	}
	// 1) per-t network error on forward-noised truth windows
	epsT, _ := noise.Initial(77, N, L, m.Config.Frame[0], m.Config.Frame[1], m.Config.Frame[2])
	eps := tensortest.Float64s(epsT)
	x0 := make([]float64, N*row)
	for n := range N {
		copy(x0[n*row:], win[n/M])
	}
	t.Logf("η=%g, %d training steps: network error on noised truth windows (future frames)", eta, o.Steps)
	t.Logf("%5s %10s %10s %12s %12s %12s", "t", "ᾱ", "γ̄", "ε-rmse", "x̂₀-rmse", "x̂₀ ampl √((1−ᾱ)/ᾱ)")
	for _, tt := range []int{0, 1, 11, 21, 41, 61, 81, 101, 201, 301, 501, 701, 801, 901, 941, 961, 981, 999} {
		a, g := sch.AlphaBar(tt), sch.GammaBar(tt)
		de, dx := dyn(eps, g), dyn(x0, g)
		xt := make([]float64, len(x0))
		for i := range xt {
			xt[i] = math.Sqrt(a)*dx[i] + math.Sqrt(1-a)*de[i]
		}
		e := net(xt, tt)
		d := make([]float64, len(e))
		for i := range e {
			d[i] = e[i] - de[i]
		}
		xh := make([]float64, len(e))
		for i := range xh {
			xh[i] = (xt[i] - math.Sqrt(1-a)*e[i]) / math.Sqrt(a)
		}
		xh = inv(xh, g)
		t.Logf("%5d %10.3g %10.4f %12.4f %12.4f %12.2f", tt, a, g, rms(d, false), errTruth(xh, false), math.Sqrt((1-a)/a))
	}
	// 2) DDIM trajectories
	x0n, _ := noise.Ensemble{Cases: B, Members: M}.Initial(5, L, m.Config.Frame[0], m.Config.Frame[1], m.Config.Frame[2])
	xi := tensortest.Float64s(x0n)
	type grid struct {
		name string
		ts   []int
		clip float64
		prod bool
	}
	t10, _ := sch.Timesteps(10)
	t50, _ := sch.Timesteps(50)
	var from901, to981 []int
	for _, v := range t50 {
		if v <= 901 {
			from901 = append(from901, v)
		}
	}
	for k := range 10 {
		to981 = append(to981, 1+k*980/9)
	}
	grids := []grid{{"10 steps", t10, 0, true}, {"50 steps", t50, 0, true},
		{"50-step grid from 901", from901, 0, false}, {"10 steps 1..981", to981, 0, false},
		{"50 steps, x̂₀ clipped ±3", t50, 3, false}, {"50 steps, x̂₀ clipped ±5", t50, 5, false},
		{"10 steps, x̂₀ clipped ±3", t10, 3, false}}
	for _, gr := range grids {
		ts := gr.ts
		sort.Ints(ts)
		steps := len(ts)
		x := dyn(xi, sch.GammaBar(ts[len(ts)-1]))
		t.Logf("DDIM %s: τ = %v", gr.name, ts)
		t.Logf("%5s %9s %9s %10s %10s %10s %10s", "τ", "rms x", "rms ê", "x̂₀ err fut", "x̂₀ err ctx", "rms x̂₀", "crps1(x̂₀)")
		for i := len(ts) - 1; i >= 0; i-- {
			tt := ts[i]
			a, g := sch.AlphaBar(tt), sch.GammaBar(tt)
			ap, gp := 1.0, 1.0
			if i > 0 {
				ap, gp = sch.AlphaBar(ts[i-1]), sch.GammaBar(ts[i-1])
			}
			e := net(x, tt)
			xh := make([]float64, len(x))
			for j := range xh {
				xh[j] = (x[j] - math.Sqrt(1-a)*e[j]) / math.Sqrt(a)
			}
			xh = inv(xh, g)
			if gr.clip > 0 {
				for j := range xh {
					xh[j] = min(max(xh[j], -gr.clip), gr.clip)
				}
			}
			c1, _ := crps(xh)
			if steps <= 10 || i%5 == 4 || i < 2 {
				t.Logf("%5d %9.3f %9.3f %10.4f %10.4f %10.4f %10.4f", tt, rms(x, false), rms(e, false), errTruth(xh, false), errTruth(xh, true), rms(xh, false), c1)
			}
			ed := dyn(inv(e, g), gp)
			xd := dyn(xh, gp)
			for j := range x {
				x[j] = math.Sqrt(ap)*xd[j] + math.Sqrt(1-ap)*ed[j]
			}
		}
		c1, ca := crps(x)
		t.Logf("DDIM %s (host float64 loop): CRPS lead1 %.4f, mean %.4f (normalised units)", gr.name, c1, ca)
		if !gr.prod {
			continue
		}
		// the production sampler on the same noise
		d := dydiff.NoisePredictor{Backend: b, Scope: snap.Store.RootScope(), Net: m.Net}
		ctxB := make([]float32, 0, B*P*F)
		for i := range B {
			for _, v := range win[i][:P*F] {
				ctxB = append(ctxB, float32(v))
			}
		}
		out, err := dydiff.DDIM(d, x0n, []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ctxB, append([]int{B, P}, m.Config.Frame...)...)}, sch, dydiff.DDIMOptions{Steps: steps})
		if err != nil {
			t.Fatal(err)
		}
		pv := tensortest.Float64s(out)
		md := 0.0
		for j := range pv {
			md = max(md, math.Abs(pv[j]-x[j]))
		}
		p1, pa := crps(pv)
		t.Logf("DDIM %d steps (dydiff.DDIM): CRPS lead1 %.4f, mean %.4f; max |dydiff.DDIM − host loop| = %.2e", steps, p1, pa, md)
	}
}
