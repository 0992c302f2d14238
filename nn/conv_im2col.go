package nn

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// The im2col convolution, built only from operations that the Go backend runs at memory speed.
//
// The padded input of each image is flattened into "planes" of rows of a fixed pitch, so that every
// kernel tap is one contiguous window of a plane: tap (dy, dx) of output position t = i·pitch + j is
// plane[t + offset(dy, dx)]. Output positions with j ≥ Wo ("junk" columns, pitch − Wo per row) are
// computed and dropped. One Gather copies the KH·KW windows (long contiguous runs) into the patch
// tensor P [B, KH·KW·Cin, L], and one batched matmul gives out = W · P.
//
//   - Stride 1: one plane, the input padded by KH/2 rows above and below plus one slack row. With zero
//     padding across the width, pitch = W + KW/2: the KW/2 zero columns at the start of each row are also
//     the right-hand padding of the row before. With periodic padding, pitch = W + 2·(KW/2) holding the
//     wrapped columns.
//   - Stride 2: the fully padded input is split into its 4 polyphase components (even/odd rows ×
//     even/odd columns), each a plane of pitch W/2 + KW/2; tap (dy, dx) reads plane (dy%2, dx%2) at
//     offset (dy/2)·pitch + dx/2.
//
// Gradients (stated by hand, see withVJP):
//
//	dKernel = Σ_b gout_b · P_bᵀ                      (one batched matmul, contracting the positions)
//	dx      = Conv2D(gout, flipped kernel)            (stride 1: the adjoint is a convolution)
//	dx      = col2im(Wᵀ · gout)                        (stride 2: scatter-add of taps into the planes)

// im2colPlan describes the flattened planes and the kernel taps of one convolution.
type im2colPlan struct {
	planes        int   // 1 (stride 1) or 4 (stride 2)
	pitch, rows   int   // row length of a plane, and its number of rows (slack row included)
	L             int   // Ho·pitch: output positions per image, junk columns included
	plane, offset []int // per tap dy·KW+dx: which plane, and the start of its window
}

func planIm2col(g convGeom) im2colPlan {
	p := im2colPlan{}
	taps := g.KH * g.KW
	p.plane, p.offset = make([]int, taps), make([]int, taps)
	if g.Stride == 1 {
		p.planes = 1
		p.pitch = g.W + g.PW
		if g.PadW == Periodic {
			p.pitch = g.W + 2*g.PW
		}
		p.rows = g.H + 2*g.PH + 1
		for dy := range g.KH {
			for dx := range g.KW {
				p.offset[dy*g.KW+dx] = dy*p.pitch + dx
			}
		}
	} else {
		p.planes = 4
		p.pitch = g.W/2 + g.PW
		p.rows = g.H/2 + g.PH + 1
		for dy := range g.KH {
			for dx := range g.KW {
				p.plane[dy*g.KW+dx] = (dy%2)*2 + dx%2
				p.offset[dy*g.KW+dx] = (dy/2)*p.pitch + dx/2
			}
		}
	}
	p.L = g.Ho * p.pitch
	return p
}

// crop keeps indices [start, end) of one axis; a negative Pad, which the Go backend copies in
// contiguous runs (Slice goes element by element). Not differentiable in GoMLX v0.28: use only
// under withVJP.
func crop(x *Node, axis, start, end int) *Node {
	n := x.Shape().Dimensions[axis]
	if start == 0 && end == n {
		return x
	}
	cfg := make([]PadAxis, x.Rank())
	cfg[axis] = PadAxis{Start: -start, End: -(n - end)}
	return Pad(x, padZero(x), cfg...)
}

// padZero is the fill value of tidal's zero padding: −0, which equals 0 in every sum and product
// (only the sign of an exact zero result can differ). Why: the Go backend fills a Pad whose fill
// value has all bits zero with a scalar loop, but any other value with block copies, ~3× faster.
func padZero(x *Node) *Node {
	return Scalar(x.Graph(), x.DType(), math.Copysign(0, -1))
}

