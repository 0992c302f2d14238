package guided

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestOpenErrorsNameTheRunNotAFlag(t *testing.T) {
	idm, _, disc, _ := trainedRuns(t)
	if m, err := Open(idm, KindIDM, nil); err != nil || m.Config.Kind != KindIDM || m.Run != idm {
		t.Fatalf("Open(idm) = %+v, %v", m, err)
	}
	_, err := Open(idm, KindDiscriminator, nil)
	var re *RunError
	if !errors.As(err, &re) || re.Kind != KindDiscriminator || re.Run != idm {
		t.Fatalf("Open(idm as discriminator) = %v, want a *RunError of the run", err)
	}
	want := idm + ": holds idm, expected a run of `tidal train discriminator`"
	if err.Error() != want || strings.Contains(err.Error(), "--") {
		t.Errorf("Open error %q, want %q", err, want)
	}
	if _, err := Open(idm, KindDiscriminator, nil); err == nil || WithFlag(err).Error() != "--disc "+want {
		t.Errorf("WithFlag(Open error) %v, want --disc %s", WithFlag(err), want)
	}
	// OpenModels names the run that failed; WithFlag puts the rollout's option in front.
	missing := filepath.Join(t.TempDir(), "none")
	if _, _, err := OpenModels(idm, "", missing, nil); !strings.HasPrefix(WithFlag(err).Error(), "--disc "+missing+": ") {
		t.Errorf("OpenModels(missing guide) = %v", WithFlag(err))
	}
	if _, _, err := OpenModels("", disc, "", nil); err == nil || !strings.HasPrefix(WithFlag(err).Error(), "--vdm "+disc+": holds discriminator") {
		t.Errorf("OpenModels(--vdm disc) = %v", WithFlag(err))
	}
	if WithFlag(nil) != nil || WithFlag(os.ErrNotExist) != os.ErrNotExist {
		t.Error("WithFlag changed an error that is not a *RunError")
	}
}

func TestMemoryEstimates(t *testing.T) {
	// 8 rows × 16 channels × 3 levels × (2+1) blocks × 96 bytes.
	if got := TrainActivationBytes(8, 16, 3, 2); got != 8*16*3*3*96 {
		t.Errorf("TrainActivationBytes = %d", got)
	}
	// float64 file of 10×2×4×4 values: 2560 bytes stored, 320 values × 12 bytes, 100 bytes × 16 points.
	if got := TrainingBytes([]int{10, 2, 4, 4}, 2560, 100); got != 2560+320*12+1600 {
		t.Errorf("TrainingBytes = %d", got)
	}
	c := ModelConfig{Channels: 2, Height: 4, Width: 8}
	w := int64(c.NetWidth())
	if got, want := c.SampleBytes(3), 3*4*8*w*256+3*2*4*8*32; got != want {
		t.Errorf("SampleBytes = %d, want %d", got, want)
	}
	if got := TrainingBytes([]int{1 << 40, 1 << 20, 1 << 20, 1 << 20}, 1, 1); got != 1<<63-1 {
		t.Errorf("TrainingBytes of a huge shape = %d, want saturation", got)
	}
}

func TestCheckTrainingShape(t *testing.T) {
	for _, c := range []struct {
		shape, crop []int
		want        string
	}{
		{[]int{4, 1, 8, 8}, []int{8, 8}, ""},
		{[]int{3, 1, 8, 8}, nil, "--data d.npy: 3 frames: expected at least 4"},
		{[]int{9, 1, 8, 8}, []int{4, 9}, "--crop 4,9: expected at most the field's 8×8 of --data d.npy"},
		{[]int{9, 8, 8}, nil, "--data d.npy: shape [9 8 8]: expected [frames, channels, height, width]"},
	} {
		err := CheckTrainingShape("--data d.npy", c.shape, c.crop)
		if (err == nil) != (c.want == "") || err != nil && err.Error() != c.want {
			t.Errorf("%v crop %v: %v, want %q", c.shape, c.crop, err, c.want)
		}
	}
}

func TestCheckObserved(t *testing.T) {
	m := &Model{Run: "r", Config: ModelConfig{Channels: 1, Height: 2, Width: 2}}
	v := make([]float32, 3*4)
	if err := m.CheckObserved(data.FromFloat32(v, 3, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	v[9] = float32(math.Inf(1))
	if err := m.CheckObserved(data.FromFloat32(v, 3, 1, 2, 2)); err == nil || err.Error() != "frame 2 holds a NaN or an infinity (value 1 of the frame)" {
		t.Errorf("an infinity in frame 2: %v", err)
	}
	if err := m.CheckObserved(data.FromFloat32(v[:4], 1, 1, 2, 2)); err == nil || !strings.Contains(err.Error(), "1 frame(s)") {
		t.Errorf("one frame: %v", err)
	}
	if err := m.CheckObserved(data.FromFloat32(v, 3, 2, 2, 1)); err == nil || err.Error() != "observed frames [2 2 1] [channels, height, width], the model r was trained on [1 2 2]" {
		t.Errorf("other frames: %v", err)
	}
	if err := m.CheckShape([]int{3, 4}); err == nil || !strings.Contains(err.Error(), "expected [frames, channels, height, width] of [1 2 2]") {
		t.Errorf("a rank-2 shape: %v", err)
	}
}
