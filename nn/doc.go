// Package nn holds the neural-network layers of tidal's denoisers that GoMLX lacks or that must be
// fast on GoMLX's pure-Go backend: a 2D convolution with zero or periodic padding (im2col + one matmul
// on the Go backend, GoMLX's native convolution on XLA), group normalisation, SiLU, the sinusoidal
// noise-level embedding, 2× down- and up-sampling and multi-head self-attention over positions.
//
// # Layout
//
// Images are channels-first, NCHW: [batch, channels, height, width]. Convolution kernels are
// [out_channels, kernel_h, kernel_w, in_channels] (OHWI), so that a kernel reshaped to
// [out, kh·kw·in] multiplies the patch matrix [kh·kw·in, positions] of each image with no transpose.
// Per-channel parameters (biases, group-norm scale and shift) are [channels]. Channels-first keeps
// every image's pixels of one channel contiguous, which lets the im2col gather copy whole rows and
// lets every matmul of the convolution and of its gradient use the Go backend's fastest layouts.
//
// # Use
//
// Everything is a GoMLX graph function taking *graph.Node, usable inside compiled training steps on
// any backend; layers with weights take a *model.Scope and are builders ending in Done, as in GoMLX:
//
//	h := nn.GroupNorm(scope.In("norm1"), x).Groups(32).Done()
//	h = nn.Conv(scope.In("conv1"), nn.SiLU(h)).Channels(64).Padding(nn.Periodic, nn.Zero).Done()
//
// Like GoMLX's own layers they panic on shapes that do not fit while the graph is built;
// graph.Exec and model.Exec return such panics as errors. docs/NN.md describes the API.
package nn
