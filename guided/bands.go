package guided

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
)

// LambdaBand is one band of a guidance strength that depends on the noise level: λ = Lambda for the
// noise levels above the previous band's SigmaMax up to and including this band's SigmaMax.
type LambdaBand struct {
	SigmaMax float64 `json:"sigma_max"` // +Inf for the last band
	Lambda   float64 `json:"lambda"`
}

// LambdaBands is a guidance strength λ(σ) that is piecewise constant in the noise level σ, in the
// guided model's normalised units: the guided denoiser is
//
//	D′(x; σ) = D(x; σ) + λ(σ) σ² ∇ₓ log-odds(x; σ)
//
// (Hess et al. 2025, eq. 5, with λ a function of σ instead of one number; docs/GUIDED.md, "λ per noise
// band"). Band i covers SigmaMax[i−1] < σ ≤ SigmaMax[i] (the first from 0), its edges inclusive above;
// the edges increase and the last is +Inf, so every σ has a band. A constant λ is one band
// (ConstantLambda), a guidance window σ ≤ s of strength λ the two bands {s: λ, +Inf: 0}. The per-σ
// diagnostics of `tidal bench guided` (the guide's term against D_VDM − D_IDM) motivate it: a trained
// guide's size relative to the ideal correction changes by two orders of magnitude over σ, which no
// single λ can match. The written form is "0.05=40,0.5=14,inf=4" (ParseLambdaBands, String).
type LambdaBands []LambdaBand

// ConstantLambda is the guidance strength λ at every noise level: one band up to +Inf.
func ConstantLambda(lambda float64) LambdaBands {
	return LambdaBands{{SigmaMax: math.Inf(1), Lambda: lambda}}
}

// Check refuses bands that do not cover every σ > 0 exactly once with a finite λ ≥ 0: none at all,
// edges that are not finite positive and increasing, a last edge other than +Inf, or λ negative, NaN or
// infinite.
func (b LambdaBands) Check() error {
	if len(b) == 0 {
		return fmt.Errorf("no bands: expected at least one, the last up to inf")
	}
	prev := 0.0
	for i, band := range b {
		last := i == len(b)-1
		switch {
		case last && !math.IsInf(band.SigmaMax, 1):
			return fmt.Errorf("the last band %s: expected the edge inf, so that every σ has a λ", band)
		case !last && !(band.SigmaMax > prev && band.SigmaMax < math.Inf(1)):
			return fmt.Errorf("band %s: expected a finite edge above the previous one (%g), edges in increasing order", band, prev)
		case !(band.Lambda >= 0 && band.Lambda <= maxLambda):
			return fmt.Errorf("band %s: expected a guidance strength λ in [0, %g]", band, float64(maxLambda))
		}
		prev = band.SigmaMax
	}
	return nil
}

// maxLambda is the largest guidance strength accepted, as --lambda's bound.
const maxLambda = 1e6

// At is λ(σ): the strength of the first band whose edge is at or above sigma. It is the host-side
// reference of the graph's factor (bandFactor), which compares in σ's float32.
func (b LambdaBands) At(sigma float64) float64 {
	for _, band := range b {
		if sigma <= band.SigmaMax {
			return band.Lambda
		}
	}
	return 0 // only for bands that fail Check
}

// Max is the largest λ of the bands: the sampler is guided when it is above 0.
func (b LambdaBands) Max() float64 {
	m := 0.0
	for _, band := range b {
		m = max(m, band.Lambda)
	}
	return m
}

// Constant reports whether the bands are one λ at every σ, and which.
func (b LambdaBands) Constant() (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, band := range b[1:] {
		if band.Lambda != b[0].Lambda {
			return 0, false
		}
	}
	return b[0].Lambda, true
}

func (band LambdaBand) String() string {
	edge := strconv.FormatFloat(band.SigmaMax, 'g', -1, 64)
	if math.IsInf(band.SigmaMax, 1) {
		edge = "inf"
	}
	return edge + "=" + strconv.FormatFloat(band.Lambda, 'g', -1, 64)
}

// String writes the bands as ParseLambdaBands reads them, e.g. "0.05=40,0.5=14,inf=4".
func (b LambdaBands) String() string {
	parts := make([]string, len(b))
	for i, band := range b {
		parts[i] = band.String()
	}
	return strings.Join(parts, ",")
}

