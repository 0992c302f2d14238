// Package demo describes tidal's main job (docs/DEMO.md): simulate forced 2D turbulence, train DyDiff,
// its DPM baseline, the image and video models and the discriminator, forecast with each and with the
// persistence and climatology references, roll the image and video models out, score everything and
// write the report. Each stage is the argument list of one tidal command, so that the demo runs the
// same code, checks and outputs as a user running the commands by hand; cmd/tidal runs the stages.
package demo

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
)

// Options are the sizes of every stage of the demo (the flags of `tidal demo`).
type Options struct {
	Out                                      string // the output folder
	Quick                                    bool
	Seed                                     uint64
	Size, Frames, Spinup                     int
	Steps, Batch, Width                      int
	Members, Cases, Lead, Sampling, Rollouts int
	Lambda                                   float64
	DiscSteps, DiscBatch                     int
	DiscPMean, DiscPStd                      float64
}

// Presets are the --quick values of the size flags (a ≤ 3 minute run on 2 CPU cores).
var Presets = map[string]string{
	"frames": "300", "spinup": "2000", "steps": "200", "members": "6", "cases": "6", "lead": "4",
	"sampler-steps": "8", "rollout-frames": "40", "disc-steps": "1200",
}

// Check refuses sizes out of range, naming the flag.
func (fl Options) Check() error {
	return guard.First(
		guard.Int("size", fl.Size, 16, 256), guard.Int("frames", fl.Frames, 20, 1_000_000),
		guard.Int("spinup", fl.Spinup, 0, 10_000_000), guard.Int("steps", fl.Steps, 1, 10_000_000),
		guard.Int("batch", fl.Batch, 1, 4096), guard.Int("channels", fl.Width, 4, 512),
		guard.Int("members", fl.Members, 1, 1024), guard.Int("cases", fl.Cases, 1, 4096),
		guard.Int("lead", fl.Lead, 1, 10_000), guard.Int("sampler-steps", fl.Sampling, 1, 10_000),
		guard.Int("rollout-frames", fl.Rollouts, 10, 1_000_000), guard.Between("lambda", fl.Lambda, 0, 1e6),
		guard.Int("disc-steps", fl.DiscSteps, 1, 10_000_000), guard.Int("disc-batch", fl.DiscBatch, 2, 4096),
		guard.Between("disc-p-mean", fl.DiscPMean, -10, 10), guard.Between("disc-p-std", fl.DiscPStd, 1e-3, 10),
	)
}

// CheckGrid refuses a grid the networks cannot halve and a test split too short for the cases.
func (fl Options) CheckGrid() error {
	if fl.Size%4 != 0 {
		return fmt.Errorf("--size %d: expected a multiple of 4 (the networks halve the grid)", fl.Size)
	}
	testFrames := fl.Frames / 5 // the 0.2 of the split
	if need := guided.Context + fl.Lead + fl.Cases - 1; testFrames < need {
		return fmt.Errorf("--frames %d leaves %d test frames; --cases %d × --lead %d need at least %d (raise --frames)",
			fl.Frames, testFrames, fl.Cases, fl.Lead, 5*need)
	}
	return nil
}

// CheckMemory checks the demo's own allocations, the squeezed rollouts, against the memory budget.
func (fl Options) CheckMemory(b guard.Budget) error {
	frame := int64(fl.Size) * int64(fl.Size) * 4
	return b.CheckMemory("tidal demo rollouts", guard.Product(2, int64(fl.Rollouts), frame))
}

// CheckDisk checks the NPYs the stages write (about 20 arrays of members × cases × lead frames, the
// simulation and the rollouts) against the disk budget of Out, which must exist.
func (fl Options) CheckDisk(b guard.Budget) error {
	frame := int64(fl.Size) * int64(fl.Size) * 4
	disk := guard.Sum(guard.Product(int64(fl.Frames), frame), guard.Product(20, int64(fl.Members), int64(fl.Cases), int64(fl.Lead), frame),
		guard.Product(6, int64(fl.Rollouts), frame))
	return b.CheckDisk("tidal demo outputs", fl.Out, disk)
}

// Folders are the folders of Out that the stages write into.
var Folders = []string{"runs", "fc", "roll", "scores"}

// Stage is one step of the pipeline: the arguments of a tidal command. It is skipped when every one of
// Outputs exists (none: always run; training runs resume by themselves).
type Stage struct {
	Name    string
	Args    []string
	Outputs []string
}

