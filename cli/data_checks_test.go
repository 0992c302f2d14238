package cli

import (
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/sim/navierstokes"
)

// TestMinSizeForKf: the smallest even grid whose dealiasing cutoff lies above k_f, and the error that
// suggests it names --kf and --size.
func TestMinSizeForKf(t *testing.T) {
	for _, kf := range []float64{3, 6, 10.5} {
		n := minSizeForKf(kf)
		if n%2 != 0 || float64(navierstokes.Cutoff(n)) <= kf || float64(navierstokes.Cutoff(n-2)) > kf {
			t.Errorf("k_f %v: %d (cutoff %d, of %d: %d)", kf, n, navierstokes.Cutoff(n), n-2, navierstokes.Cutoff(n-2))
		}
	}
	o := navierstokes.DefaultDatasetOptions(16)
	o.Kf = 6
	if err := CheckNavierStokesFlags(o, "ns.npy"); err == nil || !strings.Contains(err.Error(), "--kf") {
		t.Errorf("k_f 6 on 16²: %v", err)
	}
}
