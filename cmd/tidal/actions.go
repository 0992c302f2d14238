package main

import (
	"fmt"
	"github.com/tidal-forecast/tidal/cli"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

// Action-conditioned video prediction (docs/VIDEO.md): training and forecasting on video files in the
// BAIR layout (`tidal data pushing`), with the actions as conditioning.

// actionsNone is the --actions value that ignores a video file's actions.
const actionsNone = "none"

// videoPMean is `train dydiff`'s default --p-mean on videos with actions: EDM's −1.2 trains mostly noise
// levels at which the noisy frames already show where the pusher went, and the model learns to ignore
// the actions; 0.8 trains the levels where they matter (docs/VIDEO.md, docs/RESULTS.md).
const videoPMean = 0.8

// addTrainActionsFlag adds --actions to `train dydiff`.
func addTrainActionsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "actions", "", "video data (--data FILE.npz with frames and actions): none trains without the file's actions; empty (default) conditions the model on them")
}

// isVideoFile says whether path is a video file: an NPZ archive with a rank-5 "frames" member. Files
// that are not NPZ, or that cannot be read, are not (their own readers name what is wrong).
func isVideoFile(path string) bool {
	if !strings.HasSuffix(strings.ToLower(path), ".npz") {
		return false
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	ms, err := data.StatNPZ(path)
	return err == nil && dataset.IsVideoNPZ(ms)
}

// statVideoFlag checks the video file of a flag without reading its values: its frames' shape in
// tidal's layout [videos, T, C, H, W] and its action components A (0 without).
func statVideoFlag(flag, path string) ([]int, int, error) {
	shape, A, err := dataset.StatVideos(path)
	if err != nil {
		return nil, 0, fmt.Errorf("--%s: %w", flag, err)
	}
	return shape, A, nil
}

// readVideoFlag reads the video file of a flag within the memory budget.
func readVideoFlag(flag, path string, b guard.Budget) (*dataset.Videos, error) {
	mem, _ := b.Mem()
	v, err := dataset.ReadVideos(data.Reader{MaxBytes: mem}, path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return v, nil
}

// runTrainDyDiffVideo is `train dydiff` on a video file: each video its own series (windows never
// cross videos), conditioned on the file's actions unless --actions none.
func runTrainDyDiffVideo(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget) error {
	shape, vshape, A, inputs, err := videoTrainInputs(cmd, &fl)
	if err != nil {
		return err
	}
	to, err := cli.CheckTrainOut(fl.out, inputs...)
	if err != nil {
		return err
	}
	frame := shape[2:]
	mc, err := fieldModelConfig(fl, frame, nil)
	if err != nil {
		return err
	}
	if err := checkVideoModel(fl, b, mc, A, inputs[0], vshape); err != nil {
		return err
	}
	spec := dymodel.TrainSpec{Config: mc, Options: trainOptions(fl), Stride: fl.stride, Dir: fl.out,
		Preview: &dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps},
		Log:     cli.ProgressWriter(cmd, fl.quiet), StartOver: fl.startOver, Take: true}
	if err := readVideoSpec(fl, b, &spec, A); err != nil {
		return err
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	spec.Backend = be
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return fmt.Errorf("--data %s: %w", fl.data, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "train dydiff: η %v (%s noise), %d-parameter %s network, windows %d+%d of %v from %d videos, %d action components, %d training windows, backend %s\n",
		fl.eta, fl.noising, t.Model.NumParams(), fl.net, fl.context, fl.predict, frame, shape[0], A, t.Windows, name)
	return runTrainJob(cmd, to, t.Job)
}

// videoTrainInputs checks the video files of --data and --val without reading their values: the
// frames' shapes, the action components A (0 with --actions none) and the padding of a table's edges;
// training on actions raises --p-mean to videoPMean unless it is given.
func videoTrainInputs(cmd *cobra.Command, fl *trainDyDiffFlags) (shape, vshape []int, A int, inputs []*cli.Input, err error) {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if fl.static.Path != "" {
		return nil, nil, 0, nil, fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", fl.static.Path, fl.data)
	}
	if fl.actions != "" && fl.actions != actionsNone {
		return nil, nil, 0, nil, fmt.Errorf("--actions %q: expected none (train without the file's actions) or nothing (train with them)", fl.actions)
	}
	if shape, A, err = statVideoFlag("data", fl.data); err != nil {
		return nil, nil, 0, nil, err
	}
	if fl.actions == actionsNone {
		A = 0
	}
	if A > 0 && !changed("p-mean") {
		fl.pMean = videoPMean
		_ = cmd.Flags().Set("p-mean", fmt.Sprint(videoPMean)) // so that config.yaml records what the run used
	}
	L := fl.context + fl.predict
	if shape[1] < L {
		return nil, nil, 0, nil, fmt.Errorf("--data %s: videos of %d frames, fewer than --context %d + --predict %d = %d of one window", fl.data, shape[1], fl.context, fl.predict, L)
	}
	inputs = []*cli.Input{{Flag: "data", Path: fl.data, Shape: shape, DType: data.Float32}}
	if fl.val != "" {
		if vshape, err = statVideoVal(fl, shape, A); err != nil {
			return nil, nil, 0, nil, err
		}
		inputs = append(inputs, &cli.Input{Flag: "val", Path: fl.val, Shape: vshape, DType: data.Float32})
	}
	if !changed("periodic") && !changed("periodic-lon") {
		fl.periodic = false // a table has edges
		_ = cmd.Flags().Set("periodic", "false")
	}
	if fl.periodicLon {
		fl.periodic = false
	}
	return shape, vshape, A, inputs, nil
}

// statVideoVal checks the --val video file against --data's frames and actions.
func statVideoVal(fl *trainDyDiffFlags, shape []int, A int) ([]int, error) {
	vshape, vA, err := statVideoFlag("val", fl.val)
	if err != nil {
		return nil, err
	}
	L := fl.context + fl.predict
	switch {
	case fmt.Sprint(vshape[2:]) != fmt.Sprint(shape[2:]):
		return nil, fmt.Errorf("--val %s has frames %v, --data %s has %v", fl.val, vshape[2:], fl.data, shape[2:])
	case vshape[1] < L:
		return nil, fmt.Errorf("--val %s: videos of %d frames, fewer than the %d of one window", fl.val, vshape[1], L)
	case A > 0 && vA != A:
		return nil, fmt.Errorf("--val %s: %d action components, --data %s has %d", fl.val, vA, fl.data, A)
	}
	return vshape, nil
}

// checkVideoModel builds the network as it will be (the action scale comes from the data, so a unit
// one sizes it) and checks the memory its training needs.
func checkVideoModel(fl trainDyDiffFlags, b guard.Budget, mc dymodel.Config, A int, tr *cli.Input, vshape []int) error {
	probe := mc
	probe.Actions, probe.ActionScale = A, make([]float64, A)
	for i := range probe.ActionScale {
		probe.ActionScale[i] = 1
	}
	m, err := dymodel.New(probe)
	if err != nil {
		return networkFlagError(tr.String(), err, fl)
	}
	if _, err := m.Schedule.Timesteps(fl.previewSteps); err != nil && !mc.IsEDM() {
		return fmt.Errorf("--preview-steps %d: %w", fl.previewSteps, err)
	}
	need := guard.Sum(guard.Product(tr.Bytes(), 3), m.TrainBytes(fl.batch)) // read, transposed, windows
	if vshape != nil {
		need = guard.Sum(need, guard.Product(int64(data.NumElements(vshape)), 4, 3), m.SampleBytes(fl.previewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff network on batches of %d windows %v", m.NumParams(), fl.batch, append([]int{mc.Frames()}, mc.Frame...))
	return b.CheckMemory(what, need)
}

// readVideoSpec reads the videos of --data and --val into the training spec, with their actions when
// the model takes A > 0 components.
func readVideoSpec(fl trainDyDiffFlags, b guard.Budget, spec *dymodel.TrainSpec, A int) error {
	v, err := readVideoFlag("data", fl.data, b)
	if err != nil {
		return err
	}
	spec.Data = v.Frames
	if A > 0 {
		spec.Actions = v.Actions
	}
	if fl.val == "" {
		return nil
	}
	vv, err := readVideoFlag("val", fl.val, b)
	if err != nil {
		return err
	}
	spec.Val = vv.Frames
	if A > 0 {
		spec.ValActions = vv.Actions
	}
	return nil
}

// addForecastActionsFlag adds --actions to `forecast`.
func addForecastActionsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "actions", "", "a model trained with actions: the actions driving the forecast, an NPY [rows, A] (row t the action between frames t and t + 1; for video --data, every video alike) or [videos, rows, A]; default: the video --data file's own")
}

// maxActionRows bounds the rows of an --actions file.
const maxActionRows = 1 << 24

// readActionsFlag reads the --actions NPY of `forecast`: [rows, A] or, for video data, [videos, rows,
// A], every value finite, A the model's.
func readActionsFlag(path string, A int, videos bool) (*data.Array, error) {
	shape, _, err := data.StatNPY(path)
	if err != nil {
		return nil, fmt.Errorf("--actions %s: %w", path, err)
	}
	want := fmt.Sprintf("[rows, %d]", A)
	if videos {
		want += fmt.Sprintf(" or [videos, rows, %d]", A)
	}
	r := len(shape)
	if (r != 2 && !(r == 3 && videos)) || shape[r-1] != A || shape[r-2] < 1 || shape[r-2] > maxActionRows || (r == 3 && (shape[0] < 1 || shape[0] > cli.MaxCount)) {
		return nil, fmt.Errorf("--actions %s of shape %v: expected %s, the model's %d action components per row", path, shape, want, A)
	}
	a, err := data.ReadNPY(path)
	if err != nil {
		return nil, fmt.Errorf("--actions %s: %w", path, err)
	}
	for i, v := range a.Float32() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("--actions %s: value %v at row %d component %d: expected finite values", path, v, i/A%shape[r-2], i%A)
		}
	}
	return a, nil
}

// forecastActions are the actions of a forecast of field series (not videos): --actions, for a model
// trained with actions.
func forecastActions(fl forecastFlags, m *dymodel.Model) (*data.Array, error) {
	switch {
	case fl.actions == "" || fl.actions == actionsNone:
		return nil, nil // a model with actions refuses the forecast, naming what it needs
	case m.Config.Actions == 0:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", fl.actions, fl.model)
	}
	return readActionsFlag(fl.actions, m.Config.Actions, false)
}

// runForecastVideo is `forecast` on a video file: case v forecasts video v from its frame Context on
// (--cases N: the first N videos; default all), driven by the file's actions or --actions.
func runForecastVideo(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	shape, fileA, ins, err := videoForecastInputs(fl)
	if err != nil {
		return err
	}
	in := ins[0]
	warn := func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+f+"\n", a...) }
	m, snap, err := loadForecastRun(&fl, warn)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	cases, lead, err := videoCasesLead(cmd, fl, m, in, shape)
	if err != nil {
		return err
	}
	acts, err := videoForecastActions(fl, mc, in, fileA)
	if err != nil {
		return err
	}
	if err := checkVideoForecastBudget(fl, b, m, in, cases, lead); err != nil {
		return err
	}
	v, err := readVideoFlag("data", fl.data, b)
	if err != nil {
		return err
	}
	if acts == nil && mc.Actions > 0 {
		acts = v.Actions
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	t := &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap, Backend: be}
	so := dymodel.SamplerOptions{Kind: fl.sampler, Steps: fl.steps, EtaDDIM: fl.ddimEta, ClipX0: fl.clipX0, SigmaMax: fl.sigmaMax}
	o := dymodel.ForecastOptions{Cases: cases, Members: fl.members, Lead: lead, Sampler: so, Seed: fl.seed, Actions: acts}
	if !fl.quiet {
		o.Progress = cmd.ErrOrStderr()
	}
	f, err := t.Forecast(cmd.Context(), v.Frames, o)
	if err != nil {
		return fmt.Errorf("--run %s on %s: %w", fl.model, in, err)
	}
	sides, err := cli.ForecastSidecars(fl.data, f.Cases, fl.maker(snap.Step), fl.out, fl.truthOut, f.Ensemble.Shape, f.Truth.Shape)
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(ins, append([]cli.Output{cli.NPYOutput("out", fl.out, f.Ensemble), cli.NPYOutput("truth-out", fl.truthOut, f.Truth)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), videos 0..%d from frame %d; truth %s\n",
		fl.out, f.Ensemble.Shape, fl.model, snap.Step, fl.sampler, fl.steps, name, cases-1, mc.Context, fl.truthOut)
	return nil
}

