package guided

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if _, err := Load("disc", idm, KindDiscriminator, nil); err == nil || err.Error() != "--disc "+want {
		t.Errorf("Load error %v, want --disc %s", err, want)
	}
	// OpenModels names the run that failed; WithFlag puts the rollout's option in front.
	missing := filepath.Join(t.TempDir(), "none")
	if _, _, err := OpenModels(idm, "", missing, nil); !strings.HasPrefix(WithFlag(err).Error(), "--disc "+missing+": ") {
		t.Errorf("OpenModels(missing guide) = %v", WithFlag(err))
	}
	if _, _, err := LoadModels("", disc, "", nil); err == nil || !strings.HasPrefix(err.Error(), "--vdm "+disc+": holds discriminator") {
		t.Errorf("LoadModels(--vdm disc) = %v", err)
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
