package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/tidal-forecast/tidal/cli"

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
