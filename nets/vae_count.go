package nets

// NumParams returns the number of trainable parameters (scalars) of the VAE, encoder and decoder,
// counted from its configuration: the same number as the variables Encode and Decode create.
func (v *VAE) NumParams() int {
	c := v.cfg
	block := func(cin, cout int) int {
		n := 2*cin + convParams(3, cin, cout) + 2*cout + convParams(3, cout, cout)
		if cin != cout {
			n += convParams(1, cin, cout)
		}
		return n
	}
	last := len(c.Mults) - 1
	top := c.Channels * c.Mults[last]
	// Encoder.
	n := convParams(3, c.InChannels, c.Channels)
	ch := c.Channels
	for _, m := range c.Mults {
		for range c.Blocks {
			n += block(ch, c.Channels*m)
			ch = c.Channels * m
		}
	}
	n += 2*block(top, top) + 2*top + convParams(3, top, 2*c.LatentChannels)
	// Decoder.
	n += convParams(3, c.LatentChannels, top) + 2*block(top, top)
	ch = top
	for l := last; l >= 0; l-- {
		for range c.Blocks + 1 {
			n += block(ch, c.Channels*c.Mults[l])
			ch = c.Channels * c.Mults[l]
		}
	}
	return n + 2*ch + convParams(3, ch, c.InChannels)
}
