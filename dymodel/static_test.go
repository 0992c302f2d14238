package dymodel

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
	"github.com/tidal-forecast/tidal/train"
)

// staticPattern is a non-constant field on the 8×8 grid of tinyConfig, S channels (channel c scaled by
// 10^c and shifted, so that the per-channel normalisation matters).
func staticPattern(S int) *dataset.Static {
	v := make([]float32, S*64)
	for c := range S {
		for h := range 8 {
			for w := range 8 {
				x := math.Sin(2*math.Pi*float64(w)/8)*math.Cos(2*math.Pi*float64(h)/8) + 0.5*math.Sin(4*math.Pi*float64(h+c)/8)
				v[(c*8+h)*8+w] = float32(x*math.Pow(10, float64(c)) + 3)
			}
		}
	}
	s, err := dataset.NewStatic("pattern", data.FromFloat32(v, S, 8, 8))
	if err != nil {
		panic(err)
	}
	return s
}

// staticConfig is tinyConfig with the S channels of s.
func staticConfig(net string, s *dataset.Static) Config {
	c := tinyConfig()
	c.Net = net
	n := s.Norm()
	c.Static = &StaticConfig{Channels: s.Channels, Mean: n.Mean, Std: n.Std}
	return c
}

// Model.Net gives the UNet the static fields, normalised per channel, as S channels after the frames
// and masks: it equals the bare UNet applied to the host-built inputs, and other static fields change
// its output. The video network and the DiT take them too, and a model built with static channels but given none
// is refused.
func TestNetStaticConditioning(t *testing.T) {
	s := staticPattern(2)
	for _, net := range []string{"unet", "video", "dit"} {
		c := staticConfig(net, s)
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetStatic(s); err != nil {
			t.Fatal(err)
		}
		store := model.NewStore()
		const B = 2
		x, _ := noise.Initial(3, B, 5, 2, 8, 8)
		ctx, _ := noise.Initial(4, B, 2, 2, 8, 8)
		tt := tensors.FromValue([]float32{100, 700})
		call := func(fn func(scope *model.Scope, in []*Node) *Node, args ...any) []float32 {
			e, err := model.NewExec(tensortest.Backend(t), store, fn)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Finalize()
			out, err := e.Call(args...)
			if err != nil {
				t.Fatal(err)
			}
			return tensors.MustCopyFlatData[float32](out[0])
		}
		netFn := func(scope *model.Scope, in []*Node) *Node { return m.Net(scope, in[0], in[1], in[2:]) }
		call(netFn, x, tt, ctx) // creates the variables
		tensortest.RandomizeVariables(t, store, 7, 0.2)
		got := call(netFn, x, tt, ctx)
		if net == "unet" {
			// Host-built inputs: frames (context, then zeros), masks, static normalised per channel.
			F := 2 * 64
			cv := tensors.MustCopyFlatData[float32](ctx)
			frames := make([]float32, B*5*F)
			masks := make([]float32, B*5*2*64)
			for b := range B {
				copy(frames[b*5*F:], cv[b*2*F:(b+1)*2*F])
				for f := range 5 {
					for p := range 64 {
						if f < 2 {
							masks[((b*5+f)*2)*64+p] = 1
						}
						if f == 2 {
							masks[((b*5+f)*2+1)*64+p] = 1
						}
					}
				}
			}
			n := s.Norm()
			st := make([]float32, 0, B*2*64)
			for range B {
				for i, v := range s.Values {
					c := i / 64
					st = append(st, float32((float64(v)-n.Mean[c])/n.Std[c]))
				}
			}
			want := call(func(scope *model.Scope, in []*Node) *Node { return m.unet.Apply(scope, in[0], in[1], in[2:]) },
				x, tt, tensors.FromFlatDataAndDimensions(frames, B, 5, 2, 8, 8), tensors.FromFlatDataAndDimensions(masks, B, 5, 2, 8, 8),
				tensors.FromFlatDataAndDimensions(st, B, 2, 8, 8))
			tensortest.CheckClose(t, "Net vs UNet on host-built conditioning with static fields", got, want, 1e-5)
		}
		if v := maxAbs(got); v < 1e-3 {
			t.Fatalf("%s: output %v: the random weights left it ~0, the comparison is void", net, v)
		}
		other := slices.Clone(s.Values)
		other[9] += 5
		os, _ := dataset.NewStatic("other", data.FromFloat32(other, 2, 8, 8))
		if err := m.SetStatic(os); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(got, call(netFn, x, tt, ctx)); d < 1e-4 {
			t.Errorf("%s: other static fields changed the output by %v", net, d)
		}
		bare, _ := New(c)
		e, err := model.NewExec(tensortest.Backend(t), store, func(scope *model.Scope, in []*Node) *Node { return bare.Net(scope, in[0], in[1], in[2:]) })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Call(x, tt, ctx); err == nil || !strings.Contains(err.Error(), "static") {
			t.Errorf("%s: a model with static channels but no fields: %v, expected an error naming them", net, err)
		}
		e.Finalize()
	}
}

