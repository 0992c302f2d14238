package guided

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/noise"
)

// GuideAgreement compares, at one noise level σ, the discriminator's guidance term with the ideal one
// over held-out windows (docs/GUIDED.md, "How far the guide is from the ideal").
//
// By Bayes (Kim et al. 2023, eq. 7; Hess et al. 2025, eq. 3–5) the conditional score is the image
// model's plus ∇ log(d/(1 − d)) of the optimal discriminator, so in denoiser space (EDM: score =
// (D − y)/σ², Karras et al. 2022, eq. 3) the guidance term λσ²∇ log-odds that diffusion.Guided adds to
// D_IDM should equal D_cond − D_IDM. The video model's D_VDM(y; σ | xⁿ, xⁿ⁻¹) is the trained estimate
// of D_cond, so the ideal term is D_VDM − D_IDM.
type GuideAgreement struct {
	Sigma float64 `json:"sigma"`
	// Cosine is the mean over windows of the cosine between the guidance term and the ideal one: 1 when
	// the guide points the right way, 0 when it is unrelated, −1 when it points backwards.
	Cosine float64 `json:"cosine"`
	// NormRatio is ‖guide‖/‖ideal‖ of the root mean squares over windows: 1 when the guide has the right
	// size; λ scales it.
	NormRatio float64 `json:"norm_ratio"`
	// IdealRMS is the ideal term's root mean square per value, in the image model's normalised units:
	// how much guidance matters at this σ.
	IdealRMS float64 `json:"ideal_rms"`
	Windows  int     `json:"windows"`
}

// Agreement is the GuideAgreement of the guidance terms guide and the ideal terms ideal, rows
// examples of len/rows values each, at noise level sigma. A row whose terms are both 0 counts as
// cosine 1; one with only one of them 0, as cosine 0.
func Agreement(sigma float64, guide, ideal []float32, rows int) (GuideAgreement, error) {
	if rows <= 0 || len(guide) != len(ideal) || len(guide)%rows != 0 {
		return GuideAgreement{}, fmt.Errorf("guided: %d guide and %d ideal values for %d rows", len(guide), len(ideal), rows)
	}
	per := len(guide) / rows
	var cos, gg, ii float64
	for r := range rows {
		var dot, g2, i2 float64
		for k := r * per; k < (r+1)*per; k++ {
			g, i := float64(guide[k]), float64(ideal[k])
			dot += g * i
			g2 += g * g
			i2 += i * i
		}
		switch {
		case g2 == 0 && i2 == 0:
			cos++
		case g2 > 0 && i2 > 0:
			cos += dot / math.Sqrt(g2*i2)
		}
		gg += g2
		ii += i2
	}
	a := GuideAgreement{Sigma: sigma, Cosine: cos / float64(rows), NormRatio: math.Sqrt(gg / ii), IdealRMS: math.Sqrt(ii / float64(len(ideal))), Windows: rows}
	if ii == 0 {
		a.NormRatio = math.Inf(1)
		if gg == 0 {
			a.NormRatio = 1
		}
	}
	return a, nil
}

// guideProbe evaluates, for noisy frames y at noise levels σ with conditioning frames (xⁿ, xⁿ⁻¹), all in
// the image model's normalised units, the guidance term Guided(D_IDM, logit, λ(σ))(y; σ) − D_IDM(y; σ) and the
// ideal term D_cond(y; σ | xⁿ, xⁿ⁻¹) − D_IDM(y; σ). idm, cond and logit take their variables under the
// scopes "denoiser", "vdm" and "guide" of one store.
type guideProbe struct {
	exec *model.Exec
}

func newGuideProbe(b compute.Backend, store *model.Store, idm, cond diffusion.DenoiserFn, logit diffusion.Logit, lambda LambdaBands) (*guideProbe, error) {
	D := func(scope *model.Scope, x, sigma *Node, _ []*Node) *Node {
		return idm(scope.In("denoiser"), x, sigma, nil)
	}
	guided, err := guidedDenoiser(D, logit, lambda)
	if err != nil {
		return nil, err
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, y, sigma, cur, prev *Node) (*Node, *Node) {
		c := []*Node{cur, prev}
		base := D(scope.ResetVisited(), y, sigma, nil)
		g := Sub(guided(scope.ResetVisited(), y, sigma, c), base)
		ideal := Sub(cond(scope.ResetVisited().In("vdm"), y, sigma, c), base)
		return g, ideal
	})
	if err != nil {
		return nil, err
	}
	return &guideProbe{exec: exec}, nil
}

// terms returns the guidance and ideal terms (guideProbe) of y [B, C, H, W] at sigma [B] given cur (xⁿ)
// and prev (xⁿ⁻¹), shaped like y.
func (p *guideProbe) terms(y, sigma, cur, prev *tensors.Tensor) (guide, ideal []float32, err error) {
	out, err := p.exec.Call(y, sigma, cur, prev)
	if err != nil {
		return nil, nil, err
	}
	defer out[0].FinalizeAll()
	defer out[1].FinalizeAll()
	return tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1]), nil
}

func (p *guideProbe) close() { p.exec.Finalize() }

