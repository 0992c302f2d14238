package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/guided"
)

func init() { trainCmd.AddCommand(newTrainDiscCmd()) }

// newTrainDiscCmd is `tidal train discriminator`.
func newTrainDiscCmd() *cobra.Command {
	var fl guidedTrainFlags
	cmd := &cobra.Command{
		Use:   "discriminator --data train.npy --steps N --run RUN",
		Short: "Train the time-consistency discriminator that guides the image model",
		Long: `discriminator trains the guide of discriminator-guided image diffusion (Hess et al. 2025, eq. 6;
docs/GUIDANCE.md, docs/GUIDED.md): the noise-conditioned ADM encoder with a two-layer MLP head, given
[noisy candidate, xⁿ, xⁿ⁻¹] and σ, with binary cross-entropy on positives xⁿ⁺¹ and hard negatives xⁿ⁺ˡ,
l ~ N_Z(1, σ_step²) without 1, candidates noised with EDM's training distribution, optionally on random
crops (--crop). The held-out accuracy per noise level (the last --val-fraction of the series, whole fields)
goes into stats.jsonl every --preview-every steps and into RUN/summary.json. --batch counts rows: half
positives, half negatives.`,
		Example: "  tidal train discriminator --data ns.npy --steps 2000 --batch 32 --crop 32,32 --run runs/disc",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return runTrainDisc(cmd, &fl) },
	}
	addGuidedTrainFlags(cmd, &fl, 32, nil)
	f := cmd.Flags()
	f.Lookup("attn-levels").Usage = "levels with self-attention after each block (default: the coarsest; UNCONFIRMED)"
	f.Float64Var(&fl.SigmaStep, "sigma-step", 2, "σ_step of the negatives' offsets l ~ N_Z(1, σ_step²)")
	f.BoolVar(&fl.FutureOnly, "future-only", true, "negatives from later frames only (l ≥ 2); --future-only=false: the paper's formula, which allows l ≤ 0 too")
	discriminatorNoiseDefaults(f, &fl)
	f.IntVar(&fl.HeadWidth, "head-width", 1024, "width of the MLP head (Tab. 2: 2 × 1024)")
	f.IntVar(&fl.HeadLayers, "head-layers", 2, "hidden layers of the MLP head")
	f.IntVar(&fl.PreviewEvery, "preview-every", 0, "steps per held-out accuracy line in stats.jsonl (0: every --checkpoint-every)")
	f.IntVar(&fl.ValPairs, "val-pairs", 128, "held-out pairs scored for the accuracy per noise level")
	return cmd
}

// discriminatorNoiseDefaults gives the guide its own training noise, ln σ ~ N(0, 1.5²), in place of the
// image model's N(−1.2, 1.2²) that the other image-model commands keep. The paper trains the guide at the
// image model's levels (Hess et al. 2025, §3); on turbulence a guide trained at the higher levels is the
// one that carries the conditioning frames into the sample (docs/RESULTS.md, "Guided forecasts: what the
// guide needs"), so it is the default, and --p-mean -1.2 --p-std 1.2 gives the paper's.
func discriminatorNoiseDefaults(f *pflag.FlagSet, fl *guidedTrainFlags) {
	fl.PMean, fl.PStd = 0, 1.5
	f.Lookup("p-mean").DefValue, f.Lookup("p-std").DefValue = "0", "1.5"
	f.Lookup("p-mean").Usage = "training noise ln σ ~ N(p-mean, p-std²) (the paper: the image model's, -1.2)"
	f.Lookup("p-std").Usage = "training noise ln σ ~ N(p-mean, p-std²) (the paper: the image model's, 1.2)"
}

// runTrainDisc trains the discriminator (Hess et al. 2025, §3): half positives, half negatives.
func runTrainDisc(cmd *cobra.Command, fl *guidedTrainFlags) error {
	if err := fl.apply(cmd); err != nil {
		return err
	}
	return runGuidedTraining(cmd, fl.trainOptions(cmd, guided.KindDiscriminator, fl.Activations()))
}
