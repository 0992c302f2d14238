package scorerun

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// videoScoresScript is scripts/video_scores.py, FVD and LPIPS of a video forecast with networks the user
// supplies (docs/VIDEO.md, "FVD and LPIPS").
func videoScoresScript(t *testing.T) string {
	t.Helper()
	script, err := filepath.Abs("../scripts/video_scores.py")
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// torchPython is a Python with NumPy, SciPy and PyTorch, which the scores need; the test is skipped,
// saying why, where there is none (`make test` installs NumPy and SciPy, not PyTorch).
func torchPython(t *testing.T) string {
	t.Helper()
	py, err := pyref.Find("numpy", "scipy", "torch")
	if err != nil {
		t.Skipf("scripts/video_scores.py needs PyTorch: %v (Debian: apt-get install python3-torch)", err)
	}
	return py
}

// TestVideoScoresSelfTest runs the script's --self-test, which needs no pretrained weights: the Fréchet
// distance against closed forms (equal Gaussians, diagonal covariances) and against scipy's sqrtm on
// random SPD pairs, the bilinear resize against PyTorch's, the LPIPS assembly against a value by hand and
// a pixel loop over a random stand-in AlexNet, and the reading and refusals of forecast files. The
// Fréchet checks need only NumPy and SciPy: they run first with PyTorch hidden (exit status 3, the
// others not run), then the whole self-test where PyTorch is installed.
func TestVideoScoresSelfTest(t *testing.T) {
	script := videoScoresScript(t)
	py := pyref.ForTest(t, "numpy", "scipy")
	hidden := "import sys; sys.modules['torch'] = None; sys.argv = [sys.argv[1], '--self-test']; " +
		"exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'))"
	cmd := exec.Command(py, "-c", hidden, script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || !strings.Contains(stderr.String(), "Frechet distance checks passed") {
		t.Fatalf("--self-test without PyTorch: %v, %q; want exit status 3 after the Frechet checks", err, stderr.String())
	}
	py = torchPython(t)
	out, err := exec.Command(py, script, "--self-test").CombinedOutput()
	if err != nil {
		t.Fatalf("video_scores.py --self-test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "self-test: ok") {
		t.Fatalf("video_scores.py --self-test printed %q", out)
	}
}

// TestVideoScoresReadsTidalForecast writes a forecast and its truth the way `tidal forecast` lays out a
// video run ([cases, members, lead, 3, H, W] and FC.truth.npy beside it, through tidal's NPY writer) and
// scores them with a TorchScript stand-in for the I3D file whose features are each channel's mean,
// minimum and maximum. Every member is the truth shifted by 0.1 (0.2 in the network's [-1, 1]), so the
// covariances agree and FVD is 9 × 0.2² exactly; --out over the forecast is refused and leaves it intact.
func TestVideoScoresReadsTidalForecast(t *testing.T) {
	py, script := torchPython(t), videoScoresScript(t)
	const cases, members, lead, size = 4, 2, 3, 16
	dir := t.TempDir()
	frame := 3 * size * size
	truth := make([]float32, cases*lead*frame)
	for i := range truth {
		truth[i] = float32(0.45 + 0.35*math.Sin(0.37*float64(i)+0.01*float64(i%frame)))
	}
	fc := make([]float32, 0, cases*members*lead*frame)
	for c := 0; c < cases; c++ {
		for m := 0; m < members; m++ {
			for _, v := range truth[c*lead*frame : (c+1)*lead*frame] {
				fc = append(fc, v+0.1)
			}
		}
	}
	fcPath := filepath.Join(dir, "push_fc.npy")
	if err := data.WriteNPY(fcPath, data.FromFloat32(fc, cases, members, lead, 3, size, size)); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(forecast.TruthPath(fcPath), data.FromFloat32(truth, cases, lead, 3, size, size)); err != nil {
		t.Fatal(err)
	}
	i3d := filepath.Join(dir, "standin_i3d.pt")
	if _, err := pyref.Run(py, "import sys; sys.path.insert(0, sys.argv[1]); import video_scores; video_scores.standin_i3d().save(sys.argv[2])",
		filepath.Dir(script), i3d); err != nil {
		t.Fatal(err)
	}
	scores := filepath.Join(dir, "scores.json")
	if out, err := exec.Command(py, script, "--forecast", fcPath, "--i3d", i3d, "--fvd-members", "first", "--out", scores).CombinedOutput(); err != nil {
		t.Fatalf("video_scores.py: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(scores)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Truth                string
		Cases, Members, Lead int
		FVD                  struct {
			FVD             float64
			RealVideos      int `json:"real_videos"`
			GeneratedVideos int `json:"generated_videos"`
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if r.Truth != forecast.TruthPath(fcPath) || r.Cases != cases || r.Members != members || r.Lead != lead {
		t.Errorf("read truth %s, %d cases, %d members, %d leads; want %s, %d, %d, %d", r.Truth, r.Cases, r.Members, r.Lead,
			forecast.TruthPath(fcPath), cases, members, lead)
	}
	if r.FVD.RealVideos != cases || r.FVD.GeneratedVideos != cases {
		t.Errorf("FVD of %d real and %d generated videos; want %d each", r.FVD.RealVideos, r.FVD.GeneratedVideos, cases)
	}
	if want := 9 * 0.2 * 0.2; math.Abs(r.FVD.FVD-want) > 1e-4 {
		t.Errorf("FVD %v; want %v (a shift of 0.2 in nine features, equal covariances)", r.FVD.FVD, want)
	}

	before, err := os.ReadFile(fcPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, "--forecast", fcPath, "--i3d", i3d, "--out", fcPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), "--out") {
		t.Errorf("--out over --forecast: %v, %q; want exit status 2 naming --out", err, stderr.String())
	}
	if after, _ := os.ReadFile(fcPath); !bytes.Equal(before, after) {
		t.Error("--out over --forecast changed the forecast")
	}
}
