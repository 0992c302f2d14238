package diffusion

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// DefaultSigmaData is σ_data, the assumed standard deviation of the data (Karras et al. 2022, Table 1; Hess
// et al. 2025, Tab. 1).
const DefaultSigmaData = 0.5

// Net is the raw network F of the preconditioned denoiser: it gets the scaled input c_in·y
// [batch, ...], the noise conditioning c_noise [batch] and the conditioning inputs, and returns a tensor
// shaped like y. A network built with GoMLX layers takes its variables from scope.
type Net func(scope *model.Scope, x, cNoise *Node, cond []*Node) *Node

// CSkip is c_skip(σ) = σ_d²/(σ² + σ_d²) (Karras et al. 2022, Table 1).
func CSkip(sigma, sigmaData float64) float64 {
	return sigmaData * sigmaData / (sigma*sigma + sigmaData*sigmaData)
}

// COut is c_out(σ) = σ·σ_d/√(σ² + σ_d²) (Karras et al. 2022, Table 1).
func COut(sigma, sigmaData float64) float64 {
	return sigma * sigmaData / math.Sqrt(sigma*sigma+sigmaData*sigmaData)
}

// CIn is c_in(σ) = 1/√(σ² + σ_d²) (Karras et al. 2022, Table 1).
func CIn(sigma, sigmaData float64) float64 { return 1 / math.Sqrt(sigma*sigma+sigmaData*sigmaData) }

// CNoise is c_noise(σ) = ln(σ)/4 (Karras et al. 2022, Table 1).
func CNoise(sigma float64) float64 { return math.Log(sigma) / 4 }

// Coefficients are EDM's preconditioning scalars c_skip, c_out and c_in (Karras et al. 2022, Table 1)
// for per-sample noise levels, shaped [batch, 1, ...] to broadcast over the state, and σ² likewise.
type Coefficients struct{ Skip, Out, In, Sigma2 *Node }

// PreconditionCoefficients computes Coefficients for the state x [batch, ...] at noise levels sigma
// [batch] with σ_data sigmaData, inside the graph.
func PreconditionCoefficients(x, sigma *Node, sigmaData float64) Coefficients {
	s := PerSample(x, sigma)
	s2 := Square(s)
	sd2 := Scalar(x.Graph(), x.DType(), sigmaData*sigmaData)
	den := Add(s2, sd2)
	return Coefficients{
		Skip:   Div(sd2, den),
		Out:    Div(MulScalar(s, sigmaData), Sqrt(den)),
		In:     Reciprocal(Sqrt(den)), // not Rsqrt: GoMLX defines no gradient for it, and training differentiates D
		Sigma2: s2,
	}
}

// Precondition wraps the raw network F into the EDM denoiser (Karras et al. 2022, eq. 7; NVlabs/edm's
// EDMPrecond):
//
//	D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; c_noise(σ))
func Precondition(net Net, sigmaData float64) DenoiserFn {
	return func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
		c := PreconditionCoefficients(x, sigma, sigmaData)
		cNoise := DivScalar(Log(ConvertDType(sigma, x.DType())), 4)
		f := net(scope, Mul(c.In, x), cNoise, cond)
		if !f.Shape().Equal(x.Shape()) {
			exceptions.Panicf("diffusion: Net returned %s for input %s", f.Shape(), x.Shape())
		}
		return Add(Mul(c.Skip, x), Mul(c.Out, f))
	}
}
