package guided

import (
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/train"
)

// NewTrainer with static fields: the image and video models take S more input channels and the
// discriminator S static channels, the run's configuration records the fields' statistics, and fields
// on another grid or together with a crop are refused.
func TestTrainerStaticFields(t *testing.T) {
	v := make([]float32, 12*64)
	for i := range v {
		v[i] = float32(i%11) * 0.1
	}
	series := dataset.Series{Name: "x", Shape: []int{12, 1, 8, 8}, Data: v}
	static := func(h, w int) *dataset.Static {
		st := make([]float32, 2*h*w)
		for i := range st {
			st[i] = float32(i % 3)
		}
		s, err := dataset.NewStatic("static", data.FromFloat32(st, 2, h, w))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	spec := func(kind string, s *dataset.Static, crop []int) TrainSpec {
		o := train.Defaults()
		o.BatchSize = 2
		return TrainSpec{Kind: kind, Series: series, Options: o, UNet: nets.Config{Channels: 4, Mults: []int{1, 2}, Blocks: 1, Groups: 2},
			SigmaData: 0.5, PMean: -1.2, PStd: 1.2, ValFraction: 0.4, Static: s, Crop: crop, SigmaStep: 2, Dir: t.TempDir()}
	}
	for kind, in := range map[string]int{KindIDM: 1 + 2, KindVDM: 3 + 2} {
		tr, err := NewTrainer(spec(kind, static(8, 8), nil))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Config.UNet.InChannels != in || tr.Config.Static == nil || tr.Config.Static.Channels != 2 {
			t.Errorf("%s: InChannels %d (want %d), static %+v", kind, tr.Config.UNet.InChannels, in, tr.Config.Static)
		}
	}
	sd := spec(KindDiscriminator, static(8, 8), nil)
	sd.Disc.Channels, sd.Disc.Mults, sd.Disc.Blocks, sd.Disc.Groups, sd.Disc.HeadWidth = 4, []int{1, 2}, 1, 2, 4
	tr, err := NewTrainer(sd)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Config.Disc.StaticChannels != 2 {
		t.Errorf("discriminator: StaticChannels %d, want 2", tr.Config.Disc.StaticChannels)
	}
	if _, err := NewTrainer(spec(KindIDM, static(8, 7), nil)); err == nil || !strings.Contains(err.Error(), "8×7") {
		t.Errorf("static fields on another grid: %v", err)
	}
	if _, err := NewTrainer(spec(KindIDM, static(8, 8), []int{4, 4})); err == nil || !strings.Contains(err.Error(), "crop") {
		t.Errorf("static fields with a crop: %v", err)
	}
}
