package benchcli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/guidedbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
)

func init() { benchCmd.AddCommand(newBenchGuidedCmd()) }

func newBenchGuidedCmd() *cobra.Command {
	var quick, futureOnly, withDyDiff, velocity bool
	var seed uint64
	var steps, frames, members, size, samplerSteps, discSteps, discBatch, discChannels, ddimSteps int
	var dydiffParam string
	var lambda, vdmLambda, guideSigmaMax, discPMean, discPStd, clipX0, ctxNoise float64
	var lambdas []float64
	var bands lambdaBandsList
	var dir, jsonPath string
	var probeWindows int
	cmd := &cobra.Command{
		Use: "guided",
		Example: `  tidal bench guided --quick --out guided.json
  tidal bench guided --seed 1 --dir bench-guided --lambdas 0,14,25 --out guided.json
  tidal bench guided --quick --velocity --dir bg --lambda-bands 0.05=40,0.5=12,5=7,inf=2 --out guided-velocity.json`,
		Short: "The paper's comparison: guided vs unguided image model vs video model on generated turbulence",
		Long: `guided generates forced 2D turbulence (sim/navierstokes), trains an image model, a discriminator and
a video model with the same budget (the video model is also scored guided by the same discriminator,
--vdm-lambda; and a DyDiff model, guided by the same discriminator and unguided:
--dydiff), rolls the guided image model, the unguided one and the video model out
from the same two test frames, and prints |ACF − ACF_truth| (lags 1–9), the Hovmöller W1 distance, the drift
and std of the rollout's last quarter, and the bias, CRPS and spread-skill ratio of ensemble forecasts, then
a sweep over λ (Hess et al. 2025, §4; docs/GUIDED.md), and, per noise level σ on held-out windows, the
cosine and the norm ratio between the discriminator's guidance term λσ²∇ log-odds and the ideal one that
the video model implies, D_VDM − D_IDM (--probe-windows; where the guide fails), and the single-frame
spectrum of ζ: each model's rollout power per wavenumber band over the truth's. --velocity makes the
frames (ζ, u, v) for every model: the time-consistency scores, the std ratio and the spectrum are then
those of ζ, the forecast scores are printed for ζ and per channel in physical units, and the
ideal-guide diagnostics pool the three channels in normalised units. Each --lambda-bands adds a row and a
diagnostics table: the image model guided at λ per noise band instead of --lambda's one λ. A second run
with the same --dir and settings reuses the trained runs (it only samples). --quick takes minutes on 2 cores;
the default is the largest setting meant to finish within an hour.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := guidedbench.Full()
			if quick {
				o = guidedbench.Quick()
			}
			f := cmd.Flags()
			if err := guard.First(guard.Int("steps", steps, 0, 1<<24), guard.Int("frames", frames, 0, 1<<24), guard.Int("members", members, 0, 1024),
				guard.Int("size", size, 0, 512), guard.Int("sampler-steps", samplerSteps, 0, 1000), guard.Between("lambda", lambda, 0, 1e6), guard.Between("guide-sigma-max", guideSigmaMax, 0, 1e9), guard.AllOpen("lambdas", lambdas, -1e-300, 1e6)); err != nil {
				return err
			}
			if size != 0 && (size < 16 || size%4 != 0) {
				// 16 is the smallest multiple of 4 whose dealiasing cutoff (N − 1)/3 lies above the forcing's k_f = 3.
				return fmt.Errorf("--size %d: expected a multiple of 4, at least 16", size)
			}
			if frames != 0 && frames < 10 {
				return fmt.Errorf("--frames %d: expected 0 (the setting's) or at least 10, for the ACF at lags 1–9", frames)
			}
			if err := guard.First(guard.Int("disc-steps", discSteps, 0, 1<<24), guard.Int("disc-batch", discBatch, 0, 1<<16), guard.Int("disc-channels", discChannels, 0, 1024),
				guard.Between("disc-p-mean", discPMean, -10, 10), guard.Between("disc-p-std", discPStd, 0, 10),
				guard.Int("dydiff-sampler-steps", ddimSteps, 0, 1000), guard.Between("clip-x0", clipX0, 0, 1e6), guard.Int("probe-windows", probeWindows, 0, 1<<16), guard.Between("vdm-lambda", vdmLambda, 0, 1e6)); err != nil {
				return err
			}
			o.DyDiff, o.DDIMSteps, o.Velocity = withDyDiff, ddimSteps, velocity
			if f.Changed("dydiff-param") {
				if dydiffParam != dymodel.ParamEDM && dydiffParam != dymodel.ParamDDPM {
					return fmt.Errorf("--dydiff-param %q: expected edm or ddpm", dydiffParam)
				}
				o.DyDiffParam = dydiffParam
			}
			if o.DyDiffParam == dymodel.ParamEDM && (f.Changed("dydiff-sampler-steps") || f.Changed("clip-x0")) {
				return fmt.Errorf("--dydiff-sampler-steps and --clip-x0 sample a --dydiff-param ddpm model; the edm model samples with Heun at --sampler-steps")
			}
			if f.Changed("clip-x0") {
				o.ClipX0 = clipX0
			}
			if err := guard.Between("dydiff-context-noise", ctxNoise, 0, 10); err != nil {
				return err
			}
			o.DyDiffContextNoise = ctxNoise
			if len(bands) > 0 && guideSigmaMax != 0 {
				return fmt.Errorf("--guide-sigma-max %g and --lambda-bands: give one of them (the window σ ≤ s is the bands s=λ,inf=0)", guideSigmaMax)
			}
			o.Seed, o.Dir, o.GuideSigmaMax, o.FutureOnly, o.LambdaBands = seed, dir, guideSigmaMax, futureOnly, bands
			o.DiscSteps, o.DiscBatch, o.DiscPMean, o.DiscPStd, o.DiscChannels = discSteps, discBatch, discPMean, discPStd, discChannels
			if samplerSteps > 0 {
				o.SamplerSteps = samplerSteps
			}
			if steps > 0 {
				o.Steps = steps
			}
			if frames > 0 {
				o.RolloutFrames = frames
			}
			if members > 0 {
				o.Members = members
			}
			if size > 0 {
				o.Size = size
			}
			if f.Changed("lambda") {
				o.Lambda = lambda
			}
			if f.Changed("lambdas") {
				o.Lambdas = lambdas
			}
			if f.Changed("vdm-lambda") {
				o.VDMLambda = vdmLambda
			}
			if f.Changed("probe-windows") {
				o.ProbeWindows = probeWindows
			}
			_, be, err := cli.NewBackend()
			if err != nil {
				return err
			}
			defer be.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench guided (quick %v, seed %d): %s, %s, GOMAXPROCS %d\n", quick, seed, be.Description(), benchenv.Describe(), runtime.GOMAXPROCS(0))
			fmt.Fprintf(out, "settings: %+v\n", o)
			o.Log = out
			t0 := time.Now()
			r, err := guidedbench.Run(cmd.Context(), be, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "\n%s\ntotal %.0f s\n", r.Table(), time.Since(t0).Seconds())
			if jsonPath != "" {
				js, err := json.MarshalIndent(r, "", "  ")
				if err != nil {
					return fmt.Errorf("--out %s: the result (printed above) has no JSON form: %w", jsonPath, err)
				}
				if err := atomicfile.WriteFile(jsonPath, append(js, '\n')); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "a few-minute run (16², small networks)")
	f.Uint64Var(&seed, "seed", 1, "seed of the data, the weights and the sampling noise")
	f.IntVar(&steps, "steps", 0, "training steps of each model (0: the setting's)")
	f.IntVar(&frames, "frames", 0, "long-rollout frames (0: the setting's)")
	f.IntVar(&members, "members", 0, "long-rollout trajectories (0: the setting's)")
	f.IntVar(&size, "size", 0, "grid side (0: the setting's)")
	f.Float64Var(&lambda, "lambda", 14, "guidance strength of the comparison (Tab. 1: 14)")
	f.Float64Var(&vdmLambda, "vdm-lambda", 1, "also roll out the video model guided by the same discriminator at this strength (0: skip it)")
	f.BoolVar(&velocity, "velocity", false, "frames (ζ, u, v) instead of ζ alone, for every model (multi-channel guidance); the rollout scores and the spectrum stay on ζ, the forecast scores are also printed per channel")
	f.BoolVar(&futureOnly, "future-only", false, "train the discriminator on negatives l ≥ 2 only")
	f.IntVar(&samplerSteps, "sampler-steps", 0, "Heun steps N (0: the setting's)")
	f.Float64Var(&guideSigmaMax, "guide-sigma-max", 0, "guide only at σ ≤ this (0: every step)")
	f.IntVar(&discSteps, "disc-steps", 0, "training steps of the discriminator (0: --steps, the same budget as the image models)")
	f.IntVar(&discBatch, "disc-batch", 0, "batch of the discriminator (0: the setting's)")
	f.IntVar(&discChannels, "disc-channels", 0, "base width of the discriminator, its head 4× as wide (0: the image models' width): the guide's size against the image model's")
	f.Float64Var(&discPMean, "disc-p-mean", 0, "the discriminator's training noise ln σ ~ N(disc-p-mean, disc-p-std²) (with --disc-p-std)")
	f.Float64Var(&discPStd, "disc-p-std", 0, "the discriminator's training noise (0: the image model's N(−1.2, 1.2²), the paper's)")
	f.BoolVar(&withDyDiff, "dydiff", true, "also train DyDiff (η 0.5, 2 observed + 1 predicted frames) and score it guided by the same discriminator and unguided")
	f.StringVar(&dydiffParam, "dydiff-param", dymodel.ParamEDM, "the DyDiff model's training form: edm (with the persistence anchor, sampled with Heun at --sampler-steps; train dydiff's default) or ddpm (the reference's, sampled with DDIM)")
	f.Float64Var(&ctxNoise, "dydiff-context-noise", dymodel.DefaultContextNoise, "the DyDiff model's training context noise (train dydiff's --context-noise; 0: clean contexts)")
	f.IntVar(&ddimSteps, "dydiff-sampler-steps", 0, "DyDiff's DDIM sampler steps (0: twice --sampler-steps, the Heun sampler's network evaluations)")
	f.Float64Var(&clipX0, "clip-x0", 3, "DyDiff's DDIM clips x̂₀ to ±this (normalised units; 0: no clipping)")
	f.Float64SliceVar(&lambdas, "lambdas", nil, "the λ sweep (default: the setting's)")
	f.Var(&bands, "lambda-bands", "also score the image model guided at λ per noise band, e.g. 0.05=40,0.5=14,inf=4: λ 40 for σ ≤ 0.05, 14 for 0.05 < σ ≤ 0.5, 4 above (edges increasing, the last inf; σ in the image model's normalised units); repeat it for several settings, each a row beside --lambda's")
	f.StringVar(&dir, "dir", "", "keep the data and the runs in this folder (default: a temporary one)")
	f.StringVar(&jsonPath, "out", "", "also write the result (settings, scores, ideal-guide diagnostics) as JSON to this file")
	cli.DeprecatedAlias(f, "json", "out")
	cli.DeprecatedAlias(f, "ddim-steps", "dydiff-sampler-steps")
	f.IntVar(&probeWindows, "probe-windows", 64, "held-out windows of the ideal-guide diagnostics per noise level (0: skip them)")
	return cmd
}

// lambdaBandsList is the value of the repeatable --lambda-bands: one guided.LambdaBands per use.
type lambdaBandsList []guided.LambdaBands

// Set parses one setting (guided.ParseLambdaBands) and adds it.
func (l *lambdaBandsList) Set(s string) error {
	b, err := guided.ParseLambdaBands(s)
	if err != nil {
		return err
	}
	*l = append(*l, b)
	return nil
}

func (l *lambdaBandsList) String() string { return strings.Join(l.GetSlice(), " ") }

func (l *lambdaBandsList) Type() string { return "σ=λ,…,inf=λ" }

// Append adds one setting (pflag.SliceValue, as Set).
func (l *lambdaBandsList) Append(s string) error { return l.Set(s) }

// Replace sets the list to the settings given, each parsed; nil empties it (pflag.SliceValue: how the
// tests put the flag back to its default).
func (l *lambdaBandsList) Replace(settings []string) error {
	var out lambdaBandsList
	for _, s := range settings {
		if err := out.Set(s); err != nil {
			return err
		}
	}
	*l = out
	return nil
}

// GetSlice is the settings in their written form (pflag.SliceValue).
func (l *lambdaBandsList) GetSlice() []string {
	out := make([]string, len(*l))
	for i, b := range *l {
		out[i] = b.String()
	}
	return out
}
