package nets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nn"
)

// vaeTorch is an independent PyTorch forward of the VAE documented on nets.VAE, reading the weights that
// the Go network created (kernels [Cout, K, K, Cin], by variable path) and the input from NPY files in
// each folder given as an argument; it writes mean.npy, logvar.npy and decoded.npy (the decoder applied to the mean).
const vaeTorch = `
import json, sys, numpy as np, torch, torch.nn.functional as F
def run(d):
    global cfg, W, pad
    cfg = json.load(open(d + "/cfg.json"))
    W = {k: torch.from_numpy(np.load(d + "/" + f)).double() for k, f in cfg["vars"].items()}
    pad = "circular" if cfg["periodic"] else "zeros"
    def groups(c, g):
        for n in range(min(g, c), 0, -1):
            if c % n == 0:
                return n
    def conv(p, x):
        k = W[p + "/kernel"].permute(0, 3, 1, 2)
        r = k.shape[-1] // 2
        if r and pad == "circular":
            x = F.pad(x, (r, r, r, r), mode="circular")
            return F.conv2d(x, k, W[p + "/bias"])
        return F.conv2d(x, k, W[p + "/bias"], padding=r)
    def gn(p, x):
        return F.group_norm(x, groups(x.shape[1], cfg["groups"]), W[p + "/scale"], W[p + "/shift"], eps=cfg["eps"])
    def block(p, x, cout):
        h = conv(p + "/conv1", F.silu(gn(p + "/norm1", x)))
        h = conv(p + "/conv2", F.silu(gn(p + "/norm2", h)))
        s = conv(p + "/skip", x) if x.shape[1] != cout else x
        return s + h
    ch, mults, nb, z = cfg["channels"], cfg["mults"], cfg["blocks"], cfg["z"]
    L = len(mults)
    x = torch.from_numpy(np.load(d + "/x.npy")).double()
    h = conv("/encoder/conv_in", x)
    for l, m in enumerate(mults):
        for b in range(nb):
            h = block("/encoder/down%d_block%d" % (l, b), h, ch * m)
        if l < L - 1:
            h = F.avg_pool2d(h, 2)
    for b in range(2):
        h = block("/encoder/mid_block%d" % b, h, h.shape[1])
    h = conv("/encoder/conv_out", F.silu(gn("/encoder/norm_out", h)))
    mean, logvar = h[:, :z], torch.clamp(h[:, z:], -30, 20)
    top = ch * mults[-1]
    h = conv("/decoder/conv_in", mean)
    for b in range(2):
        h = block("/decoder/mid_block%d" % b, h, top)
    for l in range(L - 1, -1, -1):
        for b in range(nb + 1):
            h = block("/decoder/up%d_block%d" % (l, b), h, ch * mults[l])
        if l > 0:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
    h = conv("/decoder/conv_out", F.silu(gn("/decoder/norm_out", h)))
    for name, t in (("mean", mean), ("logvar", logvar), ("decoded", h)):
        np.save(d + "/" + name + ".npy", t.numpy().astype(np.float32))

for d in sys.argv[1:]:
    run(d)
`

// TestVAEAgainstPyTorch runs the VAE with random (non-initial) weights in Go and in the independent
// PyTorch forward vaeTorch on the same weights and input, for zero and periodic padding, and compares the
// posterior mean, log-variance and decoded frames.
func TestVAEAgainstPyTorch(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "torch")
	var dirs []string
	var gos [][]*tensors.Tensor
	for _, periodic := range []bool{false, true} {
		pad := nn.Zero
		if periodic {
			pad = nn.Periodic
		}
		v, err := NewVAE(VAEConfig{InChannels: 2, LatentChannels: 3, Channels: 8, Mults: []int{1, 2, 3}, Blocks: 1, Groups: 4, PadH: pad, PadW: pad})
		if err != nil {
			t.Fatal(err)
		}
		fn := func(scope *model.Scope, x *Node) []*Node {
			m, l := v.Encode(scope, x)
			return []*Node{m, l, v.Decode(scope, m)}
		}
		store := model.NewStore()
		x := randTensor(3, 2, 2, 8, 12)
		build, err := model.NewExec(goBackend(t), store, fn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := build.Call(x); err != nil {
			t.Fatal(err)
		}
		build.Finalize()
		randomizeVariables(t, store, 5, 0.3)
		exec, err := model.NewExec(goBackend(t), store, fn) // compiled after the new weights (GOMLX_NOTES pitfall 2)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Call(x)
		exec.Finalize()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		vars := map[string]string{}
		i := 0
		for vr := range tensortest.Trainable(store) {
			name := fmt.Sprintf("v%03d.npy", i)
			i++
			val, err := vr.Value()
			if err != nil {
				t.Fatal(err)
			}
			writeNPY(t, filepath.Join(dir, name), val)
			vars[vr.Path()] = name
		}
		writeNPY(t, filepath.Join(dir, "x.npy"), x)
		cfg, _ := json.Marshal(map[string]any{"vars": vars, "periodic": periodic, "groups": 4, "eps": 1e-6,
			"channels": 8, "mults": []int{1, 2, 3}, "blocks": 1, "z": 3})
		if err := os.WriteFile(filepath.Join(dir, "cfg.json"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		dirs, gos = append(dirs, dir), append(gos, outs)
	}
	if out, err := pyref.Run(py, vaeTorch, dirs...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for i, dir := range dirs {
		periodic, outs := i == 1, gos[i]
		for k, name := range []string{"mean", "logvar", "decoded"} {
			ref, err := data.ReadNPY(filepath.Join(dir, name+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](outs[k])
			if !equalInts(outs[k].Shape().Dimensions, ref.Shape) {
				t.Fatalf("periodic %v, %s: Go shape %v, PyTorch %v", periodic, name, outs[k].Shape().Dimensions, ref.Shape)
			}
			if e := tensortest.RelErr(got, ref.Float32()); e > 1e-4 {
				t.Errorf("periodic %v, %s: relative error %.3g against PyTorch", periodic, name, e)
			}
		}
	}
}

func writeNPY(t *testing.T, path string, x *tensors.Tensor) {
	t.Helper()
	v := tensors.MustCopyFlatData[float32](x)
	if err := data.WriteNPY(path, data.FromFloat32(v, x.Shape().Dimensions...)); err != nil {
		t.Fatal(err)
	}
}
