package main

import (
	"fmt"
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
