// Package seriesnetbench measures how the training step of nets.SeriesNet grows with the number of
// series N: one AdamW step on windows of a fixed length at several N, timed in the same run, beside
// the ratio that the network's FLOP count predicts (linear in N, docs/NETS.md). A time ratio close to
// the FLOP ratio shows that no hidden quadratic term (an N×N product, a copy per pair) sits in the
// graph.
package seriesnetbench

import (
	"fmt"
	"io"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/convbench"
	"github.com/tidal-forecast/tidal/nets"
)

// Options size the benchmark: Batch windows of Steps time steps (Context of them observed) for each
// number of series in Series, each step timed Repeats times after one warm-up step.
type Options struct {
	Config       nets.SeriesConfig
	Batch, Steps int
	Context      int
	Series       []int
	Repeats      int
	// MaxTokens refuses sizes with more than this many (window, step, series) tokens before
	// anything is allocated; 0 means no limit.
	MaxTokens int
}

// Default is the recorded run: the default network, 4 windows of 60 steps (30 observed, as the
// exchange-rate protocol's context and prediction length), 64 to 512 series.
var Default = Options{Batch: 4, Steps: 60, Context: 30, Series: []int{64, 128, 256, 512}, Repeats: 3, MaxTokens: 1 << 20}

// Row is the measurement at one number of series.
type Row struct {
	N     int
	Step  time.Duration // median time of one training step
	FLOPs float64       // SeriesNet.FLOPs(...).Training
}

// Run times the training step at each N of opt.Series and writes a report to w: per N the median
// step time, the rate, and the time and FLOP ratios against the first N.
func Run(b compute.Backend, opt Options, w io.Writer) ([]Row, error) {
	if opt.Batch < 1 || opt.Steps < 2 || opt.Context < 1 || opt.Context >= opt.Steps || len(opt.Series) == 0 || opt.Repeats < 1 {
		return nil, fmt.Errorf("seriesnetbench: need Batch ≥ 1, 1 ≤ Context < Steps, some Series and Repeats ≥ 1, got %+v", opt)
	}
	net, err := nets.NewSeries(opt.Config)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "SeriesNet training step (AdamW), %d windows × %d steps, %d parameters, branches %d; %s\n",
		opt.Batch, opt.Steps, net.NumParams(), opt.Config.Branches, benchenv.Describe())
	var rows []Row
	for _, N := range opt.Series {
		if N < 1 || (opt.MaxTokens > 0 && opt.Batch*opt.Steps*N > opt.MaxTokens) {
			return rows, fmt.Errorf("seriesnetbench: %d series give %d tokens, expected 1..%d", N, opt.Batch*opt.Steps*N, opt.MaxTokens)
		}
		d, err := timeStep(b, net, opt, N)
		if err != nil {
			return rows, fmt.Errorf("seriesnetbench: %d series: %w", N, err)
		}
		r := Row{N: N, Step: d, FLOPs: net.FLOPs(opt.Batch, opt.Steps, N).Training}
		rows = append(rows, r)
		fmt.Fprintf(w, "  N %5d   step %9.2f ms   %6.2f GFLOP/s   time ratio %6.2f   FLOP ratio %6.2f\n",
			N, float64(d.Microseconds())/1e3, r.FLOPs/d.Seconds()/1e9, d.Seconds()/rows[0].Step.Seconds(), r.FLOPs/rows[0].FLOPs)
	}
	return rows, nil
}

// timeStep compiles one AdamW step of the network on random windows of N series (target: random
// noise, the DyDiff loss's shape) and returns the median of opt.Repeats timed steps.
func timeStep(b compute.Backend, net *nets.SeriesNet, opt Options, N int) (time.Duration, error) {
	adamW := optimizer.Adam().LearningRate(1e-4).WeightDecay(0.01).Done()
	c := net.Config()
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
		g := in[0].Graph()
		scope.SetTraining(g, true)
		cond := nets.SeriesConditioning(in[2], opt.Context)
		if c.ScaleInput {
			cond = append(cond, in[4])
		}
		pred := net.Apply(scope, in[0], in[1], cond)
		loss := ReduceAllMean(Square(Sub(pred, in[3])))
		adamW.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	B, L := opt.Batch, opt.Steps
	fill := convbench.Tensor
	t := make([]float32, B)
	for i := range t {
		t[i] = float32((97 * i) % 1000)
	}
	args := []any{fill(1, B, L, N), tensors.FromFlatDataAndDimensions(t, B), fill(2, B, L, N), fill(3, B, L, N), fill(4, B, N)}
	if !c.ScaleInput {
		args = args[:4]
	}
	var ts []time.Duration
	for i := range opt.Repeats + 1 {
		t0 := time.Now()
		outs, err := exec.Call(args...)
		if err != nil {
			return 0, err
		}
		for _, o := range outs {
			o.FinalizeAll()
		}
		if i > 0 {
			ts = append(ts, time.Since(t0))
		}
	}
	return benchenv.Median(ts), nil
}
