package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/trainrun"
)

// ditDefaultPatch, ditDefaultHidden and ditDefaultDepth are the DiT's defaults on the command line
// (trainrun's, nets.DiT's own).
const (
	ditDefaultPatch, ditDefaultHidden, ditDefaultDepth = trainrun.DiTDefaultPatch, trainrun.DiTDefaultHidden, trainrun.DiTDefaultDepth
)

// addDiTFlags registers --patch, --hidden and --depth on `train dydiff`.
func addDiTFlags(f *pflag.FlagSet, d *trainrun.DiT) {
	f.IntVar(&d.Patch, "patch", ditDefaultPatch, "dit: side of the square patches each frame is cut into, (H/patch)·(W/patch) tokens a frame (a grid it does not divide is padded)")
	f.IntVar(&d.Hidden, "hidden", ditDefaultHidden, "dit: token width of the transformer (a multiple of 4 and of --heads)")
	f.IntVar(&d.Depth, "depth", ditDefaultDepth, "dit: transformer blocks (each spatial attention, temporal attention and an MLP)")
}

// guidedDiTFlags are the flags of `tidal train idm|vdm` that pick and size the image DiT
// (guided.TrainSpec.DiT) instead of the UNet.
type guidedDiTFlags struct {
	net                         string
	patch, hidden, depth, heads int
}

// guidedUNetOnlyFlags size the image models' UNet, not the DiT.
var guidedUNetOnlyFlags = []string{"channels", "mults", "blocks", "attn-levels", "groups", "dropout"}

// addGuidedDiTFlags registers --net, --patch, --hidden, --depth and --heads on `train idm|vdm`.
func addGuidedDiTFlags(f *pflag.FlagSet, fl *guidedDiTFlags) {
	f.StringVar(&fl.net, "net", "unet", "the network: unet (nets.UNet) or dit (nets.DiT on the noisy frame and its conditioning channels, spatial attention)")
	f.IntVar(&fl.patch, "patch", ditDefaultPatch, "dit: side of the square patches the frame is cut into (a grid it does not divide is padded)")
	f.IntVar(&fl.hidden, "hidden", ditDefaultHidden, "dit: token width of the transformer (a multiple of 4 and of --heads)")
	f.IntVar(&fl.depth, "depth", ditDefaultDepth, "dit: transformer blocks")
	f.IntVar(&fl.heads, "heads", 1, "dit: attention heads, each --hidden/--heads channels")
}

// ditExample is the `train idm|vdm --net dit` line of the command's examples.
func ditExample(kind string) string {
	return "\n  tidal train " + kind + " --data ns.npy --steps 2000 --net dit --patch 4 --hidden 64 --depth 4 --run runs/" + kind + "-dit"
}

// check refuses an unknown --net, DiT flags without --net dit, the UNet's sizes with it (given on the
// command line) and DiT sizes out of range, each error naming its flag.
func (d guidedDiTFlags) check(changed func(string) bool) error {
	switch d.net {
	case "unet":
		for _, name := range []string{"patch", "hidden", "depth", "heads"} {
			if changed(name) {
				return fmt.Errorf("--%s sizes the transformer of --net dit; --net unet does not take it", name)
			}
		}
		return nil
	case "dit":
	default:
		return fmt.Errorf("--net %q: expected unet or dit", d.net)
	}
	for _, name := range guidedUNetOnlyFlags {
		if changed(name) {
			return fmt.Errorf("--%s sizes the UNet; --net dit is sized by --patch, --hidden, --depth and --heads", name)
		}
	}
	return trainrun.CheckDiTSizes(trainrun.DiT{Patch: d.patch, Hidden: d.hidden, Depth: d.depth}, d.heads)
}

// activations is the rough per-field-point activation estimate of a training step that
// imagerun.PrepareTraining multiplies by the grid: unet (the UNet's activationBytes) for --net unet; for the
// DiT, batch rows × Depth blocks × about 28 token-wide tensors of Hidden values (kept for the backward
// pass, 3× for the gradients) per token of Patch² points, 4 bytes each.
func (d guidedDiTFlags) activations(batch int, unet int64) int64 {
	if d.net != "dit" {
		return unet
	}
	p := int64(max(d.patch, 1))
	return max(1, guard.Product(int64(batch), int64(d.depth), int64(d.hidden), 28*4*3)/(p*p))
}

// config is the image DiT for frames of shape [frames, channels, H, W] (trained on crops of crop when
// given), nil for --net unet; a patch larger than the frames the network sees is refused.
func (d guidedDiTFlags) config(shape, crop []int, periodicW bool) (*nets.DiTConfig, error) {
	if d.net != "dit" {
		return nil, nil
	}
	h, w := shape[2], shape[3]
	if len(crop) == 2 {
		h, w = crop[0], crop[1]
	}
	if d.patch > min(h, w) {
		return nil, fmt.Errorf("--patch %d is larger than the %d×%d frames the network trains on: expected at most %d", d.patch, h, w, min(h, w))
	}
	return &nets.DiTConfig{Patch: d.patch, Hidden: d.hidden, Depth: d.depth, Heads: d.heads, MLPRatio: 4, WrapW: periodicW}, nil
}
