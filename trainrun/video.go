package trainrun

import (
	"fmt"
	"os"
	"strings"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

// ActionsNone is the --actions value that ignores a video file's actions.
const ActionsNone = "none"

// VideoPMean is `train dydiff`'s default --p-mean on videos with actions: EDM's −1.2 trains mostly noise
// levels at which the noisy frames already show where the pusher went, and the model learns to ignore
// the actions; 0.8 trains the levels where they matter (docs/VIDEO.md, docs/RESULTS.md).
const VideoPMean = 0.8

// IsVideoFile says whether path is a video file: an NPZ archive with a rank-5 "frames" member. Files
// that are not NPZ, or that cannot be read, are not (their own readers name what is wrong).
func IsVideoFile(path string) bool {
	if !strings.HasSuffix(strings.ToLower(path), ".npz") {
		return false
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	ms, err := data.StatNPZ(path)
	return err == nil && dataset.IsVideoNPZ(ms)
}

// StatVideoFlag checks the video file of a flag without reading its values: its frames' shape in
// tidal's layout [videos, T, C, H, W] and its action components A (0 without).
func StatVideoFlag(flag, path string) ([]int, int, error) {
	shape, A, err := dataset.StatVideos(path)
	if err != nil {
		return nil, 0, fmt.Errorf("--%s: %w", flag, err)
	}
	return shape, A, nil
}

// ReadVideoFlag reads the video file of a flag within the memory budget.
func ReadVideoFlag(flag, path string, b guard.Budget) (*dataset.Videos, error) {
	mem, _ := b.Mem()
	v, err := dataset.ReadVideos(data.Reader{MaxBytes: mem}, path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return v, nil
}

// prepareVideo is `train dydiff` on a video file: each video its own series (windows never cross
// videos), conditioned on the file's actions unless --actions none.
func prepareVideo(o Options, b guard.Budget) (*Run, error) {
	shape, vshape, A, inputs, err := videoTrainInputs(&o)
	if err != nil {
		return nil, err
	}
	to, err := cli.CheckTrainOut(o.Run, inputs...)
	if err != nil {
		return nil, err
	}
	frame := shape[2:]
	mc, err := fieldModelConfig(o, frame, nil)
	if err != nil {
		return nil, err
	}
	if err := checkVideoModel(o, b, mc, A, inputs[0], vshape); err != nil {
		return nil, err
	}
	spec := fieldSpec(o, mc)
	if err := readVideoSpec(o, b, &spec, A); err != nil {
		return nil, err
	}
	r, name, t, err := startTrainer(o, to, spec)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.stderr(), "train dydiff: η %v (%s noise), %d-parameter %s network, windows %d+%d of %v from %d videos, %d action components, %d training windows, backend %s\n",
		o.Eta, o.Noising, t.Model.NumParams(), o.Net, o.Context, o.Predict, frame, shape[0], A, t.Windows, name)
	r.Job = t.Job
	return r, nil
}

// videoTrainInputs checks the video files of --data and --val without reading their values: the
// frames' shapes, the action components A (0 with --actions none) and the padding of a table's edges;
// training on actions raises --p-mean to VideoPMean unless it is given.
func videoTrainInputs(o *Options) (shape, vshape []int, A int, inputs []*cli.Input, err error) {
	changed := o.given
	if o.Static.Path != "" {
		return nil, nil, 0, nil, fmt.Errorf("--static %s: static fields are for fields on a grid; --data %s holds videos", o.Static.Path, o.Data)
	}
	if o.Actions != "" && o.Actions != ActionsNone {
		return nil, nil, 0, nil, fmt.Errorf("--actions %q: expected none (train without the file's actions) or nothing (train with them)", o.Actions)
	}
	if shape, A, err = StatVideoFlag("data", o.Data); err != nil {
		return nil, nil, 0, nil, err
	}
	if o.Actions == ActionsNone {
		A = 0
	}
	if A > 0 && !changed("p-mean") {
		o.PMean = VideoPMean
		o.resolved("p-mean", fmt.Sprint(VideoPMean)) // so that config.yaml records what the run used
	}
	L := o.Context + o.Predict
	if shape[1] < L {
		return nil, nil, 0, nil, fmt.Errorf("--data %s: videos of %d frames, fewer than --context %d + --predict %d = %d of one window", o.Data, shape[1], o.Context, o.Predict, L)
	}
	inputs = []*cli.Input{{Flag: "data", Path: o.Data, Shape: shape, DType: data.Float32}}
	if o.Val != "" {
		if vshape, err = statVideoVal(o, shape, A); err != nil {
			return nil, nil, 0, nil, err
		}
		inputs = append(inputs, &cli.Input{Flag: "val", Path: o.Val, Shape: vshape, DType: data.Float32})
	}
	if !changed("periodic") && !changed("periodic-lon") {
		o.Periodic = false // a table has edges
		o.resolved("periodic", "false")
	}
	if o.PeriodicLon {
		o.Periodic = false
	}
	return shape, vshape, A, inputs, nil
}

// statVideoVal checks the --val video file against --data's frames and actions.
func statVideoVal(o *Options, shape []int, A int) ([]int, error) {
	vshape, vA, err := StatVideoFlag("val", o.Val)
	if err != nil {
		return nil, err
	}
	L := o.Context + o.Predict
	switch {
	case fmt.Sprint(vshape[2:]) != fmt.Sprint(shape[2:]):
		return nil, fmt.Errorf("--val %s has frames %v, --data %s has %v", o.Val, vshape[2:], o.Data, shape[2:])
	case vshape[1] < L:
		return nil, fmt.Errorf("--val %s: videos of %d frames, fewer than the %d of one window", o.Val, vshape[1], L)
	case A > 0 && vA != A:
		return nil, fmt.Errorf("--val %s: %d action components, --data %s has %d", o.Val, vA, o.Data, A)
	}
	return vshape, nil
}

// checkVideoModel builds the network as it will be (the action scale comes from the data, so a unit
// one sizes it) and checks the memory its training needs.
func checkVideoModel(o Options, b guard.Budget, mc dymodel.Config, A int, tr *cli.Input, vshape []int) error {
	probe := mc
	probe.Actions, probe.ActionScale = A, make([]float64, A)
	for i := range probe.ActionScale {
		probe.ActionScale[i] = 1
	}
	m, err := dymodel.New(probe)
	if err != nil {
		return &NetworkError{What: tr.String(), Err: err, Options: o}
	}
	if _, err := m.Schedule.Timesteps(o.PreviewSteps); err != nil && !mc.IsEDM() {
		return fmt.Errorf("--preview-steps %d: %w", o.PreviewSteps, err)
	}
	need := guard.Sum(guard.Product(tr.Bytes(), 3), m.TrainBytes(o.Batch)) // read, transposed, windows
	if vshape != nil {
		need = guard.Sum(need, guard.Product(int64(data.NumElements(vshape)), 4, 3), m.SampleBytes(o.PreviewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff network on batches of %d windows %v", m.NumParams(), o.Batch, append([]int{mc.Frames()}, mc.Frame...))
	return b.CheckMemory(what, need)
}

// readVideoSpec reads the videos of --data and --val into the training spec, with their actions when
// the model takes A > 0 components.
func readVideoSpec(o Options, b guard.Budget, spec *dymodel.TrainSpec, A int) error {
	v, err := ReadVideoFlag("data", o.Data, b)
	if err != nil {
		return err
	}
	spec.Data = v.Frames
	if A > 0 {
		spec.Actions = v.Actions
	}
	if o.Val == "" {
		return nil
	}
	vv, err := ReadVideoFlag("val", o.Val, b)
	if err != nil {
		return err
	}
	spec.Val = vv.Frames
	if A > 0 {
		spec.ValActions = vv.Actions
	}
	return nil
}
