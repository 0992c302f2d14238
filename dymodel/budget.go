package dymodel

import "github.com/tidal-forecast/tidal/guard"

// activationBytes estimates the float32 activations one forward pass of the UNet keeps per sample: at
// each level l (c_l channels at 1/4^l of the pixels), about six tensors per residual block (group norm,
// SiLU, convolutions and the skip) for the 3·Blocks+1 blocks of the encoder, decoder and middle. It is
// an estimate for the memory budget, not an exact count.
func (m *Model) activationBytes() int64 {
	if m.series != nil {
		return m.seriesActivationBytes()
	}
	if m.dit != nil {
		return m.ditActivationBytes()
	}
	c := m.unet.Config()
	H, W := int64(m.Config.Frame[1]), int64(m.Config.Frame[2])
	var total int64
	for l, mult := range c.Mults {
		px := (H >> l) * (W >> l)
		total = guard.Sum(total, guard.Product(px, int64(c.Channels*mult), int64(3*c.Blocks+2), 6, 4))
	}
	if m.Config.Net == "video" { // the UNet runs on every frame, with temporal blocks beside it
		total = guard.Product(total, int64(2*m.Config.Frames()))
	}
	return total
}

// ditActivationBytes estimates the float32 activations one forward pass of the DiT keeps per window:
// with T = L·N tokens of width d (N patches a frame), for every block about 8 token tensors per
// attention (layer norm, modulation, q, k, v, the attended values, the projection, the residual), the
// MLP's 2·r·d-wide hidden (before and after GELU) and 4 more, plus the attention weights and their
// softmax, heads·L·N·(N + L) twice; and the patches and the output (the frames' channels, twice). An
// estimate for the memory budget, not an exact count.
func (m *Model) ditActivationBytes() int64 {
	c := m.dit.Config()
	H, W := int64(m.Config.Frame[1]), int64(m.Config.Frame[2])
	L, N, D := int64(m.Config.Frames()), int64(m.dit.Tokens(int(H), int(W))), int64(c.Hidden)
	T := guard.Product(L, N)
	perBlock := guard.Sum(guard.Product(T, D, int64(8*2+2*c.MLPRatio+4)), guard.Product(int64(c.Heads), L, N, N+L, 2))
	frames := guard.Product(L, int64(2*c.DataChannels+2+c.StaticChannels+c.ActionChannels), N, int64(c.Patch*c.Patch), 2)
	return guard.Product(guard.Sum(guard.Product(perBlock, int64(c.Depth)), frames), 4)
}

// TrainBytes estimates the memory of training with batch windows per step: the weights, AdamW's two
// moments, the EMA and the gradients (five copies of the parameters, float32), and the activations
// the backward pass keeps (three times the forward's, for the gradients).
func (m *Model) TrainBytes(batch int) int64 {
	return guard.Sum(guard.Product(int64(m.NumParams()), 5, 4), guard.Product(int64(batch), m.activationBytes(), 3))
}

// SampleBytes estimates the memory of sampling windows for rows trajectories at once: the weights and
// the forward activations.
func (m *Model) SampleBytes(rows int) int64 {
	return guard.Sum(guard.Product(int64(m.NumParams()), 4), guard.Product(int64(rows), m.activationBytes()))
}

// ForecastBytes estimates the memory of Trained.Forecast over an observed series of frames frames:
// the series (the array and its checked float32 copy), the forecast [cases, members, lead, frame]
// three times (the rollout's frames read back, reordered, and the result), the truth
// [cases, lead, frame], and the sampler's (SampleBytes of one case's members at a time).
func (m *Model) ForecastBytes(frames, cases, members, lead int) int64 {
	F := int64(m.frameSize())
	fc := guard.Product(int64(cases), int64(members), int64(lead), F, 4)
	return guard.Sum(guard.Product(int64(frames), F, 4, 2), guard.Product(fc, 3), guard.Product(int64(cases), int64(lead), F, 4), m.SampleBytes(members))
}
