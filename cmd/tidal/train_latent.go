package main

import (
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/trainrun"
)

// Latent DyDiff on the command line (docs/LATENT.md): `train dydiff --latent VAE_RUN` trains DyDiff on
// the training file encoded frame by frame with a VAE of `tidal train vae` (cached in the run;
// trainrun prepares it), and `forecast` decodes the forecasts of such a run back into physical units.

// addLatentFlag adds --latent to train dydiff or forecast.
func addLatentFlag(f *pflag.FlagSet, v *string, forecasting bool) {
	if forecasting {
		f.StringVar(v, "latent", "", "run directory of 'tidal train vae' whose latent space --run was trained in (default: the one the run records; given, it must be that one)")
		return
	}
	f.StringVar(v, "latent", "", "run directory of 'tidal train vae': train in its latent space (the fields, or every frame of a video file, encoded per frame, scaled; docs/LATENT.md)")
}

// openLatent opens the VAE run given to --latent, naming the flag in its errors (trainrun.OpenLatent).
func openLatent(dir string) (*latent.VAE, error) { return trainrun.OpenLatent(dir) }

// checkLatentFrames refuses data whose frames are not those the VAE was trained on.
func checkLatentFrames(v *latent.VAE, flag string, in *cli.Input) error {
	return trainrun.CheckLatentFrames(v, flag, in)
}
