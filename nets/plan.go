package nets

import "fmt"

// The UNet as a list of steps, from which the graph (UNet.Apply), the parameter count and the FLOP
// count are all derived, so the three cannot disagree.

// stepKind is the kind of one step of the network.
type stepKind int

const (
	convInStep  stepKind = iota // 3×3 convolution from the input channels to level 0's
	resStep                     // residual block
	attnStep                    // self-attention block
	downStep                    // 2×2 average pooling to the next (coarser) level
	upStep                      // nearest-neighbour 2× upsampling to the previous (finer) level
	convOutStep                 // (NormHead: GN → SiLU →) zero-initialised 3×3 convolution to the output channels
)

// step is one layer of the UNet.
type step struct {
	kind      stepKind
	level     int  // resolution level of the step's output (1/2^level of the input size)
	cin, cout int  // channels in (after any skip concatenation) and out
	pop, push bool // concatenate the last pushed skip to the input first; push the output
	name      string
}

// plan returns the steps of the network described by c (which must have its defaults set).
func (c Config) plan() []step {
	var steps []step
	var skips []int // channel counts of the pushed activations
	add := func(s step) {
		steps = append(steps, s)
		if s.push {
			skips = append(skips, s.cout)
		}
	}
	// pushLast marks the last step as pushed (a block and its attention push once).
	pushLast := func() {
		steps[len(steps)-1].push = true
		skips = append(skips, steps[len(steps)-1].cout)
	}
	last := len(c.Mults) - 1
	cur := c.levelChannels(0)
	add(step{kind: convInStep, cin: c.InChannels, cout: cur, push: true, name: "conv_in"})
	for l := range c.Mults {
		if l > 0 {
			add(step{kind: downStep, level: l, cin: cur, cout: cur, push: true})
		}
		for i := range c.Blocks {
			ch := c.levelChannels(l)
			add(step{kind: resStep, level: l, cin: cur, cout: ch, name: fmt.Sprintf("enc%d_block%d", l, i)})
			if c.attends(l) {
				add(step{kind: attnStep, level: l, cin: ch, cout: ch, name: fmt.Sprintf("enc%d_attn%d", l, i)})
			}
			cur = ch
			pushLast()
		}
	}
	ch := c.levelChannels(last)
	add(step{kind: resStep, level: last, cin: cur, cout: ch, name: "mid_block0"})
	add(step{kind: attnStep, level: last, cin: ch, cout: ch, name: "mid_attn"})
	add(step{kind: resStep, level: last, cin: ch, cout: ch, name: "mid_block1"})
	cur = ch
	for l := last; l >= 0; l-- {
		ch := c.levelChannels(l)
		for i := range c.Blocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			add(step{kind: resStep, level: l, cin: cur + skip, cout: ch, pop: true, name: fmt.Sprintf("dec%d_block%d", l, i)})
			if c.attends(l) {
				add(step{kind: attnStep, level: l, cin: ch, cout: ch, name: fmt.Sprintf("dec%d_attn%d", l, i)})
			}
			cur = ch
		}
		if l > 0 {
			add(step{kind: upStep, level: l - 1, cin: cur, cout: cur})
		}
	}
	add(step{kind: convOutStep, cin: cur, cout: c.OutChannels, name: "out"})
	return steps
}
