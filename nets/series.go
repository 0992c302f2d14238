package nets

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nn"
)

// SeriesNet is tidal's denoiser for multivariate time series (docs/NETS.md, "SeriesNet"): it
// predicts DyDiff's correlated noise for a window of L time steps of N series, x_t [B, L, N], where
// the L steps are DyDiff's frames (axis 1, along which Dynamics runs) and the series are the single
// trailing axis. Create it with NewSeries; SeriesNet.Apply builds it into a graph.
//
// Every (time step, series) pair is a token of Channels features, kept as h [B, L, N, C]:
//
//	input:   Linear(inChannels → C) of each token's features: x_t, the clean context (zero on
//	         predicted steps), the context mask, the first-predicted-step flag (DyDiff's concatenated
//	         conditioning channels, docs/DIFFUSION.md), then log scale and the series embedding
//	         when configured
//	step:    e = NoiseEmbedding(t): sinusoidal features (C wide) → Linear → SiLU → Linear → SiLU (E wide)
//	block i: time:   u = SiLU(LN(h)); u = TimeConv_{K, d_i}(u) + Linear_i(e); h = h + W_i·SiLU(u)
//	         (with TimeAttention: h = h + T_i·TimeAttention(LN(h)), after sinusoidal step positions
//	         were added to the input tokens)
//	         series: u = LN(h); h = h + P_i·InducedAttention(u)               (unless NoSeriesMixing)
//	output:  Linear(C → 1) of SiLU(LN(h)), → [B, L, N]
//
// LN is a layer norm over each token's C features; TimeConv is a convolution along time with kernel
// K and dilation d_i, zero padded, the same for every series; W_i, T_i, P_i and the output layer start at
// zero, so the new network predicts 0 and each block starts as the identity. Every operation acts
// alike on each series or mixes them symmetrically, so without SeriesEmbed the network is equivariant
// to permutations of the series and takes any N; its cost is linear in N (SeriesNet.FLOPs). On the
// Go backend the batch runs as Branches independent branches of the graph (Branched).
type SeriesNet struct {
	cfg SeriesConfig
}

// NewSeries checks cfg, fills its defaults and returns the network.
func NewSeries(cfg SeriesConfig) (*SeriesNet, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &SeriesNet{cfg: c}, nil
}

// Config returns the network's configuration with its defaults filled in.
func (n *SeriesNet) Config() SeriesConfig {
	c := n.cfg
	c.Dilations = append([]int(nil), c.Dilations...)
	return c
}

// Apply builds the network on the noisy window xt [B, L, N] and the diffusion step t [B] and returns
// the predicted noise [B, L, N]. cond holds, in this order (SeriesConditioning builds the first
// three from a clean window):
//
//	cond[0]  clean context [B, L, N]: the observed steps, zero on the steps to predict
//	cond[1]  context mask [B, L]: 1 on observed steps, else 0
//	cond[2]  first-predicted-step flag [B, L]: 1 on the first step to predict, else 0
//	cond[3]  log of the per-series scale [B, N] (MeanScale), only with ScaleInput
//
// The variables are created in scope. Like GoMLX's layers, Apply panics on inputs that do not fit
// while the graph is built; graph and model Exec return such panics as errors. Its signature is that
// of dydiff.Net.
func (n *SeriesNet) Apply(scope *model.Scope, xt, t *Node, cond []*Node) *Node {
	c := n.cfg
	B, L, N := n.checkInputs(xt, t, cond)
	dt := xt.DType()
	perToken := func(v *Node) *Node { return InsertAxes(ConvertDType(v, dt), -1) } // [B, L, N] → [B, L, N, 1]
	perStep := func(v *Node) *Node {                                               // [B, L] → [B, L, N, 1]
		return BroadcastToDims(Reshape(ConvertDType(v, dt), B, L, 1, 1), B, L, N, 1)
	}
	feats := []*Node{perToken(xt), perToken(cond[0]), perStep(cond[1]), perStep(cond[2])}
	if c.ScaleInput {
		feats = append(feats, BroadcastToDims(Reshape(ConvertDType(cond[3], dt), B, 1, N, 1), B, L, N, 1))
	}
	if c.SeriesEmbed > 0 {
		emb := scope.In("series_embed").WithInitializer(normalInit(scope, 1)).
			VariableWithShape("embeddings", shapeOf(dt, N, c.SeriesEmbed)).NodeValue(xt.Graph())
		feats = append(feats, BroadcastToDims(Reshape(emb, 1, 1, N, c.SeriesEmbed), B, L, N, c.SeriesEmbed))
	}
	parts := BranchCount(xt.Graph(), c.Branches, B)
	return Branched(scope, parts, []*Node{Concatenate(feats, 3), ConvertDType(t, dt)}, func(scope *model.Scope, in []*Node) *Node {
		return n.body(scope, in[0], in[1])
	})
}

