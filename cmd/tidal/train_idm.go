package main

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/nets"
)

func init() {
	trainCmd.AddCommand(newTrainImageCmd(guided.KindIDM), newTrainImageCmd(guided.KindVDM))
}

// newTrainImageCmd is `tidal train idm` or `tidal train vdm`.
func newTrainImageCmd(kind string) *cobra.Command {
	var fl guidedTrainFlags
	var dit guidedDiTFlags
	short := "Train the unconditional EDM image model (IDM) on single frames"
	long := `idm trains the image model of discriminator-guided image diffusion (Hess et al. 2025; docs/GUIDED.md):
a DDPM++-style UNet (nets.UNet, periodic padding per axis) on single frames of --data, with EDM's
preconditioning (σ_data) and loss (ln σ ~ N(p-mean, p-std²), weight λ(σ)), AdamW and EMA weights for
sampling. The run directory resumes when the same command is run again; 'tidal rollout --idm RUN' samples it.`
	if kind == guided.KindVDM {
		short = "Train the video diffusion baseline (VDM): the IDM's network conditioned on the two previous frames"
		long = `vdm trains the paper's video baseline (Hess et al. 2025, §4; docs/GUIDED.md): the same network, loss and
optimiser as 'tidal train idm', with the two previous frames xⁿ, xⁿ⁻¹ concatenated to the noisy frame
along the channels. 'tidal rollout --vdm RUN' samples it.`
	}
	cmd := &cobra.Command{
		Use:     kind + " --data train.npy --steps N --run RUN",
		Short:   short,
		Long:    long,
		Example: "  tidal train " + kind + " --data ns.npy --steps 2000 --batch 16 --channels 64 --run runs/" + kind + ditExample(kind),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := fl.apply(cmd); err != nil {
				return err
			}
			if err := dit.check(cmd.Flags().Changed); err != nil {
				return err
			}
			o := fl.trainOptions(cmd, kind, dit.activations(fl.Batch, fl.Activations()))
			o.DiT = func(shape []int) (*nets.DiTConfig, error) { return dit.config(shape, fl.Crop, fl.PeriodicW) }
			return runGuidedTraining(cmd, o)
		},
	}
	addGuidedTrainFlags(cmd, &fl, 64, nil)
	addGuidedDiTFlags(cmd.Flags(), &dit)
	return cmd
}
