package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/internal/config"
)

func init() { rootCmd.AddCommand(newDemoCmd()) }

// demoFlags are the flags of `tidal demo`: the size of every stage of the main job (docs/DEMO.md).
type demoFlags struct {
	out                                      string
	quick, printConfig, quiet                bool
	seed                                     uint64
	size, frames, spinup                     int
	steps, batch, width                      int
	members, cases, lead, sampling, rollouts int
	lambda                                   float64
	discSteps, discBatch                     int
	discPMean, discPStd                      float64
}

// demoPresets are the --quick values of the size flags (a ≤ 3 minute run on 2 CPU cores).
var demoPresets = map[string]string{
	"frames": "300", "spinup": "2000", "steps": "200", "members": "6", "cases": "6", "lead": "4",
	"sampler-steps": "8", "rollout-frames": "40", "disc-steps": "1200",
}

func newDemoCmd() *cobra.Command {
	var fl demoFlags
	cmd := &cobra.Command{
		Use: "demo [--quick] [--out DIR] [--config FILE.yaml]",
		Example: `  tidal demo --quick --out demo-quick
  tidal demo --seed 2 --out demo-s2 --quiet
  tidal demo --print-config`,
		Short: "The main job: simulate turbulence, train every model, forecast, roll out, score and write a report",
		Long: `demo runs tidal's whole pipeline in one process (docs/DEMO.md), each stage through the same code as its
command:
  1. tidal data navier-stokes        forced 2D turbulence, split 0.7/0.1/0.2 into train/val/test
  2. tidal train dydiff              Dynamical Diffusion (η 0.5) and its DPM baseline (--eta 0)
  3. tidal train idm|vdm|discriminator   the image model, the video baseline, the guide
  4. tidal baseline                  persistence and climatology ensembles
  5. tidal forecast / tidal rollout --cases   DyDiff, DPM, guided and unguided IDM, VDM ensemble forecasts
  6. tidal rollout                   long rollouts (guided, unguided, VDM) for the time-consistency scores
  7. tidal score, tidal score rollout, tidal report   into DIR/report/report.html
Running it again with the same --out reuses every finished stage: training runs resume or say they are
finished, outputs that exist are kept. --quick is a ≤ 3 minute version (its sizes apply to the flags not
given on the command line or in --config). --print-config prints the resolved flags as YAML: edit them and
run 'tidal demo --config FILE.yaml'. The same --seed and --backend give the same numbers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.quick {
				for name, v := range demoPresets {
					if f := cmd.Flags().Lookup(name); f != nil && !f.Changed {
						if err := f.Value.Set(v); err != nil {
							return err
						}
					}
				}
			}
			if err := config.Apply(cmd); err != nil {
				return err
			}
			if err := checkDemoFlags(fl); err != nil {
				return err
			}
			if fl.printConfig {
				if err := cmd.Flags().Set("print-config", "false"); err != nil { // the printed config runs the demo
					return err
				}
				b, err := config.Marshal(cmd)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			return runDemo(cmd, fl)
		},
	}
	f := cmd.Flags()
	config.AddFlag(cmd)
	f.StringVar(&fl.out, "out", "demo-out", "output folder (created; a second run reuses its finished stages)")
	f.BoolVar(&fl.quick, "quick", false, "the ≤ 3 minute sizes for the flags not given (on the command line)")
	f.BoolVar(&fl.printConfig, "print-config", false, "print the resolved flags as YAML (for --config) and exit")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the simulation, the weights and the sampling noise")
	f.IntVar(&fl.size, "size", 16, "grid size of the turbulence (cells per side)")
	f.IntVar(&fl.frames, "frames", 600, "frames simulated (after the spin-up)")
	f.IntVar(&fl.spinup, "spinup", 3000, "solver steps of spin-up before the first frame")
	f.IntVar(&fl.steps, "steps", 600, "optimiser (AdamW) steps of each of the four trainings of a model")
	f.IntVar(&fl.batch, "batch", 8, "training batch size")
	f.IntVar(&fl.width, "channels", 16, "base width (channels) of every network")
	f.IntVar(&fl.members, "members", 8, "ensemble members of each forecast")
	f.IntVar(&fl.cases, "cases", 12, "forecast cases spread over the test split")
	f.IntVar(&fl.lead, "lead", 8, "frames per forecast")
	f.IntVar(&fl.sampling, "sampler-steps", 10, "sampler steps (Heun for DyDiff and DPM, stochastic Heun for IDM and VDM)")
	f.IntVar(&fl.rollouts, "rollout-frames", 150, "frames of each long rollout")
	f.Float64Var(&fl.lambda, "lambda", 14, "discriminator-guidance strength λ (Hess et al. 2025, Tab. 1)")
	// The guide's budget and noise levels (docs/DEMO.md measures them): the discriminator is small and
	// cheap, and it needs far more examples than the 600 steps of 8 the other models get before its
	// gradient carries the conditioning frames into the sample; trained at the image model's noise levels,
	// ln σ ~ N(−1.2, 1.2²), it rarely sees the σ ≳ 1 where a sample's large scales are decided.
	f.IntVar(&fl.discSteps, "disc-steps", 4000, "AdamW steps of the discriminator")
	f.IntVar(&fl.discBatch, "disc-batch", 32, "discriminator batch size (half positives, half negatives)")
	f.Float64Var(&fl.discPMean, "disc-p-mean", 0, "the discriminator's training noise ln σ ~ N(p-mean, p-std²) (the paper: the image model's, −1.2 and 1.2)")
	f.Float64Var(&fl.discPStd, "disc-p-std", 1.5, "the discriminator's training noise ln σ ~ N(p-mean, p-std²)")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output of the stages (their results and the stage lines are still printed)")
	deprecatedAlias(f, "train-steps", "steps")
	deprecatedAlias(f, "width", "channels")
	deprecatedAlias(f, "sampling-steps", "sampler-steps")
	return cmd
}

// demoStage is one step of the pipeline: a fresh instance of a command run in-process with args. It is
// skipped when every one of outputs exists (none: always run; training runs resume by themselves).
type demoStage struct {
	name    string
	newCmd  func() *cobra.Command
	args    []string
	outputs []string
}

func checkDemoFlags(fl demoFlags) error {
	return guard.First(
		guard.Int("size", fl.size, 16, 256), guard.Int("frames", fl.frames, 20, 1_000_000),
		guard.Int("spinup", fl.spinup, 0, 10_000_000), guard.Int("steps", fl.steps, 1, 10_000_000),
		guard.Int("batch", fl.batch, 1, 4096), guard.Int("channels", fl.width, 4, 512),
		guard.Int("members", fl.members, 1, 1024), guard.Int("cases", fl.cases, 1, 4096),
		guard.Int("lead", fl.lead, 1, 10_000), guard.Int("sampler-steps", fl.sampling, 1, 10_000),
		guard.Int("rollout-frames", fl.rollouts, 10, 1_000_000), guard.Between("lambda", fl.lambda, 0, 1e6),
		guard.Int("disc-steps", fl.discSteps, 1, 10_000_000), guard.Int("disc-batch", fl.discBatch, 2, 4096),
		guard.Between("disc-p-mean", fl.discPMean, -10, 10), guard.Between("disc-p-std", fl.discPStd, 1e-3, 10),
	)
}

func runDemo(cmd *cobra.Command, fl demoFlags) error {
	if fl.size%4 != 0 {
		return fmt.Errorf("--size %d: expected a multiple of 4 (the networks halve the grid)", fl.size)
	}
	testFrames := fl.frames / 5 // the 0.2 of the split
	if need := guided.Context + fl.lead + fl.cases - 1; testFrames < need {
		return fmt.Errorf("--frames %d leaves %d test frames; --cases %d × --lead %d need at least %d (raise --frames)",
			fl.frames, testFrames, fl.cases, fl.lead, 5*need)
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	// The demo's own allocations: the squeezed rollouts and the NPYs the stages write (about 20 arrays of
	// members × cases × lead frames, and the simulation).
	frame := int64(fl.size) * int64(fl.size) * 4
	disk := guard.Sum(guard.Product(int64(fl.frames), frame), guard.Product(20, int64(fl.members), int64(fl.cases), int64(fl.lead), frame),
		guard.Product(6, int64(fl.rollouts), frame))
	if err := b.CheckMemory("tidal demo rollouts", guard.Product(2, int64(fl.rollouts), frame)); err != nil {
		return err
	}
	if err := os.MkdirAll(fl.out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", fl.out, err)
	}
	if err := b.CheckDisk("tidal demo outputs", fl.out, disk); err != nil {
		return err
	}
	for _, d := range []string{"runs", "fc", "roll", "scores"} {
		if err := os.MkdirAll(filepath.Join(fl.out, d), 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", fl.out, err)
		}
	}
	w := cmd.OutOrStdout()
	start := time.Now()
	meta := map[string]string{"seed": strconv.FormatUint(fl.seed, 10), "quick": strconv.FormatBool(fl.quick)}
	for _, st := range demoStages(fl) {
		if st.name == "report" {
			st.args = append(st.args, demoMetaArgs(meta)...)
		}
		took, reused, err := runDemoStage(cmd, w, st)
		if err != nil {
			return fmt.Errorf("demo stage %s: %w", st.name, err)
		}
		if reused {
			meta["time."+st.name] = "reused"
		} else {
			meta["time."+st.name] = fmt.Sprintf("%.1f s", took.Seconds())
		}
		if strings.HasPrefix(st.name, "rollout ") {
			if _, err := os.Stat(demoSqueezed(st.outputs[0])); err != nil {
				if err := squeezeRollout(st.outputs[0], b); err != nil {
					return err
				}
			}
		}
	}
	fmt.Fprintf(w, "\ntidal demo: finished in %.0f s; open %s\n", time.Since(start).Seconds(),
		filepath.Join(fl.out, "report", "report.html"))
	return nil
}

// demoMetaArgs renders meta as --meta KEY=VALUE arguments of `tidal report`, in a fixed order.
func demoMetaArgs(meta map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		out = append(out, "--meta", k+"="+meta[k])
	}
	return out
}

// runDemoStage runs st's command in-process unless all its outputs exist.
func runDemoStage(parent *cobra.Command, w io.Writer, st demoStage) (time.Duration, bool, error) {
	if len(st.outputs) > 0 {
		all := true
		for _, p := range st.outputs {
			if _, err := os.Stat(p); err != nil {
				all = false
			}
		}
		if all {
			fmt.Fprintf(w, "== %s: reused (%s exists)\n", st.name, st.outputs[0])
			return 0, true, nil
		}
	}
	fmt.Fprintf(w, "== %s: tidal %s\n", st.name, strings.Join(st.args, " "))
	c := st.newCmd()
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetArgs(st.args[demoCommandWords(st.args):])
	c.SetOut(w)
	quiet, _ := parent.Flags().GetBool("quiet")
	c.SetErr(progressWriter(parent, quiet)) // the stages' progress
	t0 := time.Now()
	err := c.ExecuteContext(parent.Context())
	return time.Since(t0), false, err
}

// demoCommandWords counts the leading command words of args (those before the first flag).
func demoCommandWords(args []string) int {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			return i
		}
	}
	return len(args)
}

// demoStages lists the pipeline for fl, in order.
func demoStages(fl demoFlags) []demoStage {
	p := func(parts ...string) string { return filepath.Join(append([]string{fl.out}, parts...)...) }
	seed := strconv.FormatUint(fl.seed, 10)
	itoa := strconv.Itoa
	ftoa := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	steps := itoa(fl.steps)
	everyOf := func(n int) string { return itoa(max(10, n/40*10)) } // about 40 records a run, a multiple of --log-every 10
	every := everyOf(fl.steps)
	ns := p("ns")
	train, val, test := ns+"_train.npy", ns+"_val.npy", ns+"_test.npy"
	width, groups := itoa(fl.width), "8"
	dydiff := func(run string, eta string) []string {
		return []string{"train", "dydiff", "--data", train, "--val", val, "--run", run, "--context", itoa(guided.Context),
			"--predict", "4", "--eta", eta, "--channels", width, "--groups", groups, "--mults", "1,2", "--blocks", "1",
			"--steps", steps, "--batch", itoa(fl.batch), "--lr", "3e-3", "--ema-halflife", "400", "--seed", seed,
			"--log-every", "10", "--checkpoint-every", every, "--val-every", every, "--preview-every", steps,
			"--preview-steps", itoa(fl.sampling)}
	}
	// image trains kind for n steps of batch examples with an EMA half-life of ema examples.
	image := func(kind, run string, n, batch, ema int, extra ...string) []string {
		return append([]string{"train", kind, "--data", train, "--run", run, "--steps", itoa(n), "--batch", itoa(batch),
			"--lr", "2e-3", "--channels", width, "--groups", groups, "--mults", "1,2", "--blocks", "1",
			"--ema-halflife", itoa(ema), "--seed", seed, "--log-every", "10",
			"--checkpoint-every", everyOf(n)}, extra...)
	}
	fcCommon := []string{"--members", itoa(fl.members), "--lead", itoa(fl.lead), "--seed", seed}
	dyFC := func(name, run string) demoStage {
		out := p("fc", name+".npy")
		return demoStage{"forecast " + name, newForecastCmd, append([]string{"forecast", "--run", run, "--data", test,
			"--cases", itoa(fl.cases), "--sampler-steps", itoa(fl.sampling), "--out", out, "--quiet"}, fcCommon...),
			[]string{out, defaultTruthPath(out)}}
	}
	heun := []string{"--sampler-steps", itoa(fl.sampling), "--seed", seed}
	guidedFC := func(name string, model ...string) demoStage {
		out := p("fc", name+".npy")
		args := append(append([]string{"rollout"}, model...), "--init", test, "--cases", itoa(fl.cases), "--lead", itoa(fl.lead),
			"--members", itoa(fl.members), "--out", out, "--truth-out", defaultTruthPath(out))
		return demoStage{"forecast " + name, newRolloutCmd, append(args, heun...), []string{out, defaultTruthPath(out)}}
	}
	roll := func(name string, model ...string) demoStage {
		out := p("roll", name+".npy")
		args := append(append([]string{"rollout"}, model...), "--init", test, "--frames", itoa(fl.rollouts), "--members", "1", "--out", out)
		return demoStage{"rollout " + name, newRolloutCmd, append(args, heun...), []string{out}}
	}
	idm, vdm, disc := []string{"--idm", p("runs", "idm")}, []string{"--vdm", p("runs", "vdm")}, []string{"--disc", p("runs", "disc")}
	// The guide as docs/DEMO.md's measurements favour: negatives from later frames only, trained longer
	// and at higher noise levels than the image model (the disc-* flags), guiding at every σ (the paper's).
	guide := append(append(append([]string{}, idm...), disc...), "--lambda", ftoa(fl.lambda))
	discArgs := image("discriminator", p("runs", "disc"), fl.discSteps, fl.discBatch, max(1, fl.discSteps*fl.discBatch/25), "--head-width", "64", "--future-only",
		"--p-mean", ftoa(fl.discPMean), "--p-std", ftoa(fl.discPStd))
	stages := []demoStage{
		{"simulate", newNavierStokesCmd, []string{"data", "navier-stokes", "--out", p("ns.npy"), "--size", itoa(fl.size),
			"--kf", "3", "--frames", itoa(fl.frames), "--spinup", itoa(fl.spinup), "--seed", seed, "--split", "0.7,0.1,0.2", "--quiet"},
			[]string{train, val, test}},
		{"train dydiff", newTrainDyDiffCmd, dydiff(p("runs", "dydiff"), "0.5"), nil},
		{"train dpm", newTrainDyDiffCmd, dydiff(p("runs", "dpm"), "0"), nil},
		{"train idm", func() *cobra.Command { return newTrainImageCmd(guided.KindIDM) }, image("idm", p("runs", "idm"), fl.steps, fl.batch, 640), nil},
		{"train vdm", func() *cobra.Command { return newTrainImageCmd(guided.KindVDM) }, image("vdm", p("runs", "vdm"), fl.steps, fl.batch, 640), nil},
		{"train discriminator", newTrainDiscCmd, discArgs, nil},
		{"baseline persistence", newBaselineCmd, []string{"baseline", "--data", test, "--method", "persistence",
			"--members", itoa(fl.members), "--cases", itoa(fl.cases), "--context", itoa(guided.Context), "--lead", itoa(fl.lead),
			"--out", p("fc", "persistence.npy"), "--truth-out", p("fc", "truth.npy")},
			[]string{p("fc", "persistence.npy"), p("fc", "truth.npy")}},
		{"baseline climatology", newBaselineCmd, []string{"baseline", "--data", test, "--method", "climatology", "--pool", train,
			"--seed", seed, "--members", itoa(fl.members), "--cases", itoa(fl.cases), "--context", itoa(guided.Context),
			"--lead", itoa(fl.lead), "--out", p("fc", "climatology.npy")}, []string{p("fc", "climatology.npy")}},
		dyFC("dydiff", p("runs", "dydiff")),
		dyFC("dpm", p("runs", "dpm")),
		guidedFC("guided", guide...),
		guidedFC("unguided", idm...),
		guidedFC("vdm", vdm...),
		roll("guided", guide...),
		roll("unguided", idm...),
		roll("vdm", vdm...),
	}
	var inputs []string
	for _, r := range []string{"dydiff", "dpm", "idm", "vdm", "disc"} {
		inputs = append(inputs, p("runs", r))
	}
	for _, m := range demoForecasts {
		truth := p("fc", m+".truth.npy")
		if m == "persistence" || m == "climatology" {
			truth = p("fc", "truth.npy")
		}
		out := p("scores", m+".json")
		stages = append(stages, demoStage{"score " + m, newScoreCmd, []string{"score", "--forecast", p("fc", m+".npy"),
			"--obs", truth, "--metrics", "crps,crps-fair,rmse,spread,ssr,csi,rank-hist", "--thresholds", "1", "--ci", "0.9", "--out", out}, []string{out}})
		inputs = append(inputs, out)
	}
	for _, m := range []string{"guided", "unguided", "vdm"} {
		out := p("scores", "rollout_"+m+".json")
		stages = append(stages, demoStage{"score rollout " + m, newScoreRolloutCmd, []string{"score", "rollout",
			"--forecast", demoSqueezed(p("roll", m+".npy")), "--obs", test, "--out", out}, []string{out}})
		inputs = append(inputs, out)
	}
	inputs = append(inputs, p("fc", "dydiff.npy"), p("fc", "guided.npy"))
	args := []string{"report", "--out", p("report"), "--truth", p("fc", "truth.npy"), "--title", "tidal demo", "--data-sidecar", strings.TrimSuffix(test, ".npy") + ".json"}
	for _, m := range []string{"guided", "unguided", "vdm"} {
		args = append(args, "--label", p("scores", "rollout_"+m+".json")+"="+m+" rollout")
	}
	args = append(args, "--label", p("fc", "dydiff.npy")+"=dydiff forecast", "--label", p("fc", "guided.npy")+"=guided forecast")
	return append(stages, demoStage{"report", newReportCmd, append(args, inputs...), nil})
}

// demoForecasts are the ensemble forecasts the demo scores, references first.
var demoForecasts = []string{"persistence", "climatology", "dydiff", "dpm", "guided", "unguided", "vdm"}

// demoSqueezed is the [frames, C, H, W] copy of the one-member rollout path that `tidal score rollout` reads.
func demoSqueezed(path string) string { return strings.TrimSuffix(path, ".npy") + "_m0.npy" }

// squeezeRollout writes member 0 of the rollout [frames, members, C, H, W] at path as [frames, C, H, W].
func squeezeRollout(path string, b guard.Budget) error {
	sh, _, err := data.StatNPY(path)
	if err != nil {
		return err
	}
	if err := guard.Rank(path, sh, 5, 5, "[frames, members, C, H, W]"); err != nil {
		return err
	}
	if err := b.CheckMemory(path, guard.Product(2, int64(sh[0]), int64(sh[1]), int64(sh[2]), int64(sh[3]), int64(sh[4]), 4)); err != nil {
		return err
	}
	a, err := data.ReadNPY(path)
	if err != nil {
		return err
	}
	v, F := a.Float32(), sh[2]*sh[3]*sh[4]
	out := make([]float32, 0, sh[0]*F)
	for t := range sh[0] {
		out = append(out, v[t*sh[1]*F:t*sh[1]*F+F]...)
	}
	return data.WriteNPY(demoSqueezed(path), data.FromFloat32(out, sh[0], sh[2], sh[3], sh[4]))
}
