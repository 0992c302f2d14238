package nets

// NumParams returns the number of trainable parameters (scalars) of the video network, counted from
// its configuration: the per-frame UNet's, plus for every temporal residual block (C channels,
// K taps, E embedding channels) two group norms 2·2C, two temporal convolutions 2·K·C² + C (the
// first has no bias), the
// embedding projection E·C + C and the merge logit 1; for every temporal attention two group-norm
// vectors 2C, the frame embedding Channels·C + C, four 1×1 convolutions 4·(C² + C) and the merge
// logit 1.
func (v *VideoUNet) NumParams() int {
	c := v.cfg
	n := v.unet.NumParams()
	for _, s := range v.unet.steps {
		if !c.mixes(s) {
			continue
		}
		C := s.cout
		if s.kind == resStep {
			n += 4*C + 2*c.Taps*C*C + C + linearParams(c.UNet.EmbedChannels, C) + 1
		} else {
			n += 2*C + linearParams(c.UNet.Channels, C) + 4*convParams(1, C, C) + 1
		}
	}
	return n
}

// FLOPs returns the FLOP count of the video network on B windows of L frames of H×W pixels, counted
// as UNet.FLOPs counts (docs/NETS.md): the per-frame UNet on B·L images, plus per temporal residual
// block 2·2·P·K·C² (its two temporal convolutions over P = B·L·H_l·W_l positions) and 2·B·L·E·C (its
// embedding projection), and per temporal attention 4·2·P·C² (1×1 projections), 2·2·B·H_l·W_l·L²·C
// (the two products of attention over L frames) and 2·L·Channels·C (the frame embedding). Training
// is 3× the forward work of each, but 2× for the frame embedding, whose input is a constant.
func (v *VideoUNet) FLOPs(B, L, H, W int) FLOPs {
	c := v.cfg
	f := v.unet.FLOPs(B*L, H, W)
	for _, s := range v.unet.steps {
		if !c.mixes(s) {
			continue
		}
		C := float64(s.cout)
		pix := float64((H >> s.level) * (W >> s.level))
		p := float64(B*L) * pix
		var fwd float64
		if s.kind == resStep {
			fwd = 2*2*p*float64(c.Taps)*C*C + 2*float64(B*L*c.UNet.EmbedChannels)*C
		} else {
			fwd = 4*2*p*C*C + 2*2*float64(B)*pix*float64(L*L)*C
			emb := 2 * float64(L*c.UNet.Channels) * C
			f.Forward += emb
			f.Training += 2 * emb
		}
		f.Forward += fwd
		f.Training += 3 * fwd
	}
	return f
}