// CommandWords counts the leading command words of the stage's arguments (those before the first flag),
// e.g. 2 for "train dydiff --data ...".
func (st Stage) CommandWords() int {
	for i, a := range st.Args {
		if strings.HasPrefix(a, "-") {
			return i
		}
	}
	return len(st.Args)
}

// MetaArgs renders meta as --meta KEY=VALUE arguments of `tidal report`, in a fixed order.
func MetaArgs(meta map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		out = append(out, "--meta", k+"="+meta[k])
	}
	return out
}

// Stages lists the pipeline for the options, in order: the simulation, the trainings, the baselines,
// the forecasts, the long rollouts, their scores and the report.
func Stages(fl Options) []Stage {
	p := func(parts ...string) string { return filepath.Join(append([]string{fl.Out}, parts...)...) }
	seed := strconv.FormatUint(fl.Seed, 10)
	itoa := strconv.Itoa
	ftoa := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	steps := itoa(fl.Steps)
	everyOf := func(n int) string { return itoa(max(10, n/40*10)) } // about 40 records a run, a multiple of --log-every 10
	every := everyOf(fl.Steps)
	ns := p("ns")
	train, val, test := ns+"_train.npy", ns+"_val.npy", ns+"_test.npy"
	width, groups := itoa(fl.Width), "8"
	dydiff := func(run string, eta string) []string {
		return []string{"train", "dydiff", "--data", train, "--val", val, "--run", run, "--context", itoa(guided.Context),
			"--predict", "4", "--eta", eta, "--channels", width, "--groups", groups, "--mults", "1,2", "--blocks", "1",
			"--steps", steps, "--batch", itoa(fl.Batch), "--lr", "3e-3", "--ema-halflife", "400", "--seed", seed,
			"--log-every", "10", "--checkpoint-every", every, "--val-every", every, "--preview-every", steps,
			"--preview-steps", itoa(fl.Sampling)}
	}
	// image trains kind for n steps of batch examples with an EMA half-life of ema examples.
	image := func(kind, run string, n, batch, ema int, extra ...string) []string {
		return append([]string{"train", kind, "--data", train, "--run", run, "--steps", itoa(n), "--batch", itoa(batch),
			"--lr", "2e-3", "--channels", width, "--groups", groups, "--mults", "1,2", "--blocks", "1",
			"--ema-halflife", itoa(ema), "--seed", seed, "--log-every", "10",
			"--checkpoint-every", everyOf(n)}, extra...)
	}
	fcCommon := []string{"--members", itoa(fl.Members), "--lead", itoa(fl.Lead), "--seed", seed}
	dyFC := func(name, run string) Stage {
		out := p("fc", name+".npy")
		return Stage{"forecast " + name, append([]string{"forecast", "--run", run, "--data", test,
			"--cases", itoa(fl.Cases), "--sampler-steps", itoa(fl.Sampling), "--out", out, "--quiet"}, fcCommon...),
			[]string{out, forecast.TruthPath(out)}}
	}
	heun := []string{"--sampler-steps", itoa(fl.Sampling), "--seed", seed}
	guidedFC := func(name string, model ...string) Stage {
		out := p("fc", name+".npy")
		args := append(append([]string{"rollout"}, model...), "--init", test, "--cases", itoa(fl.Cases), "--lead", itoa(fl.Lead),
			"--members", itoa(fl.Members), "--out", out, "--truth-out", forecast.TruthPath(out))
		return Stage{"forecast " + name, append(args, heun...), []string{out, forecast.TruthPath(out)}}
	}
	roll := func(name string, model ...string) Stage {
		out := p("roll", name+".npy")
		args := append(append([]string{"rollout"}, model...), "--init", test, "--frames", itoa(fl.Rollouts), "--members", "1", "--out", out)
		return Stage{"rollout " + name, append(args, heun...), []string{out}}
	}
	idm, vdm, disc := []string{"--idm", p("runs", "idm")}, []string{"--vdm", p("runs", "vdm")}, []string{"--disc", p("runs", "disc")}
	// The guide as docs/DEMO.md's measurements favour: negatives from later frames only, trained longer
	// and at higher noise levels than the image model (the disc-* flags), guiding at every σ (the paper's).
	guide := append(append(append([]string{}, idm...), disc...), "--lambda", ftoa(fl.Lambda))
	discArgs := image("discriminator", p("runs", "disc"), fl.DiscSteps, fl.DiscBatch, max(1, fl.DiscSteps*fl.DiscBatch/25), "--head-width", "64", "--future-only",
		"--p-mean", ftoa(fl.DiscPMean), "--p-std", ftoa(fl.DiscPStd))
	stages := []Stage{
		{"simulate", []string{"data", "navier-stokes", "--out", p("ns.npy"), "--size", itoa(fl.Size),
			"--kf", "3", "--frames", itoa(fl.Frames), "--spinup", itoa(fl.Spinup), "--seed", seed, "--split", "0.7,0.1,0.2", "--quiet"},
			[]string{train, val, test}},
		{"train dydiff", dydiff(p("runs", "dydiff"), "0.5"), nil},
		{"train dpm", dydiff(p("runs", "dpm"), "0"), nil},
		{"train idm", image("idm", p("runs", "idm"), fl.Steps, fl.Batch, 640), nil},
		{"train vdm", image("vdm", p("runs", "vdm"), fl.Steps, fl.Batch, 640), nil},
		{"train discriminator", discArgs, nil},
		{"baseline persistence", []string{"baseline", "--data", test, "--method", "persistence",
			"--members", itoa(fl.Members), "--cases", itoa(fl.Cases), "--context", itoa(guided.Context), "--lead", itoa(fl.Lead),
			"--out", p("fc", "persistence.npy"), "--truth-out", p("fc", "truth.npy")},
			[]string{p("fc", "persistence.npy"), p("fc", "truth.npy")}},
		{"baseline climatology", []string{"baseline", "--data", test, "--method", "climatology", "--pool", train,
			"--seed", seed, "--members", itoa(fl.Members), "--cases", itoa(fl.Cases), "--context", itoa(guided.Context),
			"--lead", itoa(fl.Lead), "--out", p("fc", "climatology.npy")}, []string{p("fc", "climatology.npy")}},
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
	for _, m := range Forecasts {
		truth := p("fc", m+".truth.npy")
		if m == "persistence" || m == "climatology" {
			truth = p("fc", "truth.npy")
		}
		out := p("scores", m+".json")
		stages = append(stages, Stage{"score " + m, []string{"score", "--forecast", p("fc", m+".npy"),
			"--obs", truth, "--metrics", "crps,crps-fair,rmse,spread,ssr,csi,rank-hist", "--thresholds", "1", "--ci", "0.9", "--out", out}, []string{out}})
		inputs = append(inputs, out)
	}
	for _, m := range []string{"guided", "unguided", "vdm"} {
		out := p("scores", "rollout_"+m+".json")
		stages = append(stages, Stage{"score rollout " + m, []string{"score", "rollout",
			"--forecast", Squeezed(p("roll", m+".npy")), "--obs", test, "--out", out}, []string{out}})
		inputs = append(inputs, out)
	}
	inputs = append(inputs, p("fc", "dydiff.npy"), p("fc", "guided.npy"))
	args := []string{"report", "--out", p("report"), "--truth", p("fc", "truth.npy"), "--title", "tidal demo", "--data-sidecar", strings.TrimSuffix(test, ".npy") + ".json"}
	for _, m := range []string{"guided", "unguided", "vdm"} {
		args = append(args, "--label", p("scores", "rollout_"+m+".json")+"="+m+" rollout")
	}
	args = append(args, "--label", p("fc", "dydiff.npy")+"=dydiff forecast", "--label", p("fc", "guided.npy")+"=guided forecast")
	return append(stages, Stage{"report", append(args, inputs...), nil})
}

// Forecasts are the ensemble forecasts the demo scores, references first.
var Forecasts = []string{"persistence", "climatology", "dydiff", "dpm", "guided", "unguided", "vdm"}

// Squeezed is the [frames, C, H, W] copy of the one-member rollout path that `tidal score rollout` reads.
func Squeezed(path string) string { return strings.TrimSuffix(path, ".npy") + "_m0.npy" }

// SqueezeRollout writes member 0 of the rollout [frames, members, C, H, W] at path as [frames, C, H, W], at
// Squeezed(path), within the memory budget.
func SqueezeRollout(path string, b guard.Budget) error {
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
	return data.WriteNPY(Squeezed(path), data.FromFloat32(out, sh[0], sh[2], sh[3], sh[4]))
}
