package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The acceptance check of the report: open report.html in headless Chromium (Debian's package), take a
// screenshot and check from it that every image renders, pixel for pixel, and that a deliberately broken
// image on the same page is told apart. `make report-check` installs chromium and runs this test with
// TIDAL_REQUIRE_CHROMIUM=1; without chromium the test is skipped, saying so. TIDAL_REPORT_SHOTS=DIR keeps
// the screenshot and the report there for a look.

// probeScript writes, once every image has loaded or failed, each image's page rectangle inside its border
// and its natural
// width into a <pre id="probe"> element that --dump-dom prints.
const probeScript = `<script>
window.addEventListener("load", function () {
  var out = {height: document.documentElement.scrollHeight, images: [], best: "", firstScreenBottom: 0};
  var best = document.getElementById("best-model");
  if (best) { out.best = best.textContent; }
  var key = document.querySelector("p.key") || document.getElementById("headline");
  if (key) { out.firstScreenBottom = Math.round(key.getBoundingClientRect().bottom + scrollY); }
  document.querySelectorAll("img").forEach(function (im) {
    var r = im.getBoundingClientRect();
    out.images.push({src: im.getAttribute("src"), x: Math.round(r.left + scrollX + im.clientLeft),
      y: Math.round(r.top + scrollY + im.clientTop), w: im.clientWidth, h: im.clientHeight, natural: im.naturalWidth});
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`

type probe struct {
	Height int `json:"height"`
	// Best is the model the headline names as rendered; FirstScreenBottom the page position of the bottom
	// of the scorecard's colour key (else of the headline).
	Best              string `json:"best"`
	FirstScreenBottom int    `json:"firstScreenBottom"`
	Images            []struct {
		Src        string
		X, Y, W, H int
		Natural    int
	} `json:"images"`
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{os.Getenv("TIDAL_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TIDAL_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium is not installed and TIDAL_REQUIRE_CHROMIUM=1: run `make report-check`, which installs Debian's chromium")
	}
	t.Skip("chromium is not installed: `make report-check` installs Debian's chromium and opens the report in it")
	return ""
}

// runChromium runs headless chromium with args on page and returns its standard output.
func runChromium(t *testing.T, bin, profile string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--disable-dev-shm-usage", "--force-device-scale-factor=1", "--user-data-dir=" + profile}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

func TestReportRendersInChromium(t *testing.T) {
	bin := chromiumPath(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "rep")
	if given := os.Getenv("TIDAL_REPORT_DIR"); given != "" { // an existing report, e.g. tidal demo's (make demo-check)
		must(t, os.CopyFS(out, os.DirFS(given)))
	} else {
		must(t, Write(out, fixture(t, dir)))
	}
	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	must(t, err)
	srcs := pageImages(t, page)
	// The probe page is the report plus a broken image the size of the first plot, named after it.
	first := srcs[0]
	broken := fmt.Sprintf(`<figure><img src="missing-%s" alt="broken" width="640" height="400" /></figure>`, first)
	probePage := strings.Replace(string(page), "</body>", broken+probeScript+"</body>", 1)
	probeFile := filepath.Join(out, "probe.html")
	must(t, os.WriteFile(probeFile, []byte(probePage), 0o644))
	const width, screen = 1400, 900 // a laptop's first screen
	dom := runChromium(t, bin, filepath.Join(dir, "profile"), "--virtual-time-budget=10000",
		fmt.Sprintf("--window-size=%d,1000", width), "--dump-dom", "file://"+probeFile)
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe script did not run; chromium printed %d bytes", len(dom))
	}
	var pr probe
	must(t, json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&quot;", `"`)), &pr))
	if len(pr.Images) != len(srcs)+1 {
		t.Fatalf("chromium saw %d images, the page has %d plus the broken one", len(pr.Images), len(srcs))
	}
	checkHeadline(t, page, pr.Best)
	t.Logf("the headline and the scorecard end at %d px of the first screen's %d", pr.FirstScreenBottom, screen)
	if pr.FirstScreenBottom == 0 || pr.FirstScreenBottom > screen {
		t.Errorf("the headline and the scorecard end at %d px, below the first screen of %d px", pr.FirstScreenBottom, screen)
	}
	firstShot := filepath.Join(dir, "first.png")
	runChromium(t, bin, filepath.Join(dir, "profile"), "--virtual-time-budget=10000",
		fmt.Sprintf("--window-size=%d,%d", width, screen), "--screenshot="+firstShot, "file://"+filepath.Join(out, HTMLFile))
	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, filepath.Join(dir, "profile"), "--virtual-time-budget=10000",
		fmt.Sprintf("--window-size=%d,%d", width, pr.Height), "--screenshot="+shot, "file://"+probeFile)
	b, err := os.ReadFile(shot)
	must(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	must(t, err)
	if keep := os.Getenv("TIDAL_REPORT_SHOTS"); keep != "" {
		must(t, os.RemoveAll(filepath.Join(keep, "report")))
		must(t, os.MkdirAll(keep, 0o755))
		must(t, os.WriteFile(filepath.Join(keep, "report-screenshot.png"), b, 0o644))
		fb, err := os.ReadFile(firstShot)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(keep, "report-first-screen.png"), fb, 0o644))
		must(t, os.CopyFS(filepath.Join(keep, "report"), os.DirFS(out)))
	}
	if v := grayVariance(img); v < 100 {
		t.Errorf("the screenshot's pixel variance is %.1f: blank page", v)
	}
	for _, im := range pr.Images {
		region := image.Rect(im.X, im.Y, im.X+im.W, im.Y+im.H)
		if !region.In(img.Bounds()) {
			t.Errorf("%s: region %v outside the screenshot %v", im.Src, region, img.Bounds())
			continue
		}
		crop := img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(region)
		isBroken := strings.HasPrefix(im.Src, "missing-")
		name := strings.TrimPrefix(im.Src, "missing-")
		want, err := os.ReadFile(filepath.Join(out, name))
		must(t, err)
		diff := renderedDiff(t, crop, name, want)
		colours := saturated(crop)
		t.Logf("%-32s natural width %4d, region %v: mean |screenshot − file| %.2f, saturated pixels %d", im.Src, im.Natural, region, diff, colours)
		if isBroken {
			// The detector must fail on a broken image, or it proves nothing.
			if im.Natural != 0 || diff < 20 {
				t.Errorf("broken image not told apart: natural width %d, difference %.2f", im.Natural, diff)
			}
			continue
		}
		if im.Natural == 0 {
			t.Errorf("%s did not load (natural width 0)", im.Src)
		}
		if diff > 3 {
			t.Errorf("%s: the screenshot differs from the file by %.2f per channel on average", im.Src, diff)
		}
		if v := grayVariance(crop); v < 50 || colours < 100 {
			t.Errorf("%s renders blank or colourless: variance %.1f, %d saturated pixels", im.Src, v, colours)
		}
	}
}

// checkHeadline recomputes the best model from the score files the page lists in its provenance (the
// lowest mean over leads of the per-lead CRPS among the scores not labelled persistence or climatology)
// and checks that the headline, as the browser shows it, names it.
func checkHeadline(t *testing.T, page []byte, shown string) {
	t.Helper()
	srcs := regexp.MustCompile(`<h3>score (.+?) <small>\((.+?)\)</small></h3>`).FindAllSubmatch(page, -1)
	best, bestMean := "", math.Inf(1)
	for _, m := range srcs {
		label, file := html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))
		if l := strings.ToLower(label); l == "persistence" || l == "climatology" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("score %s of the page: %v", file, err)
		}
		var js struct {
			Metrics []struct {
				Name    string     `json:"name"`
				PerLead []*float64 `json:"per_lead"`
			} `json:"metrics"`
		}
		must(t, json.Unmarshal(b, &js))
		for _, mt := range js.Metrics {
			if mt.Name != "crps" || len(mt.PerLead) == 0 {
				continue
			}
			var s float64
			for _, v := range mt.PerLead {
				if v == nil {
					s = math.NaN()
					break
				}
				s += *v
			}
			if mean := s / float64(len(mt.PerLead)); mean < bestMean {
				best, bestMean = label, mean
			}
		}
	}
	t.Logf("headline names %q; recomputed from %d score files: %q (mean CRPS %.4g)", shown, len(srcs), best, bestMean)
	if best != "" && shown != best {
		t.Errorf("the headline names %q, but the lowest mean CRPS is %s's (%.4g)", shown, best, bestMean)
	}
	if best == "" && shown != "" {
		t.Errorf("the headline names %q, but no model's CRPS is in the score files", shown)
	}
}

// renderedDiff is the mean absolute channel difference between the screenshot region and the image file
// (for a GIF, its closest frame), both at the same size.
func renderedDiff(t *testing.T, crop image.Image, name string, file []byte) float64 {
	var frames []image.Image
	if strings.HasSuffix(name, ".gif") {
		g, err := gif.DecodeAll(bytes.NewReader(file))
		must(t, err)
		for _, f := range g.Image {
			frames = append(frames, f)
		}
	} else {
		frames = append(frames, decodePNG(t, file))
	}
	best := 1e9
	for _, f := range frames {
		if f.Bounds().Dx() != crop.Bounds().Dx() || f.Bounds().Dy() != crop.Bounds().Dy() {
			return 255
		}
		var s, n float64
		cb, fb := crop.Bounds(), f.Bounds()
		for y := 0; y < cb.Dy(); y++ {
			for x := 0; x < cb.Dx(); x++ {
				a := color.NRGBAModel.Convert(crop.At(cb.Min.X+x, cb.Min.Y+y)).(color.NRGBA)
				b := color.NRGBAModel.Convert(f.At(fb.Min.X+x, fb.Min.Y+y)).(color.NRGBA)
				s += float64(absDiff(a.R, b.R) + absDiff(a.G, b.G) + absDiff(a.B, b.B))
				n += 3
			}
		}
		best = min(best, s/n)
	}
	return best
}

// saturated counts pixels whose channels spread by more than 60: plot lines and colour-mapped fields.
func saturated(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			hi, lo := max(p.R, p.G, p.B), min(p.R, p.G, p.B)
			if int(hi)-int(lo) > 60 {
				n++
			}
		}
	}
	return n
}
