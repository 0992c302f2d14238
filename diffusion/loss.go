package diffusion

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// LossOptions are the training noise distribution and σ_data (Karras et al. 2022, Table 1; NVlabs/edm's
// EDMLoss): by default EDM's ln σ ~ N(PMean, PStd²); Dist, when set, replaces it (e.g. a VP table's
// uniform t).
type LossOptions struct {
	PMean, PStd, SigmaData float64
	Dist                   NoiseDist
}

// NoiseDist is a training distribution of noise levels: SampleSigma draws batch values σ [batch] from
// the random state of scope's store.
type NoiseDist interface {
	SampleSigma(scope *model.Scope, g *Graph, batch int) *Node
}

// LogNormal is EDM's training distribution ln σ ~ N(PMean, PStd²) (Karras et al. 2022, Table 1).
type LogNormal struct{ PMean, PStd float64 }

// SampleSigma draws σ = exp(P_mean + P_std·ξ), ξ ~ N(0, 1).
func (l LogNormal) SampleSigma(scope *model.Scope, g *Graph, batch int) *Node {
	xi := scope.RandomNormal(g, shapes.Make(dtypes.Float32, batch))
	return Exp(AddScalar(MulScalar(xi, l.PStd), l.PMean))
}

// dist is the options' noise distribution.
func (o LossOptions) dist() NoiseDist {
	if o.Dist != nil {
		return o.Dist
	}
	return LogNormal{PMean: o.PMean, PStd: o.PStd}
}

// DefaultLossOptions returns EDM's defaults: P_mean = −1.2, P_std = 1.2, σ_data = 0.5.
func DefaultLossOptions() LossOptions {
	return LossOptions{PMean: -1.2, PStd: 1.2, SigmaData: DefaultSigmaData}
}

func (o LossOptions) check() error {
	if o.Dist == nil && !(o.PStd > 0) || !(o.SigmaData > 0) {
		return fmt.Errorf("diffusion: loss options %+v: PStd (without a Dist) and SigmaData must be positive", o)
	}
	return nil
}

// LossWeight is λ(σ) = (σ² + σ_d²)/(σ·σ_d)² (Karras et al. 2022, Table 1).
func LossWeight(sigma, sigmaData float64) float64 {
	return (sigma*sigma + sigmaData*sigmaData) / (sigma * sigma * sigmaData * sigmaData)
}

// Loss is the EDM training loss for given noise levels sigma [batch] and unit noise n shaped like the clean
// data y (Karras et al. 2022, eq. 2 weighted by λ(σ) of Table 1): the mean over every element of λ(σ)·(D(y +
// σn; σ) − y)².
func Loss(scope *model.Scope, d DenoiserFn, sigmaData float64, y, sigma, n *Node, cond []*Node) *Node {
	if !y.Shape().Equal(n.Shape()) {
		exceptions.Panicf("diffusion.Loss: y %s and n %s differ in shape", y.Shape(), n.Shape())
	}
	s := PerSample(y, sigma)
	den := Mul(Square(s), Scalar(y.Graph(), y.DType(), sigmaData*sigmaData))
	weight := Div(AddScalar(Square(s), sigmaData*sigmaData), den)
	out := d(scope, Add(y, Mul(s, n)), ConvertDType(sigma, y.DType()), cond)
	return ReduceAllMean(Mul(weight, Square(Sub(out, y))))
}

// SampleSigma draws batch training noise levels from opt's distribution (by default σ = exp(P_mean +
// P_std·ξ), ξ ~ N(0, 1)), from the random state of scope's store.
func SampleSigma(scope *model.Scope, g *Graph, opt LossOptions, batch int) *Node {
	return opt.dist().SampleSigma(scope, g, batch)
}

// RandomLoss is Loss with σ from SampleSigma and n ~ N(0, I) from scope's store; it panics (inside graph
// building, where GoMLX turns it into the executor's error) on invalid options.
func RandomLoss(scope *model.Scope, d DenoiserFn, opt LossOptions, y *Node, cond []*Node) *Node {
	if err := opt.check(); err != nil {
		panic(err)
	}
	g := y.Graph()
	sigma := SampleSigma(scope, g, opt, y.Shape().Dimensions[0])
	n := scope.RandomNormal(g, y.Shape())
	return Loss(scope, d, opt.SigmaData, y, sigma, n, cond)
}
