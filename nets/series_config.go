package nets

import "fmt"

// SeriesMixing says how SeriesNet's blocks mix information across series.
type SeriesMixing int

const (
	// InducedAttention mixes the N series of each time step through Rank learned inducing points
	// (the induced set attention block of Lee et al. 2019, Set Transformer, eq. 9–10): the inducing
	// points attend over the series (N → r), then every series attends over those r summaries
	// (r → N). Its cost is linear in N and it is equivariant to permutations of the series.
	InducedAttention SeriesMixing = iota
	// NoSeriesMixing leaves every series to itself: the network is then N independent univariate
	// denoisers sharing their weights. It exists to show what the series mixing does (the tests
	// use it as the switch that must break their mixing check).
	NoSeriesMixing
)

// String returns "induced-attention" or "none".
func (m SeriesMixing) String() string {
	switch m {
	case InducedAttention:
		return "induced-attention"
	case NoSeriesMixing:
		return "none"
	default:
		return fmt.Sprintf("SeriesMixing(%d)", int(m))
	}
}

// Limits on SeriesConfig's sizes, checked before anything is allocated.
const (
	maxSeriesWidth  = 1 << 12 // Channels, EmbedChannels, Rank, SeriesEmbed
	maxSeriesBlocks = 64
	maxTimeKernel   = 63
	maxDilation     = 1 << 10
	maxSeries       = 1 << 20
)

// SeriesConfig describes a SeriesNet. Every field is optional: the zero values take the defaults
// listed with them (docs/NETS.md, "SeriesNet").
type SeriesConfig struct {
	// Channels is the width C of every (time step, series) token. Default 32.
	Channels int
	// Blocks is the number of blocks, each a temporal convolution block followed by a series
	// mixing block. Default 4.
	Blocks int
	// EmbedChannels is the width of the diffusion-step embedding MLP. Default 4·Channels.
	EmbedChannels int
	// TimeKernel is the (odd) kernel size K of the temporal convolutions; 1 leaves every time step
	// to itself (no mixing along time). Default 3.
	TimeKernel int
	// Dilations are the temporal convolutions' dilations, one per block. Default 1, 2, 4, …
	// (block i: 2^i), a receptive field of 1 + (K−1)·(2^Blocks − 1) steps.
	Dilations []int
	// TimeAttention adds, in every block after the temporal convolution, self-attention along the
	// window's steps for each series (cost O(N·L²·C): still linear in N), and sinusoidal step
	// positions to the input tokens. Default false: the convolutions alone mix along time.
	TimeAttention bool
	// SeriesMixing is how the series are mixed: InducedAttention (default) or NoSeriesMixing.
	SeriesMixing SeriesMixing
	// Rank is the number r of inducing points of InducedAttention. Default 8.
	Rank int
	// ScaleInput makes the network take the logarithm of the per-series scale (MeanScale) as a
	// fourth conditioning input [B, N] (docs/SERIES.md, "Where the scaling applies").
	ScaleInput bool
	// SeriesEmbed is the width of an optional learned embedding of each series' index (0, the
	// default, has none). With it the network is tied to Series series and no longer equivariant
	// to their permutations.
	SeriesEmbed int
	// Series is the number N of series; required with SeriesEmbed, and then checked against the
	// input. 0 (default) takes any N.
	Series int
	// Epsilon is the layer norms' ε, added to the variance. Default 1e-5.
	Epsilon float64
	// Branches splits every batch into this many parts that run as independent branches of the
	// graph sharing the variables (Branched; as Config.Branches). Default 0: GOMAXPROCS on the Go
	// backend, 1 elsewhere. The output is the same up to rounding.
	Branches int
}

// withDefaults returns c with its zero fields set, or an error naming the first bad field.
func (c SeriesConfig) withDefaults() (SeriesConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Channels, 32)
	def(&c.Blocks, 4)
	def(&c.EmbedChannels, 4*c.Channels)
	def(&c.TimeKernel, 3)
	def(&c.Rank, 8)
	if c.Epsilon == 0 {
		c.Epsilon = 1e-5
	}
	for _, f := range []struct {
		name   string
		v, max int
	}{
		{"Channels", c.Channels, maxSeriesWidth}, {"Blocks", c.Blocks, maxSeriesBlocks},
		{"EmbedChannels", c.EmbedChannels, maxSeriesWidth}, {"TimeKernel", c.TimeKernel, maxTimeKernel},
		{"Rank", c.Rank, maxSeriesWidth},
	} {
		if f.v < 1 || f.v > f.max {
			return c, fmt.Errorf("nets: SeriesConfig.%s must be in 1..%d, got %d", f.name, f.max, f.v)
		}
	}
	if c.TimeKernel%2 == 0 {
		return c, fmt.Errorf("nets: SeriesConfig.TimeKernel must be odd, got %d", c.TimeKernel)
	}
	if c.Dilations == nil {
		c.Dilations = make([]int, c.Blocks)
		for i := range c.Dilations {
			c.Dilations[i] = min(1<<i, maxDilation)
		}
	} else {
		c.Dilations = append([]int(nil), c.Dilations...)
	}
	if len(c.Dilations) != c.Blocks {
		return c, fmt.Errorf("nets: SeriesConfig.Dilations has %d entries, expected one per block (%d)", len(c.Dilations), c.Blocks)
	}
	for i, d := range c.Dilations {
		if d < 1 || d > maxDilation {
			return c, fmt.Errorf("nets: SeriesConfig.Dilations[%d] must be in 1..%d, got %d", i, maxDilation, d)
		}
	}
	if c.SeriesMixing != InducedAttention && c.SeriesMixing != NoSeriesMixing {
		return c, fmt.Errorf("nets: SeriesConfig.SeriesMixing must be InducedAttention or NoSeriesMixing, got %s", c.SeriesMixing)
	}
	if c.SeriesEmbed < 0 || c.SeriesEmbed > maxSeriesWidth {
		return c, fmt.Errorf("nets: SeriesConfig.SeriesEmbed must be in 0..%d, got %d", maxSeriesWidth, c.SeriesEmbed)
	}
	if c.Series < 0 || c.Series > maxSeries {
		return c, fmt.Errorf("nets: SeriesConfig.Series must be in 0..%d, got %d", maxSeries, c.Series)
	}
	if c.SeriesEmbed > 0 && c.Series == 0 {
		return c, fmt.Errorf("nets: SeriesConfig.SeriesEmbed = %d needs the number of series (SeriesConfig.Series)", c.SeriesEmbed)
	}
	if c.Branches < 0 || c.Branches > maxSeriesBlocks {
		return c, fmt.Errorf("nets: SeriesConfig.Branches must be in 0..%d, got %d", maxSeriesBlocks, c.Branches)
	}
	if !(c.Epsilon > 0) {
		return c, fmt.Errorf("nets: SeriesConfig.Epsilon must be positive, got %g", c.Epsilon)
	}
	return c, nil
}

// inChannels is the number of features of an input token: x_t, the clean context, the context mask
// and the first-predicted-step flag (DyDiff's conditioning channels, docs/DIFFUSION.md), then the log
// scale and the series embedding when configured.
func (c SeriesConfig) inChannels() int {
	n := 4 + c.SeriesEmbed
	if c.ScaleInput {
		n++
	}
	return n
}

// ReceptiveField returns the number of time steps that one output step can see along time through
// the temporal convolutions: 1 + (TimeKernel−1)·Σ Dilations.
func (n *SeriesNet) ReceptiveField() int {
	rf := 1
	for _, d := range n.cfg.Dilations {
		rf += (n.cfg.TimeKernel - 1) * d
	}
	return rf
}
