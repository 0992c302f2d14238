package metrics

import "math"

// CRPSGaussian is the CRPS of the Gaussian forecast N(mu, sigma²) against y in closed form
// (Gneiting et al. 2005), with z = (y − mu)/sigma, Φ and φ the standard normal CDF and density:
//
//	CRPS = sigma · [ z (2Φ(z) − 1) + 2φ(z) − 1/√π ]
//
// sigma = 0 gives |y − mu| (a point forecast); a negative sigma gives NaN.
func CRPSGaussian(mu, sigma, y float64) float64 {
	if sigma < 0 {
		return math.NaN()
	}
	if sigma == 0 {
		return math.Abs(y - mu)
	}
	z := (y - mu) / sigma
	cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
	pdf := math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi)
	return sigma * (z*(2*cdf-1) + 2*pdf - 1/math.SqrtPi)
}
