// Package nets holds tidal's whole networks, built from the layers of package nn: the denoiser
// UNet that the DyDiff and the discriminator-guided EDM methods train (Hess et al. 2025, App. A;
// Guo et al. 2025; docs/NETS.md). A network knows nothing of diffusion: it maps a noisy input, a noise level and
// conditioning inputs to an output, with the signature of dydiff.Net and diffusion.Net.
//
//	u, err := nets.New(nets.Config{InChannels: 3, OutChannels: 1, Channels: 64,
//		PadH: nn.Periodic, PadW: nn.Periodic})
//	out := u.Apply(scope, x, cNoise, []*graph.Node{prev, prev2}) // x [B, 1, H, W] → [B, 1, H, W]
//
// UNet.NumParams and UNet.FLOPs count its parameters and its matmul work from the configuration
// (`tidal bench train-step` times training steps against them). VideoUNet is DyDiff's video denoiser:
// the UNet per frame with learned temporal mixing between the frames (NewVideo, VideoInput). DiT is
// a diffusion transformer (Peebles & Xie 2023) with the same inputs: patches of every frame as tokens,
// adaLN-Zero blocks of spatial and temporal attention (NewDiT, ReferenceDiTS4Config).
// docs/NETS.md describes the networks.
package nets
