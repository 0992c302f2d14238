package trainrun

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/latent"
)

// tinyVAEOptions are `tidal train vae`'s defaults (latent.DefaultConfig) shrunk to a run of seconds.
func tinyVAEOptions(dataPath, run string) VAEOptions {
	d := latent.DefaultConfig()
	return VAEOptions{Data: dataPath, Run: run, Channels: 4, Blocks: 1, Groups: 2, LatentChannels: 2, Mults: []int{1, 2},
		KLWeight: d.KLWeight, Recon: d.Recon, Encode: d.Encode, Steps: 2, Batch: 2, LogEvery: 1, CheckpointEvery: 1,
		KeepCheckpoints: 3, LR: 1e-3, Seed: 1}
}

// A VAE run prepared from the options holds a tenth of the frames out (at least one) and trains; the
// latent frame is the data's halved once per level after the first, with the latent channels asked.
// Bad options and data are refused naming their flag or file, and a DyDiff run is not trained over.
func TestPrepareVAE(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeFields(t, dir, 20)
	run := filepath.Join(dir, "vae")
	r, err := PrepareVAE(tinyVAEOptions(path, run))
	if err != nil {
		t.Fatal(err)
	}
	if r.HeldOut != 2 || r.Trainer.Frames != 18 {
		t.Errorf("%d held out, %d training frames: want 2 and 18", r.HeldOut, r.Trainer.Frames)
	}
	if got := r.Trainer.Model.Config.LatentFrame(); len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 4 {
		t.Errorf("latent frame %v: want [2 4 4]", got)
	}
	res, rec, err := r.Trainer.Run(context.Background())
	r.Close()
	if err != nil || res.Step != 2 || rec.HeldOut != 2 || !(rec.Scale > 0) {
		t.Fatalf("step %d, record %+v (%v): want step 2, 2 held-out frames, a positive scale", res.Step, rec, err)
	}
	dydiff := runWithOptions(t, `{"options":{},"config":{"method":"dydiff","net":"unet"}}`)
	for _, c := range []struct {
		name, want string
		edit       func(*VAEOptions)
	}{
		{"no run", "--run is required", func(o *VAEOptions) { o.Run = "" }},
		{"recon", `--recon "l3": expected l1 or l2`, func(o *VAEOptions) { o.Recon = "l3" }},
		{"levels", "the 5 levels of --mults [1 2 2 2 2] downsample ×16", func(o *VAEOptions) { o.Mults = []int{1, 2, 2, 2, 2} }},
		{"held out", "--held-out 20 leaves none to train on", func(o *VAEOptions) { o.HeldOut = 20 }},
		{"a dydiff run", `records a run of method "dydiff"`, func(o *VAEOptions) { o.Run = dydiff }},
	} {
		o := tinyVAEOptions(path, filepath.Join(dir, "bad"))
		c.edit(&o)
		r, err := PrepareVAE(o)
		if err == nil {
			r.Close()
			t.Errorf("%s: accepted", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want it to say %q", c.name, err, c.want)
		}
	}
}
