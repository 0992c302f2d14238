package main

import (
	"fmt"
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
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if fl.static.path != "" {
		return fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", fl.static.path, fl.data)
	}
	if fl.actions != "" && fl.actions != actionsNone {
		return fmt.Errorf("--actions %q: expected none (train without the file's actions) or nothing (train with them)", fl.actions)
	}
	shape, A, err := statVideoFlag("data", fl.data)
	if err != nil {
		return err
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
		return fmt.Errorf("--data %s: videos of %d frames, fewer than --context %d + --predict %d = %d of one window", fl.data, shape[1], fl.context, fl.predict, L)
	}
	tr := &inputArray{flag: "data", path: fl.data, shape: shape, dtype: data.Float32}
	inputs := []*inputArray{tr}
	var vshape []int
	if fl.val != "" {
		var vA int
		if vshape, vA, err = statVideoFlag("val", fl.val); err != nil {
			return err
		}
		switch {
		case fmt.Sprint(vshape[2:]) != fmt.Sprint(shape[2:]):
			return fmt.Errorf("--val %s has frames %v, --data %s has %v", fl.val, vshape[2:], fl.data, shape[2:])
		case vshape[1] < L:
			return fmt.Errorf("--val %s: videos of %d frames, fewer than the %d of one window", fl.val, vshape[1], L)
		case A > 0 && vA != A:
			return fmt.Errorf("--val %s: %d action components, --data %s has %d", fl.val, vA, fl.data, A)
		}
		inputs = append(inputs, &inputArray{flag: "val", path: fl.val, shape: vshape, dtype: data.Float32})
	}
	if !changed("periodic") && !changed("periodic-lon") {
		fl.periodic = false // a table has edges
		_ = cmd.Flags().Set("periodic", "false")
	}
	if fl.periodicLon {
		fl.periodic = false
	}
	to, err := checkTrainOut(fl.out, inputs...)
	if err != nil {
		return err
	}
	frame := shape[2:]
	mc := dymodel.Config{Method: dymodel.Method, Net: fl.net, Context: fl.context, Predict: fl.predict, Eta: fl.eta,
		Noising: fl.noising, Frame: append([]int(nil), frame...),
		UNet: dymodel.UNetConfig{Channels: fl.channels, Mults: fl.mults, Blocks: fl.blocks, AttnLevels: fl.attn,
			Heads: fl.heads, Groups: fl.groups, Periodic: fl.periodic, PeriodicLon: fl.periodicLon, Dropout: fl.dropout,
			TemporalConv: fl.tconv, TemporalAttn: fl.tattn, Head: fl.head},
		Param: fl.param, Anchor: fl.anchor}
	if fl.param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: fl.sigmaData, PMean: fl.pMean, PStd: fl.pStd}
	}
	probe := mc // the network as it will be, to size it: the action scale comes from the data
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
	what := fmt.Sprintf("training a %d-parameter DyDiff network on batches of %d windows %v", m.NumParams(), fl.batch, append([]int{L}, frame...))
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	spec := dymodel.TrainSpec{Config: mc, Options: trainOptions(fl), Stride: fl.stride, Dir: fl.out,
		Preview: &dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps},
		Log:     progressWriter(cmd, fl.quiet), StartOver: fl.startOver, Take: true}
	v, err := readVideoFlag("data", fl.data, b)
	if err != nil {
		return err
	}
	spec.Data = v.Frames
	if A > 0 {
		spec.Actions = v.Actions
	}
	if fl.val != "" {
		vv, err := readVideoFlag("val", fl.val, b)
		if err != nil {
			return err
		}
		spec.Val = vv.Frames
		if A > 0 {
			spec.ValActions = vv.Actions
		}
	}
	name, be, err := newBackendCompute()
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
	if (r != 2 && !(r == 3 && videos)) || shape[r-1] != A || shape[r-2] < 1 || shape[r-2] > maxActionRows || (r == 3 && (shape[0] < 1 || shape[0] > maxCount)) {
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
	switch {
	case fl.disc != "":
		return fmt.Errorf("--disc %s: guidance is for fields; --data %s holds videos", fl.disc, fl.data)
	case fl.static.path != "":
		return fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", fl.static.path, fl.data)
	case len(fl.starts) > 0:
		return fmt.Errorf("--starts %v: each video is forecast from its frame --context on; choose the videos with --cases N (the first N)", fl.starts)
	case wantNC(fl.outFormat, fl.out) || wantNC(fl.outFormat, fl.truthOut):
		return fmt.Errorf("--format nc: forecasts of videos are written as NPY")
	}
	shape, fileA, err := statVideoFlag("data", fl.data)
	if err != nil {
		return err
	}
	in := &inputArray{flag: "data", path: fl.data, shape: shape, dtype: data.Float32}
	ins := []*inputArray{in, runDirInput("run", fl.model)}
	if fl.actions != "" && fl.actions != actionsNone {
		ins = append(ins, &inputArray{flag: "actions", path: fl.actions})
	}
	if err := checkOutputs(ins, withSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return err
	}
	warn := func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+f+"\n", a...) }
	m, snap, err := loadForecastRun(&fl, warn)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if mc.Net == "series" {
		return fmt.Errorf("--run %s is a time-series model; --data %s holds videos", fl.model, fl.data)
	}
	if err := m.CheckFrame(in.String(), shape[2:]); err != nil {
		return err
	}
	V, T := shape[0], shape[1]
	cases := V
	if cmd.Flags().Changed("cases") || cmd.Flags().Changed("num-cases") {
		if fl.cases > V {
			return fmt.Errorf("--cases %d: %s holds %d videos", fl.cases, in, V)
		}
		cases = fl.cases
	}
	lead := fl.lead
	if lead == 0 {
		lead = mc.Predict
	}
	if lead > T-mc.Context {
		return fmt.Errorf("--lead %d: the videos of %s have %d frames, the model's %d context frames leave %d to forecast", lead, in, T, mc.Context, T-mc.Context)
	}
	var acts *data.Array
	switch {
	case mc.Actions > 0 && fl.actions == actionsNone:
		return fmt.Errorf("--actions none: --run %s was trained with %d-component actions and needs them", fl.model, mc.Actions)
	case mc.Actions == 0 && fl.actions != "" && fl.actions != actionsNone:
		return fmt.Errorf("--actions %s: --run %s was trained without actions", fl.actions, fl.model)
	case mc.Actions > 0 && fl.actions != "":
		if acts, err = readActionsFlag(fl.actions, mc.Actions, true); err != nil {
			return err
		}
	case mc.Actions > 0 && fileA != mc.Actions:
		return fmt.Errorf("%s: %d action components, --run %s takes %d; give --actions FILE", in, fileA, fl.model, mc.Actions)
	}
	F := int64(data.NumElements(mc.Frame))
	fcBytes := guard.Product(int64(cases), int64(fl.members), int64(lead), F, 4)
	truthBytes := guard.Product(int64(cases), int64(lead), F, 4)
	what := fmt.Sprintf("a forecast [%d videos, %d members, %d lead, frame %v] float32", cases, fl.members, lead, mc.Frame)
	if err := b.CheckMemory(what, guard.Sum(guard.Product(in.Bytes(), 3), guard.Product(fcBytes, 3), truthBytes, m.SampleBytes(fl.members))); err != nil {
		return err
	}
	if err := b.CheckDisk(what, fl.out, guard.Sum(guard.Product(fcBytes, 2), truthBytes)); err != nil {
		return err
	}
	v, err := readVideoFlag("data", fl.data, b)
	if err != nil {
		return err
	}
	if acts == nil && mc.Actions > 0 {
		acts = v.Actions
	}
	name, be, err := newBackendCompute()
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
	sides, err := forecastSidecars(fl, fl.data, f.Cases, snap.Step, f.Ensemble.Shape, f.Truth.Shape)
	if err != nil {
		return err
	}
	if err := writeNPYs(ins, append([]namedOutput{npyOutput("out", fl.out, f.Ensemble), npyOutput("truth-out", fl.truthOut, f.Truth)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), videos 0..%d from frame %d; truth %s\n",
		fl.out, f.Ensemble.Shape, fl.model, snap.Step, fl.sampler, fl.steps, name, cases-1, mc.Context, fl.truthOut)
	return nil
}