// body is the network from the input features of every token [B, L, N, inChannels] and the
// diffusion steps [B] to the predicted noise [B, L, N].
func (n *SeriesNet) body(scope *model.Scope, feats, t *Node) *Node {
	c := n.cfg
	d := feats.Shape().Dimensions
	B, L, N := d[0], d[1], d[2]
	h := tokenLinear(scope.In("input"), feats, c.Channels)
	if c.TimeAttention {
		h = Add(h, timePositions(h.Graph(), h.DType(), L, c.Channels))
	}
	e := NoiseEmbedding(scope.In("embed"), t, c.Channels, c.EmbedChannels)
	for i, d := range c.Dilations {
		bs := scope.In("block%d", i)
		h = n.timeBlock(bs.In("time"), h, e, d)
		if c.TimeAttention {
			sc := bs.In("time_attention")
			h = Add(h, tokenLinearZero(sc.In("proj"), timeAttention(sc, layerNorm(sc.In("norm"), h, c.Epsilon)), c.Channels))
		}
		if c.SeriesMixing == InducedAttention {
			h = n.seriesBlock(bs.In("series"), h)
		}
	}
	out := scope.In("out")
	h = nn.SiLU(layerNorm(out.In("norm"), h, c.Epsilon))
	return Reshape(tokenLinearZero(out, h, 1), B, L, N)
}

// timeBlock is the residual temporal convolution block of block i (dilation d) on h [B, L, N, C].
func (n *SeriesNet) timeBlock(scope *model.Scope, h, e *Node, d int) *Node {
	c := n.cfg
	u := nn.SiLU(layerNorm(scope.In("norm"), h, c.Epsilon))
	u = timeConv(scope.In("conv"), u, c.TimeKernel, d, c.Channels)
	B := h.Shape().Dimensions[0]
	u = Add(u, Reshape(Linear(scope.In("emb"), e, c.Channels), B, 1, 1, c.Channels))
	return Add(h, tokenLinearZero(scope.In("proj"), nn.SiLU(u), c.Channels))
}

// seriesBlock is the residual series mixing block on h [B, L, N, C].
func (n *SeriesNet) seriesBlock(scope *model.Scope, h *Node) *Node {
	c := n.cfg
	u := layerNorm(scope.In("norm"), h, c.Epsilon)
	u = inducedAttention(scope, u, c.Rank)
	return Add(h, tokenLinearZero(scope.In("proj"), u, c.Channels))
}

// checkInputs panics unless xt, t and cond fit the network, and returns B, L, N.
func (n *SeriesNet) checkInputs(xt, t *Node, cond []*Node) (B, L, N int) {
	c := n.cfg
	if xt.Rank() != 3 {
		exceptions.Panicf("nets.SeriesNet: xt must be [batch, steps, series], got shape %s", xt.Shape())
	}
	d := xt.Shape().Dimensions
	B, L, N = d[0], d[1], d[2]
	if c.Series > 0 && N != c.Series {
		exceptions.Panicf("nets.SeriesNet: the network was built for %d series (SeriesConfig.Series), xt %s has %d", c.Series, xt.Shape(), N)
	}
	if t.Rank() != 1 || t.Shape().Dimensions[0] != B {
		exceptions.Panicf("nets.SeriesNet: t must be [%d], got shape %s", B, t.Shape())
	}
	want := 3
	if c.ScaleInput {
		want = 4
	}
	if len(cond) != want {
		exceptions.Panicf("nets.SeriesNet: expected %d conditioning inputs (context, context mask, first-step flag%s), got %d",
			want, map[bool]string{true: ", log scale"}[c.ScaleInput], len(cond))
	}
	expect := func(i int, what string, dims ...int) {
		if !shapeOf(cond[i].DType(), dims...).Equal(cond[i].Shape()) {
			exceptions.Panicf("nets.SeriesNet: cond[%d] (%s) must be %v, got shape %s", i, what, dims, cond[i].Shape())
		}
	}
	expect(0, "clean context", B, L, N)
	expect(1, "context mask", B, L)
	expect(2, "first-predicted-step flag", B, L)
	if c.ScaleInput {
		expect(3, "log scale", B, N)
	}
	return B, L, N
}