// videoForecastInputs refuses the flags of fields for videos, checks the video file's header and the
// outputs against the inputs; the inputs are --data, --run and --actions FILE.
func videoForecastInputs(fl forecastFlags) (shape []int, fileA int, ins []*cli.Input, err error) {
	switch {
	case fl.disc != "":
		return nil, 0, nil, fmt.Errorf("--disc %s: guidance is for fields; --data %s holds videos", fl.disc, fl.data)
	case fl.static.Path != "":
		return nil, 0, nil, fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", fl.static.Path, fl.data)
	case len(fl.starts) > 0:
		return nil, 0, nil, fmt.Errorf("--starts %v: each video is forecast from its frame --context on; choose the videos with --cases N (the first N)", fl.starts)
	case cli.WantNC(fl.outFormat, fl.out) || cli.WantNC(fl.outFormat, fl.truthOut):
		return nil, 0, nil, fmt.Errorf("--format nc: forecasts of videos are written as NPY")
	}
	if shape, fileA, err = statVideoFlag("data", fl.data); err != nil {
		return nil, 0, nil, err
	}
	ins = []*cli.Input{{Flag: "data", Path: fl.data, Shape: shape, DType: data.Float32}, cli.RunDirInput("run", fl.model)}
	if fl.actions != "" && fl.actions != actionsNone {
		ins = append(ins, &cli.Input{Flag: "actions", Path: fl.actions})
	}
	if err := cli.CheckOutputs(ins, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return nil, 0, nil, err
	}
	return shape, fileA, ins, nil
}

