package benchcli

import (
	"strings"
	"testing"
)

// TestBenchVideoTable runs `bench video` on tiny generated videos and checks the table: a row per
// predicted frame of the protocol (robonet: frames 3 to 12) and the means, for the three methods.
func TestBenchVideoTable(t *testing.T) {
	out, err := runTidal(t, "bench", "video", "--quick", "--protocol", "robonet", "--size", "12", "--videos", "2", "--test-videos", "1",
		"--steps", "1", "--members", "1", "--sampler-steps", "1", "--channels", "4", "--batch", "2", "--dir", t.TempDir())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"protocol robonet (2 observed → 10 predicted)", "dydiff PSNR", "dpm SSIM", "persistence PSNR", "\n3 ", "\n12 ", "\nmean "} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n13 ") || strings.Contains(out, "\n2 ") {
		t.Errorf("rows beyond the protocol's predicted frames:\n%s", out)
	}
}
