package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/nets"
)

// ditFlags are the flags of `tidal train dydiff --net dit` that size nets.DiT (docs/NETS.md, "DiT");
// --heads is the UNet's flag, which the DiT reads too.
type ditFlags struct {
	patch, hidden, depth int
}

// DiT's defaults on the command line: nets.DiT's own, a CPU-sized DiT; with --heads's default, 1, its
// one head is 64 channels wide, as DiT's heads are.
const (
	ditDefaultPatch, ditDefaultHidden, ditDefaultDepth = 4, 64, 4
)

// ditOnlyFlags size the DiT only.
var ditOnlyFlags = []string{"patch", "hidden", "depth"}

// unetOnlyFlags size the UNet and the video UNet, not the DiT.
var unetOnlyFlags = []string{"channels", "mults", "blocks", "attn-levels", "groups", "head", "dropout", "temporal-conv", "temporal-attn"}

// addDiTFlags registers --patch, --hidden and --depth on `train dydiff`.
func addDiTFlags(f *pflag.FlagSet, fl *ditFlags) {
	f.IntVar(&fl.patch, "patch", ditDefaultPatch, "dit: side of the square patches each frame is cut into, (H/patch)·(W/patch) tokens a frame (a grid it does not divide is padded)")
	f.IntVar(&fl.hidden, "hidden", ditDefaultHidden, "dit: token width of the transformer (a multiple of 4 and of --heads)")
	f.IntVar(&fl.depth, "depth", ditDefaultDepth, "dit: transformer blocks (each spatial attention, temporal attention and an MLP)")
}

// checkDiTFlags refuses DiT flags without --net dit, the UNet's sizes with it (given on the command
// line), and DiT sizes out of range, each error naming its flag. It needs no data: the patch against
// the frames is setDiT's.
func checkDiTFlags(fl trainDyDiffFlags, changed func(string) bool) error {
	if fl.net != "dit" {
		for _, name := range ditOnlyFlags {
			if changed(name) {
				return fmt.Errorf("--%s sizes the transformer of --net dit; --net %s does not take it", name, fl.net)
			}
		}
		return nil
	}
	for _, name := range unetOnlyFlags {
		if changed(name) {
			return fmt.Errorf("--%s sizes the UNet; --net dit is sized by --patch, --hidden, --depth and --heads", name)
		}
	}
	d, heads := fl.dit, fl.heads
	if err := guard.First(guard.Int("patch", d.patch, 1, 64), guard.Int("hidden", d.hidden, 4, 8192),
		guard.Int("depth", d.depth, 1, 1024), guard.Int("heads", heads, 1, 4096)); err != nil {
		return err
	}
	switch {
	case d.hidden%4 != 0:
		return fmt.Errorf("--hidden %d: expected a multiple of 4 (the 2D sin-cos position embedding takes a quarter for each of sin and cos of row and column)", d.hidden)
	case d.hidden%heads != 0:
		return fmt.Errorf("--heads %d does not divide --hidden %d: each head takes hidden/heads channels", heads, d.hidden)
	}
	return nil
}

// setDiT records the DiT's settings in mc for --net dit (nil otherwise), and clears the UNet's, which
// it does not use; a patch larger than the frames (one token, mostly padding) is refused.
func setDiT(mc *dymodel.Config, fl trainDyDiffFlags) error {
	if fl.net != "dit" {
		return nil
	}
	H, W := mc.Frame[1], mc.Frame[2]
	if fl.dit.patch > min(H, W) {
		return fmt.Errorf("--patch %d is larger than the %d×%d frames of --data %s: expected at most %d", fl.dit.patch, H, W, fl.data, min(H, W))
	}
	mc.UNet = dymodel.UNetConfig{}
	mc.DiT = &dymodel.DiTConfig{Patch: fl.dit.patch, Hidden: fl.dit.hidden, Depth: fl.dit.depth, Heads: fl.heads, MLPRatio: 4,
		WrapW: fl.periodic || fl.periodicLon}
	return nil
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
	if err := guard.First(guard.Int("patch", d.patch, 1, 64), guard.Int("hidden", d.hidden, 4, 8192),
		guard.Int("depth", d.depth, 1, 1024), guard.Int("heads", d.heads, 1, 4096)); err != nil {
		return err
	}
	switch {
	case d.hidden%4 != 0:
		return fmt.Errorf("--hidden %d: expected a multiple of 4 (the 2D sin-cos position embedding takes a quarter for each of sin and cos of row and column)", d.hidden)
	case d.hidden%d.heads != 0:
		return fmt.Errorf("--heads %d does not divide --hidden %d: each head takes hidden/heads channels", d.heads, d.hidden)
	}
	return nil
}

// activations is the rough per-field-point activation estimate of a training step that
// readTrainingSeries multiplies by the grid: unet (the UNet's activationBytes) for --net unet; for the
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