// cropColumns returns x, viewed as [B, C, H, pitch], without its junk columns: [B, C, H, W]. A Gather
// of one window per row (no gradient: use under withVJP); on the Go backend it is ~2x faster than the
// equivalent negative Pad, which first zero-fills its output.
func cropColumns(x *Node, B, C, H, pitch, W int) *Node {
	if pitch == W {
		return Reshape(x, B, C, H, W)
	}
	rows := Reshape(x, B*C*H, pitch)
	y := GatherSlices(rows, []int{1}, Const(x.Graph(), [][]int32{{0}}), []int{W}, true)
	return Reshape(y, B, C, H, W)
}

// padAxis pads one axis with zeros: before values in front, after at the end.
func padAxis(x *Node, axis, before, after int) *Node {
	if before == 0 && after == 0 {
		return x
	}
	cfg := make([]PadAxis, x.Rank())
	cfg[axis] = PadAxis{Start: before, End: after}
	return Pad(x, padZero(x), cfg...)
}

// wrap extends one axis periodically by p on each side: [x[n−p:], x, x[:p]].
func wrap(x *Node, axis, p int) *Node {
	if p == 0 {
		return x
	}
	n := x.Shape().Dimensions[axis]
	return Concatenate([]*Node{crop(x, axis, n-p, n), x, crop(x, axis, 0, p)}, axis)
}

// padSpatial pads the height (axis 2) and width (axis 3) of x by (top, bottom) and (left, right),
// periodically where the geometry says so (periodic padding is always symmetric), else with zeros.
// Zero padding on both axes is a single Pad.
func padSpatial(x *Node, g convGeom, top, bottom, left, right int) *Node {
	var cfg [4]PadAxis
	if g.PadW == Periodic {
		x = wrap(x, 3, left)
	} else {
		cfg[3] = PadAxis{Start: left, End: right}
	}
	if g.PadH == Periodic {
		x = wrap(x, 2, top)
		bottom -= top // What is left beyond the wrapped rows (the slack row).
	} else {
		cfg[2] = PadAxis{Start: top, End: bottom}
	}
	cfg[2].End = bottom
	if cfg[2] == (PadAxis{}) && cfg[3] == (PadAxis{}) {
		return x
	}
	return Pad(x, padZero(x), cfg[:]...)
}

// im2colPlanes returns the flattened planes of x: [B, planes, C, rows·pitch].
func im2colPlanes(x *Node, g convGeom, p im2colPlan) *Node {
	C := x.Shape().Dimensions[1]
	if g.Stride == 1 {
		right := 0
		if g.PadW == Periodic {
			right = g.PW
		}
		xp := padSpatial(x, g, g.PH, g.PH+1, g.PW, right)
		return Reshape(xp, g.B, 1, C, p.rows*p.pitch)
	}
	xp := padSpatial(x, g, g.PH, g.PH, g.PW, g.PW) // [B, C, H+2PH, W+2PW], even sizes.
	hq, wq := (g.H+2*g.PH)/2, (g.W+2*g.PW)/2
	xp = Reshape(xp, g.B, C, hq, 2, wq, 2)
	xp = TransposeAllAxes(xp, 0, 3, 5, 1, 2, 4) // [B, 2, 2, C, hq, wq]
	xp = padAxis(xp, 4, 0, 1)                   // Slack row.
	return Reshape(xp, g.B, 4, C, p.rows*p.pitch)
}

