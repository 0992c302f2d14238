package benchcli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/stepbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// trainStepFlags are the flags of `tidal bench train-step`.
type trainStepFlags struct {
	quick, torch, compile bool
	nets                  []string
	sizes, threads        []int
	minTime               time.Duration
	profile, goConfig     string
	script, jsonOut       string
	seed                  uint64
	rounds                int
	opt                   stepbench.Options
}

func init() {
	fl := trainStepFlags{opt: stepbench.Defaults()}
	cmd := &cobra.Command{
		Use: "train-step",
		Example: `  tidal bench train-step --quick
  tidal bench train-step --nets unet --sizes 32,64 --threads 2 --torch --rounds 3
  tidal bench train-step --nets unet,video,series --out train-step.json`,
		Short: "Time the training step of `tidal train dydiff` (UNet, video UNet, SeriesNet) against PyTorch eager",
		Long: `train-step times the step that 'tidal train dydiff' runs: the DyDiff model with that command's
default flags (η 0.5, the edm form, width --channels, multipliers 1,2,2, 2 blocks, periodic padding; the
video net with temporal layers at every level; context noise 0.05 and the gradient norm clipped to 1 on
fields; SeriesNet as train dydiff builds it for series) and train.NewStep with the
model's loss — the same compiled step (loss, gradients, AdamW, EMA) that train.Run calls each step — on
a fixed batch of --batch windows of --context + --predict frames of one S×S channel (series: S² series).
For each network in --nets, size S in --sizes and thread count in --threads it prints the median step
time, the time of a forecast window (--members members, --sampler-steps Heun steps) of the model, and
the peak resident set size (VmHWM, reset before each phase) while training and while forecasting.

--torch also runs scripts/torch_trainstep.py --model dydiff-unet|dydiff-video|dydiff-series (the same
network — parameter counts checked —, window, batch, EDM loss, AdamW and EMA in PyTorch eager, and
torch.compile where the installed PyTorch has it) at the same sizes and threads, and prints
tidal/PyTorch; a Debian machine without PyTorch gets python3-torch with apt-get
(scripts/apt-install.sh). With --backend cuda
the run is on the GPU through XLA (--threads and --go-config are then ignored) and PyTorch runs on
--device cuda. --rounds N repeats tidal's cases and then PyTorch's N times in alternation and ends with
each case's median step times and the median of the rounds' ratios, so that a drift in the machine's
speed (a shared VM's neighbours) touches both sides of a ratio alike. --out writes every figure to a
JSON file. See docs/PERFORMANCE.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			return runBenchTrainStep(cmd, fl)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fl.quick, "quick", false, "only the UNet at 32², timed for at most 2 s")
	f.StringSliceVar(&fl.nets, "nets", stepbench.Networks, "networks: unet, video, series, dit (the DiT of about the UNet's parameters: hidden 3·--channels, 6 blocks, patch 4)")
	f.IntSliceVar(&fl.sizes, "sizes", []int{16, 32, 64}, "frame sizes S (S×S pixels; series: S² series)")
	f.IntSliceVar(&fl.threads, "threads", []int{1, 2}, "threads (GOMAXPROCS and the backend's worker pool), 0 = all cores; a list runs each")
	f.IntVar(&fl.opt.Batch, "batch", fl.opt.Batch, "windows per step")
	f.IntVar(&fl.opt.Channels, "channels", fl.opt.Channels, "base width of the UNets")
	f.IntVar(&fl.opt.Context, "context", fl.opt.Context, "observed frames per window")
	f.IntVar(&fl.opt.Predict, "predict", fl.opt.Predict, "predicted frames per window")
	f.IntVar(&fl.opt.Members, "members", fl.opt.Members, "members of the timed forecast window (0: no forecast)")
	f.IntVar(&fl.opt.SamplingSteps, "sampler-steps", fl.opt.SamplingSteps, "Heun steps of the timed forecast window")
	f.Uint64Var(&fl.seed, "seed", uint64(fl.opt.Seed), "seed of the weights, the loss's noise and the batch")
	f.DurationVar(&fl.minTime, "time", fl.opt.MinTime, "how long each case's steps are timed")
	f.StringVar(&fl.goConfig, "go-config", "", "extra options of the Go backend, comma-separated (e.g. ops_parallel)")
	f.BoolVar(&fl.torch, "torch", false, "also time the PyTorch reference (--torch-script) at the same sizes and threads")
	f.IntVar(&fl.rounds, "rounds", 1, "rounds of tidal's cases then PyTorch's, in alternation; more than 1 ends with the medians")
	f.BoolVar(&fl.compile, "torch-compile", true, "with --torch: time torch.compile too where the installed PyTorch has it")
	f.StringVar(&fl.script, "torch-script", "scripts/torch_trainstep.py", "the PyTorch reference script")
	f.StringVar(&fl.profile, "profile", "", "write a pprof CPU profile of the whole run to this file")
	f.StringVar(&fl.jsonOut, "out", "", "write every figure as JSON to this file")
	benchCmd.AddCommand(cmd)
}

// trainStepRun is one backend and thread count's figures, as --json writes them.
type trainStepRun struct {
	Backend     string                  `json:"backend"`
	Threads     int                     `json:"threads,omitempty"`
	Round       int                     `json:"round,omitempty"`
	Load        string                  `json:"load_average"`
	Results     []trainStepResultJSON   `json:"results"`
	TorchHeader string                  `json:"torch,omitempty"`
	Torch       []stepbench.TorchResult `json:"-"`
	TorchJSON   []trainStepTorchJSON    `json:"torch_results,omitempty"`
	results     []stepbench.Result      // this round's tidal figures, for the rounds' summary
}

type trainStepResultJSON struct {
	Net         string  `json:"net"`
	Size        int     `json:"size"`
	Params      int     `json:"params"`
	StepMS      float64 `json:"step_ms"`
	ForecastMS  float64 `json:"forecast_ms"`
	FirstLoss   float64 `json:"first_loss"`
	LastLoss    float64 `json:"last_loss"`
	BaseRSS     int64   `json:"base_rss_bytes"`
	TrainRSS    int64   `json:"peak_rss_train_bytes"`
	ForecastRSS int64   `json:"peak_rss_forecast_bytes"`
	PeakReset   bool    `json:"peak_reset"`
}

type trainStepTorchJSON struct {
	Net        string  `json:"net"`
	Size       int     `json:"size"`
	Params     int     `json:"params"`
	EagerMS    float64 `json:"eager_ms"`
	CompiledMS float64 `json:"compiled_ms,omitempty"`
}

func runBenchTrainStep(cmd *cobra.Command, fl trainStepFlags) (err error) {
	fl.opt.Seed = int64(fl.seed)
	name, err := cli.BackendName()
	if err != nil {
		return err
	}
	if fl.quick {
		fl.nets, fl.sizes = []string{"unet"}, []int{32}
		fl.minTime = min(fl.minTime, 2*time.Second)
	}
	fl.opt.MinTime = fl.minTime
	cases, err := checkTrainStepFlags(fl)
	if err != nil {
		return err
	}
	var outs [][2]string
	if fl.profile != "" {
		outs = append(outs, [2]string{"profile", fl.profile})
	}
	if fl.jsonOut != "" {
		outs = append(outs, [2]string{"json", fl.jsonOut})
	}
	if len(outs) > 0 {
		if err := cli.CheckOutputs([]*cli.Input{{Flag: "torch-script", Path: fl.script}}, outs...); err != nil {
			return err
		}
	}
	var py string
	if fl.torch {
		if py, err = torchPython(cmd.ErrOrStderr(), fl.script); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	stop, err := startCPUProfile(fl.profile)
	if err != nil {
		return err
	}
	defer func() { err = stop(err) }()
	var runs []trainStepRun
	one := func(be compute.Backend, threads int, desc, device string) error {
		var rounds []stepbench.Round
		for r := range fl.rounds {
			if fl.rounds > 1 {
				fmt.Fprintf(out, "round %d of %d\n", r+1, fl.rounds)
			}
			run, err := oneRound(out, be, cases, fl, name, py, threads, desc, device)
			if err != nil {
				return err
			}
			if fl.rounds > 1 {
				run.Round = r + 1
			}
			runs = append(runs, run)
			rounds = append(rounds, stepbench.Round{Tidal: run.results, Torch: run.Torch})
		}
		if fl.rounds > 1 {
			return stepbench.WriteRoundSummary(out, rounds)
		}
		return nil
	}
	if name != backend.Go {
		be, err := backend.New(name)
		if err != nil {
			return err
		}
		defer be.Finalize()
		err = one(be, 0, fmt.Sprintf("%s backend, %s", name, be.Description()), "cuda")
		if err == nil {
			err = writeTrainStepJSON(fl.jsonOut, runs)
		}
		return err
	}
	err = eachThreadCount(fl.threads, fl.goConfig, func(be compute.Backend, n int) error {
		return one(be, n, fmt.Sprintf("%s, %s", be.Description(), benchenv.Describe()), "cpu")
	})
	if err != nil {
		return err
	}
	return writeTrainStepJSON(fl.jsonOut, runs)
}

// oneRound measures the cases once on be, and PyTorch's reference after them with --torch.
func oneRound(out io.Writer, be compute.Backend, cases []stepbench.Case, fl trainStepFlags, name, py string, threads int, desc, device string) (trainStepRun, error) {
	fmt.Fprintf(out, "tidal bench train-step: %s\n", desc)
	o := fl.opt
	o.Log = out
	res, err := stepbench.Measure(be, cases, o)
	if err != nil {
		return trainStepRun{}, err
	}
	run := trainStepRun{Backend: name, Threads: threads, Load: benchenv.LoadAverage(), results: res}
	fmt.Fprintf(out, "load average after: %s\n\n", run.Load)
	if err := stepbench.WriteTable(out, res); err != nil {
		return run, err
	}
	for _, r := range res {
		run.Results = append(run.Results, trainStepResultJSON{Net: r.Case.Net, Size: r.Case.Size, Params: r.Params,
			StepMS: msOf(r.Step), ForecastMS: msOf(r.Forecast), FirstLoss: r.FirstLoss, LastLoss: r.LastLoss,
			BaseRSS: r.BaseRSS, TrainRSS: r.TrainRSS, ForecastRSS: r.ForecastRSS, PeakReset: r.PeakReset})
	}
	fmt.Fprintln(out)
	if fl.torch {
		if err := compareTorch(out, py, fl, device, threads, res, &run); err != nil {
			return run, err
		}
	}
	return run, nil
}

// checkTrainStepFlags refuses bad flags, naming the flag, and cases whose training would not fit the
// memory budget (dymodel's TrainBytes estimate); it returns the cases.
func checkTrainStepFlags(fl trainStepFlags) ([]stepbench.Case, error) {
	o := fl.opt
	if err := guard.First(guard.Int("batch", o.Batch, 1, 4096), guard.Ints("sizes", fl.sizes, 8, 1024),
		guard.Int("channels", o.Channels, 1, 4096), guard.Int("context", o.Context, 2, 64), guard.Int("predict", o.Predict, 1, 64),
		guard.Int("members", o.Members, 0, 1024), guard.Int("sampler-steps", o.SamplingSteps, 1, 1000),
		guard.Int("rounds", fl.rounds, 1, 100), checkThreads(fl.threads, 0), checkBenchTime(fl.minTime)); err != nil {
		return nil, err
	}
	if len(fl.nets) == 0 || len(fl.sizes) == 0 {
		return nil, fmt.Errorf("--nets and --sizes must name at least one network and size")
	}
	b, err := cli.Budget()
	if err != nil {
		return nil, err
	}
	var cases []stepbench.Case
	for _, n := range fl.nets {
		for _, s := range fl.sizes {
			c := stepbench.Case{Net: n, Size: s}
			mc, err := stepbench.ModelConfig(c, o)
			if err != nil {
				return nil, fmt.Errorf("--nets: %w", err)
			}
			m, err := dymodel.New(mc)
			if err != nil {
				return nil, fmt.Errorf("bench train-step %v: %w", c, err)
			}
			need := guard.Sum(m.TrainBytes(o.Batch), m.SampleBytes(max(o.Members, 1)))
			if err := b.CheckMemory(fmt.Sprintf("bench train-step %v, batch %d", c, o.Batch), need); err != nil {
				return nil, err
			}
			cases = append(cases, c)
		}
	}
	return cases, nil
}

// torchPython returns a Python with PyTorch for script, installing Debian's python3-torch with
// scripts/apt-install.sh (beside script) when none is found and that script exists.
func torchPython(log io.Writer, script string) (string, error) {
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("--torch-script: %w", err)
	}
	py, err := pyref.Find("torch")
	if err == nil {
		return py, nil
	}
	installer := filepath.Join(filepath.Dir(script), "apt-install.sh")
	if _, serr := os.Stat(installer); serr != nil {
		return "", fmt.Errorf("--torch: %w (and no %s to install python3-torch)", err, installer)
	}
	fmt.Fprintf(log, "bench train-step: %v; installing Debian's python3-torch\n", err)
	c := exec.Command(installer, "bench train-step", "python3-torch")
	c.Stdout, c.Stderr = log, log
	if rerr := c.Run(); rerr != nil {
		return "", fmt.Errorf("--torch: installing python3-torch: %w", rerr)
	}
	return pyref.Find("torch")
}

// compareTorch runs the PyTorch reference of each network on device at the results' sizes and
// threads, prints the ratios and records them in run.
func compareTorch(out io.Writer, py string, fl trainStepFlags, device string, threads int, res []stepbench.Result, run *trainStepRun) error {
	var all []stepbench.TorchResult
	var header string
	for _, net := range fl.nets {
		var sizes []int
		for _, r := range res {
			if r.Case.Net == net {
				sizes = append(sizes, r.Case.Size)
			}
		}
		if _, ok := stepbench.TorchModels[net]; len(sizes) == 0 || !ok { // the DiT has no PyTorch reference
			continue
		}
		h, tr, err := stepbench.RunTorch(py, fl.script, net, device, threads, 5, sizes, fl.opt, fl.compile)
		if err != nil {
			return err
		}
		header, all = h, append(all, tr...)
	}
	fmt.Fprintf(out, "PyTorch reference (%s --model dydiff-NET): %s\n", fl.script, header)
	if err := stepbench.WriteTorchComparison(out, res, all); err != nil {
		return err
	}
	fmt.Fprintf(out, "load average after: %s\n\n", benchenv.LoadAverage())
	run.TorchHeader, run.Torch = header, all
	for _, t := range all {
		run.TorchJSON = append(run.TorchJSON, trainStepTorchJSON{Net: t.Net, Size: t.Size, Params: t.Params, EagerMS: msOf(t.Eager), CompiledMS: msOf(t.Compiled)})
	}
	return nil
}

// writeTrainStepJSON writes the runs to path through atomicfile ("" writes nothing).
func writeTrainStepJSON(path string, runs []trainStepRun) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(map[string]any{"bench": "train-step", "runs": runs}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
