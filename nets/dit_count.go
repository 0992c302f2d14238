package nets

// NumParams returns the number of trainable parameters (scalars) of the DiT, counted from its
// configuration (d = Hidden, p = Patch, C_in = 2C + 2 + S + A, F = Frequencies, r = MLPRatio, a the
// attentions per block, 2, or 1 with SpatialOnly):
//
//	patch embedding   C_in·p²·d + d
//	noise embedding   F·d + d + d² + d
//	per block         adaLN d·3(a+1)d + 3(a+1)d, per attention (d·3d + 3d) + (d² + d),
//	                  MLP (d·rd + rd) + (rd·d + d)
//	final layer       adaLN d·2d + 2d, projection d·p²C + p²C
func (d *DiT) NumParams() int {
	c := d.cfg
	D, p, a := c.Hidden, c.Patch, c.attentions()
	n := linearParams(c.inChannels()*p*p, D)
	n += linearParams(c.Frequencies, D) + linearParams(D, D)
	block := linearParams(D, 3*(a+1)*D) + a*(linearParams(D, 3*D)+linearParams(D, D)) +
		linearParams(D, c.MLPRatio*D) + linearParams(c.MLPRatio*D, D)
	n += c.Depth * block
	return n + linearParams(D, 2*D) + linearParams(D, p*p*c.DataChannels)
}

// Tokens returns the tokens per frame of an H×W grid: ⌈H/p⌉·⌈W/p⌉ (Apply pads the grid to multiples
// of the patch).
func (d *DiT) Tokens(H, W int) int {
	p := d.cfg.Patch
	return ((H + p - 1) / p) * ((W + p - 1) / p)
}

// FLOPs returns the FLOP count of the DiT on B windows of L frames of H×W pixels (padded to multiples
// of the patch, as Apply computes), counted as UNet.FLOPs counts (a multiply-add is 2): with N tokens
// per frame and T = B·L·N tokens, every dense layer on tokens costs 2·T·in·out, on the noise embedding
// 2·B·in·out, and each attention's two products 2·2·(B·L)·N²·d (spatial) or 2·2·(B·N)·L²·d (temporal).
// Training is 3× the forward work, but 2× for the patch embedding and the first embedding layer, whose
// inputs need no gradient. Layer norms, modulation, activations, softmax and the position embeddings
// are not counted.
func (d *DiT) FLOPs(B, L, H, W int) FLOPs {
	c := d.cfg
	D, p := float64(c.Hidden), float64(c.Patch)
	N := float64(d.Tokens(H, W))
	b, l := float64(B), float64(L)
	T := b * l * N
	var f FLOPs
	add := func(fwd, mult float64) { f.Forward += fwd; f.Training += mult * fwd }
	add(2*T*float64(c.inChannels())*p*p*D, 2)
	add(2*b*float64(c.Frequencies)*D, 2)
	add(2*b*D*D, 3)
	r := float64(c.MLPRatio)
	for range c.Depth {
		add(2*b*D*3*float64(c.attentions()+1)*D, 3)
		add(2*T*D*3*D+2*T*D*D+2*2*b*l*N*N*D, 3)
		if !c.SpatialOnly {
			add(2*T*D*3*D+2*T*D*D+2*2*b*N*l*l*D, 3)
		}
		add(2*2*T*D*r*D, 3)
	}
	add(2*b*D*2*D, 3)
	add(2*T*D*p*p*float64(c.DataChannels), 3)
	return f
}