// SetStatic refuses fields that do not fit the configuration, and a configuration without static
// channels refuses fields; Validate refuses bad statistics; a configuration recorded before static
// fields existed parses as none.
func TestStaticValidation(t *testing.T) {
	s := staticPattern(2)
	m, err := New(staticConfig("unet", s))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetStatic(staticPattern(1)); err == nil || !strings.Contains(err.Error(), "[2, 8, 8]") {
		t.Errorf("one channel for a two-channel model: %v", err)
	}
	if err := m.SetStatic(nil); err == nil {
		t.Error("no fields for a model with static channels: no error")
	}
	plain, _ := New(tinyConfig())
	if err := plain.SetStatic(s); err == nil || !strings.Contains(err.Error(), "without static") {
		t.Errorf("fields for a model without static channels: %v", err)
	}
	c := staticConfig("unet", s)
	c.Static.Std[1] = 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "static") {
		t.Errorf("std 0: %v", err)
	}
	c = staticConfig("series", s)
	c.Frame = []int{3}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "static") {
		t.Errorf("static fields on a series model: %v", err)
	}
	old, err := Parse([]byte(`{"method":"dydiff","net":"unet","context":2,"predict":3,"eta":0.5,"noising":"dependent","frame":[2,8,8],"unet":{"channels":8,"mults":[1,2],"blocks":1,"heads":1,"periodic":true,"groups":4}}`))
	if err != nil || old.Static != nil || old.StaticChannels() != 0 {
		t.Errorf("a configuration without static fields: %+v, %v", old.Static, err)
	}
}

// A network given a static field that the target needs learns to use it: windows of one context frame
// a·1 + noise (a random per window) and one target frame a + s, s a fixed pattern of white noise. With
// periodic padding the network cannot tell positions apart, and s has a flat spectrum, so without s no
// filter of the noisy target beats per-pixel shrinkage (EDM-weighted loss ≈ 1 per target value at every
// σ); with s as a static channel it learns the target. The same
// training (seed, steps, data) reaches a loss at least a third lower with the static channel.
func TestStaticFieldIsLearned(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small models")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	pattern := make([]float32, 64)
	for p := range pattern {
		pattern[p] = float32(rng.NormFloat64())
	}
	s, err := dataset.NewStatic("white pattern", data.FromFloat32(pattern, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	const pairs = 256
	v := make([]float32, 2*pairs*64)
	for i := range pairs {
		a := 2*rng.Float64() - 1
		for p := range 64 {
			v[(2*i)*64+p] = float32(a + 0.1*rng.NormFloat64())
			v[(2*i+1)*64+p] = float32(a) + pattern[p]
		}
	}
	series := dataset.Series{Name: "pairs", Data: v, Shape: []int{2 * pairs, 1, 8, 8}}
	loss := func(withStatic bool) float64 {
		c := tinyConfig()
		c.Context, c.Predict, c.Frame, c.Eta, c.Param, c.Anchor, c.EDM = 1, 1, []int{1, 8, 8}, 0, ParamEDM, AnchorNone, DefaultEDM()
		c.UNet.Channels, c.UNet.Head = 16, DefaultHead
		if withStatic {
			n := s.Norm()
			c.Static = &StaticConfig{Channels: 1, Mean: n.Mean, Std: n.Std}
		}
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		if withStatic {
			if err := m.SetStatic(s); err != nil {
				t.Fatal(err)
			}
		}
		trw, _, norm, err := dataset.Split([]dataset.Series{series}, dataset.Options{Frames: 2, Stride: 2, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		opt := train.Defaults()
		opt.Steps, opt.BatchSize, opt.LR, opt.Seed, opt.LogEvery, opt.CheckpointEvery = 200, 16, 3e-3, 1, 10, 200
		run := t.TempDir()
		if _, err := train.Run(context.Background(), train.Job{Dir: run, Options: opt, Config: c, Norm: norm,
			Backend: tensortest.Backend(t), Loss: m.Loss, Train: trw}); err != nil {
			t.Fatal(err)
		}
		st, err := train.ReadStats(run)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		tail := st[len(st)-10:]
		for _, x := range tail {
			sum += x.Loss
		}
		return sum / float64(len(tail))
	}
	with, without := loss(true), loss(false)
	t.Logf("final training loss: %.4f with the static field, %.4f without", with, without)
	if !(with < 0.67*without) {
		t.Errorf("loss %.4f with the static field, %.4f without: expected at least a third lower with it", with, without)
	}
}