// videoCasesLead checks the model against the videos and returns the number of videos forecast and the
// lead.
func videoCasesLead(cmd *cobra.Command, fl forecastFlags, m *dymodel.Model, in *cli.Input, shape []int) (cases, lead int, err error) {
	mc := m.Config
	if mc.Net == "series" {
		return 0, 0, fmt.Errorf("--run %s is a time-series model; --data %s holds videos", fl.model, fl.data)
	}
	if err := m.CheckFrame(in.String(), shape[2:]); err != nil {
		return 0, 0, err
	}
	V, T := shape[0], shape[1]
	cases = V
	if cmd.Flags().Changed("cases") || cmd.Flags().Changed("num-cases") {
		if fl.cases > V {
			return 0, 0, fmt.Errorf("--cases %d: %s holds %d videos", fl.cases, in, V)
		}
		cases = fl.cases
	}
	lead = fl.lead
	if lead == 0 {
		lead = mc.Predict
	}
	if lead > T-mc.Context {
		return 0, 0, fmt.Errorf("--lead %d: the videos of %s have %d frames, the model's %d context frames leave %d to forecast", lead, in, T, mc.Context, T-mc.Context)
	}
	return cases, lead, nil
}

// videoForecastActions is --actions FILE read for the model (nil: the video file's own, or none).
func videoForecastActions(fl forecastFlags, mc dymodel.Config, in *cli.Input, fileA int) (*data.Array, error) {
	switch {
	case mc.Actions > 0 && fl.actions == actionsNone:
		return nil, fmt.Errorf("--actions none: --run %s was trained with %d-component actions and needs them", fl.model, mc.Actions)
	case mc.Actions == 0 && fl.actions != "" && fl.actions != actionsNone:
		return nil, fmt.Errorf("--actions %s: --run %s was trained without actions", fl.actions, fl.model)
	case mc.Actions > 0 && fl.actions != "":
		return readActionsFlag(fl.actions, mc.Actions, true)
	case mc.Actions > 0 && fileA != mc.Actions:
		return nil, fmt.Errorf("%s: %d action components, --run %s takes %d; give --actions FILE", in, fileA, fl.model, mc.Actions)
	}
	return nil, nil
}

// checkVideoForecastBudget checks the memory and the disk a forecast of the videos needs.
func checkVideoForecastBudget(fl forecastFlags, b guard.Budget, m *dymodel.Model, in *cli.Input, cases, lead int) error {
	mc := m.Config
	F := int64(data.NumElements(mc.Frame))
	fcBytes := guard.Product(int64(cases), int64(fl.members), int64(lead), F, 4)
	truthBytes := guard.Product(int64(cases), int64(lead), F, 4)
	what := fmt.Sprintf("a forecast [%d videos, %d members, %d lead, frame %v] float32", cases, fl.members, lead, mc.Frame)
	if err := b.CheckMemory(what, guard.Sum(guard.Product(in.Bytes(), 3), guard.Product(fcBytes, 3), truthBytes, m.SampleBytes(fl.members))); err != nil {
		return err
	}
	return b.CheckDisk(what, fl.out, guard.Sum(guard.Product(fcBytes, 2), truthBytes))
}
