package nets

// NumParams returns the number of trainable parameters (scalars) of the network, counted from its
// configuration: the same number as the variables UNet.Apply creates.
func (u *UNet) NumParams() int {
	c := u.cfg
	n := linearParams(c.Channels, c.EmbedChannels) + linearParams(c.EmbedChannels, c.EmbedChannels)
	for _, s := range u.steps {
		switch s.kind {
		case convInStep:
			n += convParams(3, s.cin, s.cout)
		case resStep:
			k := 1
			if c.Embedding == ScaleShift {
				k = 2
			}
			n += 2*s.cin + convParams(3, s.cin, s.cout) + linearParams(c.EmbedChannels, k*s.cout) +
				2*s.cout + convParams(3, s.cout, s.cout)
			if s.cin != s.cout {
				n += convParams(1, s.cin, s.cout)
			}
		case attnStep:
			n += 2*s.cin + 4*convParams(1, s.cin, s.cin)
		case convOutStep:
			if c.Head == NormHead {
				n += 2 * s.cin
			}
			n += convParams(3, s.cin, s.cout)
		}
	}
	return n
}

func convParams(k, cin, cout int) int { return k*k*cin*cout + cout }

func linearParams(in, out int) int { return in*out + out }

// FLOPs counts the floating-point operations of the network on a batch of B images of H×W pixels,
// from the layer shapes; a multiply-add counts as 2.
type FLOPs struct {
	// Forward counts the matmul-like work of one forward pass: every convolution
	// (2·B·Ho·Wo·K²·Cin·Cout, the 1×1 skip and attention projections included), every dense layer
	// (2·B·in·out) and the two products of each attention (2·B·L²·C each for L positions).
	Forward float64
	// Training counts forward + backward for a training step that needs the gradients of the
	// parameters but not of the input: each of those layers costs 3× its forward work (the forward
	// product, the gradient of its input and that of its weights; for attention the four backward
	// products dP, dv, dq and dk against two forward ones), except the input convolution and the
	// first embedding layer, whose inputs need no gradient (2×).
	Training float64
	// Not counted (they are not matmuls and are small beside them): group norms, activations,
	// additions, softmax, pooling and upsampling, the sinusoidal embedding, the loss and the
	// optimiser update.
}

// FLOPs returns the FLOP count of the network on B images of H×W pixels (H and W divisible by
// 2^(len(Mults)−1); for other sizes, pass the padded grid that Apply computes on, see PadToMultiple).
func (u *UNet) FLOPs(B, H, W int) FLOPs {
	c := u.cfg
	var fwd, train float64
	add := func(f, mult float64) { fwd += f; train += mult * f }
	b := float64(B)
	add(2*b*float64(c.Channels*c.EmbedChannels), 2)
	add(2*b*float64(c.EmbedChannels*c.EmbedChannels), 3)
	for _, s := range u.steps {
		p := b * float64((H>>s.level)*(W>>s.level)) // positions of the batch at the step's level
		conv := func(k, cin, cout int) float64 { return 2 * p * float64(k*k*cin*cout) }
		switch s.kind {
		case convInStep:
			add(conv(3, s.cin, s.cout), 2)
		case resStep:
			k := 1
			if c.Embedding == ScaleShift {
				k = 2
			}
			f := conv(3, s.cin, s.cout) + conv(3, s.cout, s.cout) + 2*b*float64(c.EmbedChannels*k*s.cout)
			if s.cin != s.cout {
				f += conv(1, s.cin, s.cout)
			}
			add(f, 3)
		case attnStep:
			L := float64((H >> s.level) * (W >> s.level))
			add(4*conv(1, s.cin, s.cin)+2*2*b*L*L*float64(s.cin), 3)
		case convOutStep:
			add(conv(3, s.cin, s.cout), 3)
		}
	}
	return FLOPs{Forward: fwd, Training: train}
}