// ParseLambdaBands reads bands written "σ₁=λ₁,σ₂=λ₂,…,inf=λₙ": λᵢ for σ in (σᵢ₋₁, σᵢ], the edges
// increasing, the last "inf" (LambdaBands). Errors name the item that is wrong and say what was
// expected; callers add the flag's name.
func ParseLambdaBands(s string) (LambdaBands, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no bands: expected σ=λ items separated by commas, e.g. 0.05=40,0.5=14,inf=4")
	}
	var b LambdaBands
	for _, item := range strings.Split(s, ",") {
		edge, lambda, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("item %q: expected σ=λ, e.g. 0.5=14", item)
		}
		var band LambdaBand
		var err error
		if e := strings.TrimSpace(edge); strings.EqualFold(e, "inf") || e == "+inf" || e == "∞" {
			band.SigmaMax = math.Inf(1)
		} else if band.SigmaMax, err = strconv.ParseFloat(e, 64); err != nil || math.IsNaN(band.SigmaMax) {
			return nil, fmt.Errorf("item %q: the edge %q is not a number (σ, or inf for the last band)", item, edge)
		}
		if band.Lambda, err = strconv.ParseFloat(strings.TrimSpace(lambda), 64); err != nil {
			return nil, fmt.Errorf("item %q: the strength %q is not a number", item, lambda)
		}
		b = append(b, band)
	}
	return b, b.Check()
}

// Set parses s (ParseLambdaBands) into b: LambdaBands is a command-line flag's value. The empty string
// (the flag's default) sets no bands, so that the single λ applies.
func (b *LambdaBands) Set(s string) error {
	if s == "" {
		*b = nil
		return nil
	}
	v, err := ParseLambdaBands(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalJSON writes the bands in their written form, e.g. "0.05=40,0.5=14,inf=4" (JSON has no +Inf).
func (b LambdaBands) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// UnmarshalJSON reads the written form (ParseLambdaBands); "" is no bands.
func (b *LambdaBands) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("λ bands: expected a string such as \"0.05=40,inf=4\": %w", err)
	}
	return b.Set(s)
}

// Type names the flag's value in --help.
func (b *LambdaBands) Type() string { return "σ=λ,…,inf=λ" }

// bandFactor is λ(σ) for sigma ([batch] or a scalar) in sigma's dtype, for two bands or more (one band
// is a constant λ, which guidedDenoiser hands to diffusion.Guided): the last band's λ, replaced by
// band i's where σ ≤ SigmaMax[i], from the top band down, so the lowest band containing σ wins. The
// edges are rounded to sigma's dtype, so a σ equal to an edge in float32 is in the band below it.
func (b LambdaBands) bandFactor(sigma *Node) *Node {
	g, dt := sigma.Graph(), sigma.DType()
	f := Scalar(g, dt, b[len(b)-1].Lambda)
	for i := len(b) - 2; i >= 0; i-- {
		f = Where(LessOrEqual(sigma, Scalar(g, dt, b[i].SigmaMax)), Scalar(g, dt, b[i].Lambda), f)
	}
	return f
}

// guidedDenoiser wraps d with the guidance of logit at strength bands (diffusion.Guided). A constant λ
// goes to diffusion.Guided as it is (the arithmetic of the sampler before bands existed); other bands
// scale each sample's logit by λ(σ) and guide at strength 1: ∇ₓ(λ(σ)·logit) = λ(σ)∇ₓ logit, since σ
// does not depend on x, so D′ = D + λ(σ)σ²∇ₓ logit.
func guidedDenoiser(d diffusion.DenoiserFn, logit diffusion.Logit, bands LambdaBands) (diffusion.DenoiserFn, error) {
	if err := bands.Check(); err != nil {
		return nil, fmt.Errorf("guidance strength: %w", err)
	}
	if lambda, ok := bands.Constant(); ok {
		return diffusion.Guided(d, logit, lambda)
	}
	banded := func(scope *model.Scope, y, sigma, y0 *Node, cond []*Node) *Node {
		l := logit(scope, y, sigma, y0, cond)
		return Mul(l, ConvertDType(bands.bandFactor(sigma), l.DType()))
	}
	return diffusion.Guided(d, banded, 1)
}
