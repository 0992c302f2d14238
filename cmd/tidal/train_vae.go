package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/trainrun"
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
	f.StringVar(&fl.data, "data", "", "training data: fields [frames, channels, H, W] (NPY), or a video file (NPZ, docs/VIDEO.md: every frame of every video)")
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

// runTrainVAE maps the flags onto trainrun.VAEOptions, prepares the run, trains it and measures it.
func runTrainVAE(cmd *cobra.Command, fl trainVAEFlags) (err error) {
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	r, err := trainrun.PrepareVAE(trainrun.VAEOptions{Data: fl.data, Run: fl.out, Channels: fl.channels, Blocks: fl.blocks,
		Groups: fl.groups, LatentChannels: fl.latentChannels, Mults: fl.mults, KLWeight: fl.klWeight, Recon: fl.recon,
		Encode: fl.encode, Periodic: fl.periodic, Steps: fl.steps, Batch: fl.batch, HeldOut: fl.heldOut, LogEvery: fl.logEvery,
		CheckpointEvery: fl.ckEvery, KeepCheckpoints: fl.keep, LR: fl.lr, Seed: fl.seed, StartOver: fl.startOver,
		Budget: b, Backend: cli.NewBackend, Log: cli.ProgressWriter(cmd, fl.quiet), Stderr: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	defer r.Close()
	done := r.Out.Guard()
	defer func() { done(err) }()
	res, rec, err := r.Trainer.Run(context.Background())
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

// vaeFrameBytes is the size of n latent or physical frames of shape frame, float32.
func vaeFrameBytes(n int, frame []int) int64 { return trainrun.FrameBytes(n, frame) }
