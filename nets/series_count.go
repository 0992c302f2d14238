package nets

// NumParams returns the number of trainable parameters (scalars) of the network, counted from its
// configuration: the same number as the variables SeriesNet.Apply creates.
func (n *SeriesNet) NumParams() int {
	c := n.cfg
	C, E := c.Channels, c.EmbedChannels
	p := linearParams(C, E) + linearParams(E, E) + linearParams(c.inChannels(), C) + c.Series*c.SeriesEmbed
	for range c.Blocks {
		p += 2*C + linearParams(c.TimeKernel*C, C) + linearParams(E, C) + linearParams(C, C)
		if c.TimeAttention {
			p += 2*C + 4*linearParams(C, C) // q, k, v and the projection
		}
		if c.SeriesMixing == InducedAttention {
			p += 2*C + c.Rank*C + 6*linearParams(C, C) // k1, v1, q2, k2, v2 and the projection
		}
	}
	return p + 2*C + linearParams(C, 1)
}

// FLOPs returns the FLOP count of the network on B windows of L steps × N series, with the
// conventions of UNet.FLOPs (a multiply-add counts 2; training counts 3× the forward work of each
// layer, 2× for the input layer and the first embedding layer). Every term is linear in N: with
// P = B·L·N tokens, the forward work is
//
//	embedding  2B·(C·E + E²);   input 2P·inChannels·C;   output 2P·C
//	per block  time:   2P·K·C² + 2B·E·C + 2P·C²
//	           time attention (TimeAttention): 4·2P·C² (Q, K, V, projection) + 2·2P·L·C (scores and
//	           weighted sum; linear in N, quadratic in L)
//	           series: 4·2P·C² (K₁, V₁, Q₂, projection) + 2·2B·L·r·C² (K₂, V₂) + 4·2P·r·C (two score
//	           products and two weighted sums)
func (n *SeriesNet) FLOPs(B, L, N int) FLOPs {
	c := n.cfg
	var fwd, train float64
	add := func(f, mult float64) { fwd += f; train += mult * f }
	b, C, E, r := float64(B), float64(c.Channels), float64(c.EmbedChannels), float64(c.Rank)
	P := b * float64(L) * float64(N)
	add(2*b*C*E, 2)
	add(2*b*E*E, 3)
	add(2*P*float64(c.inChannels())*C, 2)
	for range c.Blocks {
		add(2*P*float64(c.TimeKernel)*C*C+2*b*E*C+2*P*C*C, 3)
		if c.TimeAttention {
			add(4*2*P*C*C+2*2*P*float64(L)*C, 3)
		}
		if c.SeriesMixing == InducedAttention {
			add(4*2*P*C*C+2*2*b*float64(L)*r*C*C+4*2*P*r*C, 3)
		}
	}
	add(2*P*C, 3)
	return FLOPs{Forward: fwd, Training: train}
}