// gatherTaps copies every tap's window out of the planes [B, planes, C, R] into the patch tensor
// P [B, taps·C, L], rows ordered (dy, dx, c) to match the kernel layout [Cout, KH, KW, Cin].
func gatherTaps(planes *Node, p im2colPlan) *Node {
	d := planes.Shape().Dimensions
	B, C := d[0], d[2]
	taps := len(p.offset)
	idx := make([][][]int32, B)
	for b := range idx {
		idx[b] = make([][]int32, taps)
		for t := range taps {
			idx[b][t] = []int32{int32(b), int32(p.plane[t]), int32(p.offset[t])}
		}
	}
	patches := GatherSlices(planes, []int{0, 1, 3}, Const(planes.Graph(), idx), []int{1, 1, p.L}, false)
	return Reshape(patches, B, taps*C, p.L) // [B, taps, 1, 1, C, L] -> [B, taps·C, L]
}

// batchedMatMul returns [B, M, N] = w [M, K] · rhs[b] [B, K, N] for every b.
func batchedMatMul(w, rhs *Node) *Node {
	B := rhs.Shape().Dimensions[0]
	return DotGeneral(repeatLeading(w, B), []int{2}, []int{0}, rhs, []int{1}, []int{0})
}

// repeatLeading returns B copies of x stacked on a new leading axis, [B, ...]: BroadcastPrefix,
// written as a concatenation because the Go backend broadcasts element by element but concatenates
// by block copies. No gradient (use under withVJP).
func repeatLeading(x *Node, B int) *Node {
	x1 := InsertAxes(x, 0)
	if B == 1 {
		return x1
	}
	copies := make([]*Node, B)
	for i := range copies {
		copies[i] = x1
	}
	return Concatenate(copies, 0)
}

// kernelGradient returns Σ_b gout_b · P_bᵀ [Cout, K] for patches P [B, K, L] and output gradients
// gout [B, Cout, L]. It is computed transposed, as Σ_b P_b · gout_bᵀ, because the Go backend packs a
// matmul's left operand with assembly but the right one, when its contracting axis is last, with
// slower generic code: the large P must be on the left (~30% faster at 32 channels).
func kernelGradient(patches, gout *Node) *Node {
	dwT := ReduceSum(DotGeneral(patches, []int{2}, []int{0}, gout, []int{2}, []int{0}), 0) // [K, Cout]
	return Transpose(dwT, 0, 1)
}

// im2colForward computes the convolution, and returns the patch tensor P and the plan for the
// gradient.
func im2colForward(x, kernel *Node, g convGeom) (out, patches *Node, p im2colPlan) {
	taps := g.KH * g.KW
	w := Reshape(kernel, g.Cout, taps*g.Cin)
	p = planIm2col(g)
	patches = gatherTaps(im2colPlanes(x, g, p), p)
	out = batchedMatMul(w, patches) // [B, Cout, Ho·pitch]
	return cropColumns(out, g.B, g.Cout, g.Ho, p.pitch, g.Wo), patches, p
}

// conv1x1 is a 1×1, stride-1 convolution: per image the matmul w [Cout, Cin] · x_b [Cin, H·W], with
// x used in its own shape (no patches, and no Reshape of x, which the Go backend copies when x has
// other users); gradients dx = wᵀ·gout and dw = Σ_b gout_b·x_bᵀ, stated by hand.
func conv1x1(x, kernel *Node, g convGeom) *Node {
	w := Reshape(kernel, g.Cout, g.Cin)
	apply := func(w, x *Node) *Node { // w [M, K], x [B, K, H, W] -> [B, M, H, W]
		return DotGeneral(repeatLeading(w, g.B), []int{2}, []int{0}, x, []int{1}, []int{0})
	}
	out := apply(w, x)
	dInput := func(v *Node) *Node { return apply(Transpose(w, 0, 1), v) }
	dKernel := func(v *Node) *Node { // Σ_b x_b·v_bᵀ [Cin, Cout], the large x on the left (see kernelGradient).
		dwT := ReduceSum(DotGeneral(x, []int{2, 3}, []int{0}, v, []int{2, 3}, []int{0}), 0)
		return Reshape(Transpose(dwT, 0, 1), g.Cout, 1, 1, g.Cin)
	}
	return withVJP([]*Node{x, kernel}, out, []func(*Node) *Node{dInput, dKernel})
}

