package benchcli

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/dydiffbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

func init() {
	var quick bool
	var dir string
	var seed uint64
	var steps, samplingSteps, size, members, cases, frames, channels int
	var clipX0 float64
	var samplers []string
	var etas []float64
	var ablation bool
	cmd := &cobra.Command{
		Use: "dydiff",
		Example: `  tidal bench dydiff --quick --seed 1 --dir bench-dydiff
  tidal bench dydiff --quick --dir bench-dydiff --sampler-steps 50 --clip-x0 3`,
		Short: "The DyDiff paper comparison: DyDiff vs DPM, η sweep, independent-noise ablation, persistence, climatology",
		Long: `dydiff runs Guo et al.'s Turbulence comparison on generated turbulence velocity (u, v; sim/navierstokes):
DyDiff (η = 0.5) against the DPM baseline (η = 0) with the same network, data, training steps and seed,
an η sweep over {0, 0.1, 0.5, 0.9}, DyDiff with independent noise, and the persistence and climatology
references. Every model forecasts the same held-out cases with 8 members; the table gives CRPS (fair/PWM
form) per lead, and the mean CSI at threshold 0 and spread-skill ratio. The default is the paper's
context 4 → predict 11 at 16² with 2000 training steps (estimated at about an hour on 2 cores); --quick
is a few minutes (16², 2 → 4, 400 steps).
Repeat with another --seed to see the seed-to-seed spread (docs/RESULTS.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := dydiffbench.Full()
			if quick {
				o = dydiffbench.Quick()
			}
			o.Seed, o.Dir, o.ClipX0 = seed, dir, clipX0
			if cmd.Flags().Changed("etas") {
				if err := guard.AllOpen("etas", etas, -1e-300, 1); err != nil {
					return err
				}
				o.Etas = etas
			}
			if cmd.Flags().Changed("ablation") {
				o.Ablation = ablation
			}
			if cmd.Flags().Changed("samplers") {
				so, err := parseSamplers(samplers)
				if err != nil {
					return err
				}
				o.Samplers = so
			}
			given := map[string]int{"steps": steps, "sampler-steps": samplingSteps, "size": size, "members": members, "cases": cases,
				"frames": frames, "channels": channels}
			for name, p := range map[string]*int{"steps": &o.Steps, "sampler-steps": &o.SamplingSteps, "size": &o.Size, "members": &o.Members,
				"cases": &o.Cases, "frames": &o.Frames, "channels": &o.Channels} {
				if cmd.Flags().Changed(name) {
					*p = given[name]
				}
			}
			if err := guard.First(guard.Int("steps", o.Steps, 1, 1<<24), guard.Int("sampler-steps", o.SamplingSteps, 1, 1000),
				guard.Between("clip-x0", o.ClipX0, 0, 1e6), guard.Int("size", o.Size, 8, 1024), guard.Int("members", o.Members, 2, 1024), guard.Int("cases", o.Cases, 1, 1<<16),
				guard.Int("frames", o.Frames, 2*(o.Context+o.Predict)+8, 1<<20), guard.Int("channels", o.Channels, 4, 1024)); err != nil {
				return err
			}
			name, b, err := cli.NewBackend()
			if err != nil {
				return err
			}
			defer b.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench dydiff: backend %s, %s, GOMAXPROCS %d\n", name, benchenv.Describe(), runtime.GOMAXPROCS(0))
			o.Log = cmd.ErrOrStderr()
			r, err := dydiffbench.Run(context.Background(), b, o)
			if err != nil {
				return err
			}
			dydiffbench.WriteTables(out, r)
			fmt.Fprintf(out, "load average after: %s\n", benchenv.LoadAverage())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "a few-minute comparison (16², context 2 → predict 4, 400 training steps, 10 DDIM steps)")
	f.Uint64Var(&seed, "seed", 1, "seed of the data, weights, training and sampling")
	f.StringVar(&dir, "dir", "", "folder for the data and run directories (kept; a rerun resumes); default a temporary one")
	f.IntVar(&steps, "steps", 0, "training steps of every model (default: the mode's)")
	f.IntVar(&samplingSteps, "sampler-steps", 0, "DDIM steps of every forecast (default: the mode's)")
	cli.DeprecatedAlias(f, "sampling-steps", "sampler-steps")
	f.Float64Var(&clipX0, "clip-x0", 0, "clip DDIM's x̂₀ to ±this many training standard deviations (0: none, the reference's setting)")
	f.StringSliceVar(&samplers, "samplers", nil, "samplers of the default-form DyDiff and DPM models, KIND:STEPS with KIND heun, dpmpp, ddim or ddpm (default: the mode's; the reference-form rows use DDIM with --sampler-steps)")
	f.Float64SliceVar(&etas, "etas", nil, "the reference form's η sweep beside η 0 and 0.5, each in [0, 1) (default: the mode's 0, 0.1, 0.5, 0.9)")
	f.BoolVar(&ablation, "ablation", true, "train and score DyDiff with independent noise (the reference's use_x_ema='only')")
	f.IntVar(&size, "size", 0, "grid size (default: the mode's)")
	f.IntVar(&members, "members", 0, "ensemble members (default 8)")
	f.IntVar(&cases, "cases", 0, "held-out cases (default: the mode's)")
	f.IntVar(&frames, "frames", 0, "frames of turbulence simulated (default: the mode's)")
	f.IntVar(&channels, "channels", 0, "base width of every model's UNet (default: the mode's)")
	benchCmd.AddCommand(cmd)
}

// parseSamplers reads --samplers entries KIND:STEPS.
func parseSamplers(list []string) ([]dymodel.SamplerOptions, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("--samplers: expected at least one KIND:STEPS entry")
	}
	var out []dymodel.SamplerOptions
	for _, e := range list {
		kind, n, ok := strings.Cut(e, ":")
		steps, err := strconv.Atoi(n)
		switch {
		case !ok || err != nil:
			return nil, fmt.Errorf("--samplers %q: expected KIND:STEPS, e.g. heun:10", e)
		case kind != "heun" && kind != "dpmpp" && kind != "ddim" && kind != "ddpm":
			return nil, fmt.Errorf("--samplers %q: sampler %q, expected heun, dpmpp, ddim or ddpm", e, kind)
		case steps < 1 || steps > 1000:
			return nil, fmt.Errorf("--samplers %q: %d steps, expected 1..1000", e, steps)
		}
		out = append(out, dymodel.SamplerOptions{Kind: kind, Steps: steps})
	}
	return out, nil
}