// agreements evaluates the probe on the windows (prev, cur, next: rows frames of F values each, in the
// image model's normalised units, [rows, C, H, W]) at each noise level of sigmas: y = xⁿ⁺¹ + σε, ε drawn
// from the stream of (seed, row) (noise.Initial), the same ε at every σ.
func (p *guideProbe) agreements(prev, cur, next []float32, dims []int, sigmas []float64, seed uint64) ([]GuideAgreement, error) {
	rows := dims[0]
	e, err := noise.Initial(seed, dims...)
	if err != nil {
		return nil, err
	}
	defer e.FinalizeAll()
	ev := tensors.MustCopyFlatData[float32](e)
	tc := tensors.FromFlatDataAndDimensions(append([]float32(nil), cur...), dims...)
	tp := tensors.FromFlatDataAndDimensions(append([]float32(nil), prev...), dims...)
	defer tc.FinalizeAll()
	defer tp.FinalizeAll()
	var out []GuideAgreement
	for _, s := range sigmas {
		y := make([]float32, len(next))
		for i := range y {
			y[i] = next[i] + float32(s)*ev[i]
		}
		sv := make([]float32, rows)
		for i := range sv {
			sv[i] = float32(s)
		}
		ty, ts := tensors.FromFlatDataAndDimensions(y, dims...), tensors.FromFlatDataAndDimensions(sv, rows)
		g, i, err := p.terms(ty, ts, tc, tp)
		ty.FinalizeAll()
		ts.FinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("σ = %g: %w", s, err)
		}
		a, err := Agreement(s, g, i, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// IdealGuide measures how far the discriminator disc, guiding the image model idm at strength lambda
// (one λ, ConstantLambda, or λ per noise band, as the sampler guides), is from the ideal guide that the
// video model vdm implies (GuideAgreement), at each noise level of sigmas, on the held-out windows
// (xⁿ⁻¹, xⁿ, xⁿ⁺¹) starting at the frames starts of series (T frames [C, H, W] in physical units); the
// noise of window r is the stream of (seed, r).
func IdealGuide(b compute.Backend, idm, vdm, disc *Model, lambda LambdaBands, series []float32, starts []int, sigmas []float64, seed uint64) ([]GuideAgreement, error) {
	if idm.Config.Kind != KindIDM || vdm.Config.Kind != KindVDM {
		return nil, fmt.Errorf("guided: the ideal guide needs an image model and a video model, got %s and %s", idm.Config.Kind, vdm.Config.Kind)
	}
	c := idm.Config
	frame := []int{c.Channels, c.Height, c.Width}
	if v := vdm.Config; v.Channels != c.Channels || v.Height != c.Height || v.Width != c.Width {
		return nil, fmt.Errorf("guided: the video model %s has frames %d×%d×%d, the image model %s %v", vdm.Run, v.Channels, v.Height, v.Width, idm.Run, frame)
	}
	F := c.Channels * c.Height * c.Width
	rows := len(starts)
	if rows == 0 {
		return nil, fmt.Errorf("guided: no windows for the ideal guide")
	}
	store := model.NewStore()
	ui, err := c.network()
	if err != nil {
		return nil, err
	}
	uv, err := vdm.Config.network()
	if err != nil {
		return nil, err
	}
	if err := copyVars(store, "/denoiser", idm); err != nil {
		return nil, err
	}
	if err := copyVars(store, "/vdm", vdm); err != nil {
		return nil, err
	}
	d, sigmaScale, toDisc, err := loadGuide(store, disc, "the image model "+idm.Run, frame, idm.Norm)
	if err != nil {
		return nil, err
	}
	// The video model in its own units x_v = a·x + b (the same map as the discriminator's, guideScale),
	// its output brought back to the image model's.
	vScale, vab := guideScale(idm.Norm, vdm)
	for ch := range vab {
		if math.Abs(vab[ch][0]/vScale-1) > ChannelScaleTolerance {
			return nil, fmt.Errorf("guided: the video model %s is normalised with std ratios to the image model's that differ between channels", vdm.Run)
		}
	}
	_, toVDM := discUnits(idm.Norm, vdm)
	vpre := diffusion.Precondition(uv.Apply, vdm.Config.SigmaData)
	cond := func(scope *model.Scope, y, sigma *Node, cond []*Node) *Node {
		vc := []*Node{toVDM(cond[0]), toVDM(cond[1])}
		out := vpre(scope, toVDM(y), MulScalar(sigma, vScale), withStatic(vc, vdm.Config.Static, vdm.static, y))
		return fromUnits(out, vab)
	}
	ipre := diffusion.Precondition(ui.Apply, c.SigmaData)
	uncond := func(scope *model.Scope, y, sigma *Node, _ []*Node) *Node {
		return ipre(scope, y, sigma, withStatic(nil, idm.Config.Static, idm.static, y))
	}
	p, err := newGuideProbe(b, store, uncond, cond, guideLogit(staticLogit(d, disc), sigmaScale, toDisc, 0), lambda)
	if err != nil {
		return nil, err
	}
	defer p.close()
	prev, cur, next := make([]float32, 0, rows*F), make([]float32, 0, rows*F), make([]float32, 0, rows*F)
	for _, s := range starts {
		if s < 0 || (s+3)*F > len(series) {
			return nil, fmt.Errorf("guided: window at frame %d outside the series of %d frames", s, len(series)/F)
		}
		prev, cur, next = append(prev, series[s*F:(s+1)*F]...), append(cur, series[(s+1)*F:(s+2)*F]...), append(next, series[(s+2)*F:(s+3)*F]...)
	}
	for _, f := range [][]float32{prev, cur, next} {
		idm.Norm.Normalize(f, c.Height*c.Width)
	}
	return p.agreements(prev, cur, next, []int{rows, c.Channels, c.Height, c.Width}, sigmas, seed)
}

// fromUnits is the inverse of discUnits' map x_v = a_c·x + b_c on frames [batch, C, H, W].
func fromUnits(x *Node, ab [][2]float64) *Node {
	C := len(ab)
	a, b := make([]float32, C), make([]float32, C)
	for c := range ab {
		a[c], b[c] = float32(1/ab[c][0]), float32(-ab[c][1]/ab[c][0])
	}
	g := x.Graph()
	return Add(Mul(x, Reshape(Const(g, a), 1, C, 1, 1)), Reshape(Const(g, b), 1, C, 1, 1))
}