// convIm2col is Conv2D on the im2col path, with its hand-written gradient.
func convIm2col(x, kernel *Node, g convGeom) *Node {
	if g.KH == 1 && g.KW == 1 && g.Stride == 1 {
		return conv1x1(x, kernel, g)
	}
	out, patches, p := im2colForward(x, kernel, g)
	// gExt is the output gradient laid out like the matmul's output: [B, Cout, L], junk columns 0.
	gExt := func(v *Node) *Node {
		return Reshape(padAxis(v, 3, 0, p.pitch-g.Wo), g.B, g.Cout, p.L)
	}
	dKernel := func(v *Node) *Node {
		return Reshape(kernelGradient(patches, gExt(v)), g.Cout, g.KH, g.KW, g.Cin)
	}
	dInput := func(v *Node) *Node {
		if g.Stride == 1 {
			gt := g
			gt.Cin, gt.Cout = g.Cout, g.Cin
			dx, _, _ := im2colForward(v, flipKernel(kernel), gt)
			return dx
		}
		return col2imStride2(v, kernel, g, p, gExt(v))
	}
	return withVJP([]*Node{x, kernel}, out, []func(*Node) *Node{dInput, dKernel})
}

// col2imStride2 is the input gradient of a stride-2 convolution: dP = Wᵀ·gout, each tap's rows of
// dP added back at its window in its plane, and the planes and padding undone.
func col2imStride2(v, kernel *Node, g convGeom, p im2colPlan, gExt *Node) *Node {
	taps := g.KH * g.KW
	R := p.rows * p.pitch
	wt := Transpose(Reshape(kernel, g.Cout, taps*g.Cin), 0, 1) // [taps·Cin, Cout]
	dP := Reshape(batchedMatMul(wt, gExt), g.B, taps, g.Cin, p.L)
	acc := make([]*Node, 4)
	for t := range taps {
		cfg := []PadAxis{{}, {Start: -t, End: -(taps - 1 - t)}, {}, {Start: p.offset[t], End: R - p.L - p.offset[t]}}
		contrib := Pad(dP, padZero(v), cfg...) // [B, 1, Cin, R]
		if acc[p.plane[t]] == nil {
			acc[p.plane[t]] = contrib
		} else {
			acc[p.plane[t]] = Add(acc[p.plane[t]], contrib)
		}
	}
	for i := range acc {
		if acc[i] == nil {
			acc[i] = Zeros(v.Graph(), shapeOf(v.DType(), g.B, 1, g.Cin, R))
		}
	}
	hq, wq := (g.H+2*g.PH)/2, (g.W+2*g.PW)/2
	d := Reshape(Concatenate(acc, 1), g.B, 2, 2, g.Cin, p.rows, p.pitch)
	d = crop(d, 4, 0, hq)                     // Drop the slack row.
	d = TransposeAllAxes(d, 0, 3, 4, 1, 5, 2) // [B, Cin, hq, 2, wq, 2]
	d = Reshape(d, g.B, g.Cin, 2*hq, 2*wq)
	d = unpadAdjoint(d, 2, g.PH, g.H, g.PadH)
	return unpadAdjoint(d, 3, g.PW, g.W, g.PadW)
}

// unpadAdjoint is the adjoint of padding one axis (of final length n) by p on both sides: the
// interior, plus -- for periodic padding -- the wrapped copies folded back onto their sources.
func unpadAdjoint(d *Node, axis, p, n int, mode Padding) *Node {
	if p == 0 {
		return d
	}
	interior := crop(d, axis, p, p+n)
	if mode == Zero {
		return interior
	}
	lo := crop(d, axis, 0, p)       // Copies of x[n−p : n].
	hi := crop(d, axis, n+p, n+2*p) // Copies of x[0 : p].
	return Add(interior, Add(padAxis(lo, axis, n-p, 0), padAxis(hi, axis, 0, n-p)))
}
