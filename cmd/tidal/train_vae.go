package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/tidal-forecast/tidal/cli"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/internal/config"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/train"
)

func init() { trainCmd.AddCommand(newTrainVAECmd()) }

// trainVAEFlags are the flags of `tidal train vae`.
type trainVAEFlags struct {
	data, out, recon, encode                       string
	channels, blocks, latentChannels, groups       int
	mults                                          []int
	klWeight, lr                                   float64
	steps, batch, heldOut, logEvery, ckEvery, keep int
	seed                                           uint64
	periodic, startOver, quiet                     bool
}

func newTrainVAECmd() *cobra.Command {
	var fl trainVAEFlags
	d := latent.DefaultConfig()
	cmd := &cobra.Command{
		Use: "vae",
		Example: `  tidal train vae --data ns_train.npy --steps 2000 --run runs/vae
  tidal train vae --data ns_train.npy --mults 1,2,4,4 --latent-channels 4 --kl-weight 1e-5 --recon l2 --run runs/vae8`,
		Short: "Train a per-frame KL autoencoder (VAE), the first stage of latent DyDiff",
		Long: `vae trains the per-frame KL autoencoder of latent diffusion (Rombach et al. 2022; the first stage of the
DyDiff reference's Turbulence model) on the frames of a field series [frames, channels, H, W] (NPY): an
encoder to the mean and log-variance of z latent channels on the grid divided by 2^(levels − 1), a
mirrored decoder, and the loss |x − D(z)| (--recon l1) or (x − D(z))² (l2) plus --kl-weight times the KL
divergence from N(0, I), both per data value (docs/LATENT.md). The frames are normalised per channel.

The last --held-out frames are not trained on. After training the run measures its newest snapshot and
records it in RUN/vae.json: the latent scale (1 / the standard deviation of the training frames' latents,
the way latent diffusion chose 0.18215) and the reconstruction PSNR and RMSE of the held-out frames, which
it prints. 'tidal train dydiff --latent RUN' then trains DyDiff in this latent space. Running the same
command again resumes the run (or, finished, measures it again); a larger --steps extends it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := config.Apply(cmd); err != nil {
				return err
			}
			return runTrainVAE(cmd, fl)
		},
	}
	f := cmd.Flags()
	config.AddFlag(cmd)
	f.StringVar(&fl.data, "data", "", "training data: fields [frames, channels, H, W] (NPY)")
	f.StringVar(&fl.out, "run", "", "run directory (created; an existing run is resumed)")
	f.IntVar(&fl.steps, "steps", 2000, "optimiser steps of the whole run")
	f.IntVar(&fl.batch, "batch", 16, "frames per step")
	f.Float64Var(&fl.lr, "lr", 1e-3, "AdamW learning rate")
	f.IntVar(&fl.channels, "channels", d.Channels, "base width of the encoder and decoder")
	f.IntSliceVar(&fl.mults, "mults", d.Mults, "channel multiplier per level; the grid is halved between levels (1,2,4: ×4)")
	f.IntVar(&fl.blocks, "blocks", d.Blocks, "residual blocks per encoder level (the decoder has one more)")
	f.IntVar(&fl.groups, "groups", d.Groups, "most group-norm groups per layer")
	f.IntVar(&fl.latentChannels, "latent-channels", d.LatentChannels, "channels z of the latent frame")
	f.Float64Var(&fl.klWeight, "kl-weight", d.KLWeight, "weight β of the KL term against the reconstruction, both per data value (latent diffusion's kl_weight)")
	f.StringVar(&fl.recon, "recon", d.Recon, "reconstruction loss: l1 or l2")
	f.StringVar(&fl.encode, "encode", d.Encode, "how latent DyDiff encodes a frame: mean (the posterior mean) or sample (one posterior sample, the reference's)")
	f.BoolVar(&fl.periodic, "periodic", false, "periodic padding on both axes (periodic fields such as the turbulence data)")
	f.IntVar(&fl.heldOut, "held-out", 0, "frames at the end of --data kept out of training for the PSNR (0: a tenth, at least 1)")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the initial weights, the frame order and the posterior samples")
	f.IntVar(&fl.logEvery, "log-every", 10, "steps per stats.jsonl line")
	f.IntVar(&fl.ckEvery, "checkpoint-every", 100, "steps per checkpoint and snapshot (a multiple of --log-every)")
	f.IntVar(&fl.keep, "keep-checkpoints", 3, "resume checkpoints kept")
	f.BoolVar(&fl.startOver, "start-over", false, "replace a run recorded with other options instead of refusing it")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output")
	return cmd
}

func runTrainVAE(cmd *cobra.Command, fl trainVAEFlags) (err error) {
	if fl.out == "" {
		return fmt.Errorf("--run is required: the run directory")
	}
	if err := checkTrainVAEFlags(fl); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	tr, hold, to, err := vaeTrainInputs(fl)
	if err != nil {
		return err
	}
	C, H, W := tr.Shape[1], tr.Shape[2], tr.Shape[3]
	if err := checkVAEMemory(fl, b, tr); err != nil {
		return err
	}
	c := latent.Config{Method: latent.Method, Frame: []int{C, H, W}, LatentChannels: fl.latentChannels, Channels: fl.channels,
		Mults: fl.mults, Blocks: fl.blocks, Groups: fl.groups, Periodic: fl.periodic, KLWeight: fl.klWeight, Recon: fl.recon, Encode: fl.encode}
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.Seed = fl.steps, fl.batch, fl.lr, int64(fl.seed)
	o.LogEvery, o.CheckpointEvery, o.Keep = fl.logEvery, fl.ckEvery, fl.keep
	spec := latent.TrainSpec{HoldOut: hold, Config: c, Options: o, Dir: fl.out, Log: cli.ProgressWriter(cmd, fl.quiet), StartOver: fl.startOver}
	if spec.Data, err = tr.Read(b); err != nil {
		return err
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	spec.Backend = be
	t, err := latent.NewTrainer(spec)
	if err != nil {
		return fmt.Errorf("--data %s: %w", fl.data, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "train vae: %d-parameter VAE, frames %v → latents %v, %d training and %d held-out frames, backend %s\n",
		t.Model.NumParams(), c.Frame, c.LatentFrame(), t.Frames, hold, name)
	done := to.Guard()
	defer func() { done(err) }()
	res, rec, err := t.Run(context.Background())
	if err != nil {
		return err
	}
	if err := config.Write(cmd, filepath.Join(fl.out, "config.yaml")); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: trained to step %d (resumed from %d); held-out reconstruction PSNR %.2f dB (the channel means: %.2f dB), RMSE %.4g over %d frames; latent scale %.6g (recorded in %s)\n",
		fl.out, res.Step, res.Resumed, rec.PSNR, rec.MeanPSNR, rec.RMSE, rec.HeldOut, rec.Scale, filepath.Join(fl.out, latent.RecordFile))
	return nil
}

// checkTrainVAEFlags refuses bad flags of `train vae` by name.
func checkTrainVAEFlags(fl trainVAEFlags) error {
	if err := guard.First(
		guard.Int("steps", fl.steps, 1, 1<<30), guard.Int("batch", fl.batch, 1, 1<<16), guard.Finite("lr", fl.lr),
		guard.Int("channels", fl.channels, 1, 4096), guard.Ints("mults", fl.mults, 1, 64), guard.Int("blocks", fl.blocks, 1, 64),
		guard.Int("groups", fl.groups, 1, 4096), guard.Int("latent-channels", fl.latentChannels, 1, 1024),
		guard.Between("kl-weight", fl.klWeight, 0, 1e6), guard.Int("held-out", fl.heldOut, 0, 1<<30),
		guard.Int("log-every", fl.logEvery, 1, 1<<30), guard.Int("checkpoint-every", fl.ckEvery, 1, 1<<30),
		guard.Int("keep-checkpoints", fl.keep, 1, 1<<20),
	); err != nil {
		return err
	}
	switch {
	case !(fl.lr > 0):
		return fmt.Errorf("--lr %v: expected a learning rate > 0", fl.lr)
	case len(fl.mults) == 0 || len(fl.mults) > 8:
		return fmt.Errorf("--mults %v: expected 1 to 8 levels", fl.mults)
	case fl.recon != latent.ReconL1 && fl.recon != latent.ReconL2:
		return fmt.Errorf("--recon %q: expected l1 or l2", fl.recon)
	case fl.encode != latent.EncodeMean && fl.encode != latent.EncodeSample:
		return fmt.Errorf("--encode %q: expected mean or sample", fl.encode)
	case fl.ckEvery%fl.logEvery != 0:
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", fl.ckEvery, fl.logEvery)
	}
	return nil
}

// vaeTrainInputs checks --data (frames the levels can halve), the held-out frames and the run
// directory, which must hold a VAE run if anything.
func vaeTrainInputs(fl trainVAEFlags) (tr *cli.Input, hold int, to *cli.TrainOut, err error) {
	layout := "[frames, channels, height, width]"
	tr, err = cli.StatInput("data", fl.data, 4, 4, layout)
	if err != nil {
		return nil, 0, nil, err
	}
	T, H, W := tr.Shape[0], tr.Shape[2], tr.Shape[3]
	if f := 1 << (len(fl.mults) - 1); H%f != 0 || W%f != 0 {
		return nil, 0, nil, fmt.Errorf("%s has frames of %d×%d: the %d levels of --mults %v downsample ×%d, which must divide the height and width (crop or pad the data, or use fewer levels)",
			tr, H, W, len(fl.mults), fl.mults, f)
	}
	hold = fl.heldOut
	if hold == 0 {
		hold = max(1, T/10)
	}
	if hold >= T {
		return nil, 0, nil, fmt.Errorf("%s has %d frames: --held-out %d leaves none to train on", tr, T, hold)
	}
	to, err = cli.CheckTrainOut(fl.out, tr)
	if err != nil {
		return nil, 0, nil, err
	}
	if to.Existed() && !latent.IsRun(fl.out) {
		if c := recordedMethod(fl.out); c != "" {
			return nil, 0, nil, fmt.Errorf("--run %s records a run of method %q (options.json), not a VAE run: give a new folder", fl.out, c)
		}
	}
	return tr, hold, to, nil
}

// checkVAEMemory checks the memory a VAE's training needs: the data three times and the activations of
// a batch.
func checkVAEMemory(fl trainVAEFlags, b guard.Budget, tr *cli.Input) error {
	C, H, W := tr.Shape[1], tr.Shape[2], tr.Shape[3]
	top := int64(fl.channels) * int64(maxInt(fl.mults))
	act := guard.Product(int64(fl.batch), int64(H*W), top, 4, int64(8*(2*fl.blocks+3)*len(fl.mults)))
	need := guard.Sum(guard.Product(tr.Bytes(), 3), act)
	return b.CheckMemory(fmt.Sprintf("training a VAE on batches of %d frames [%d, %d, %d]", fl.batch, C, H, W), need)
}

// recordedMethod is the method recorded in the options.json of the run directory dir ("" if none).
func recordedMethod(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return ""
	}
	var rec struct {
		Config struct {
			Method string `json:"method"`
		} `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil || rec.Config.Method == "" {
		return "unknown"
	}
	return rec.Config.Method
}

// maxInt is the largest of xs (0 for none).
func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// vaeFrameBytes is the size of n latent or physical frames of shape frame, float32.
func vaeFrameBytes(n int, frame []int) int64 {
	return guard.Product(int64(n), int64(data.NumElements(frame)), 4)
}
