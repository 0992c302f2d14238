package guidancebench

import (
	"testing"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nn"
)

// BenchmarkGuidanceOverhead measures the paper's shapes: the 128-channel image model and the default
// 32-channel discriminator, batch 1 at 64²:
//
//	go test -run '^$' -bench GuidanceOverhead -benchtime 1x -v ./bench/guidancebench
func BenchmarkGuidanceOverhead(b *testing.B) {
	for b.Loop() {
		r, err := Measure(tensortest.Backend(b), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s; %s", r, benchenv.Describe())
		b.ReportMetric(100*r.Overhead(), "%overhead")
	}
}

// TestMeasureTiny runs Measure on tiny networks and checks its figures are consistent: positive
// times, the parameter counts of the networks, the overhead their ratio.
func TestMeasureTiny(t *testing.T) {
	idm := PaperIDM(8)
	idm.Groups = 4
	disc := guidance.Config{FrameChannels: 1, Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, HeadWidth: 16,
		PadH: nn.Periodic, PadW: nn.Periodic}
	r, err := Measure(tensortest.Backend(t), Options{Batch: 2, Size: 16, IDM: &idm, Disc: &disc, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	d, _ := guidance.New(disc)
	if r.Denoiser <= 0 || r.Guidance <= 0 || r.DiscParams != d.NumParams() || r.IDMParams == 0 ||
		r.Overhead() != r.Guidance.Seconds()/r.Denoiser.Seconds() {
		t.Errorf("inconsistent result %+v", r)
	}
	if _, err := Measure(tensortest.Backend(t), Options{Size: -1}); err == nil {
		t.Errorf("size −1: no error")
	}
}
