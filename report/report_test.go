package report

import (
	"encoding/xml"
	"errors"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pageImages parses report.html as strict XML (it is written well-formed) and returns every img src.
func pageImages(t *testing.T, page []byte) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(page)))
	d.Strict = true
	var srcs []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return srcs
		}
		if err != nil {
			t.Fatalf("report.html is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "img" {
			for _, a := range se.Attr {
				if a.Name.Local == "src" {
					srcs = append(srcs, a.Value)
				}
			}
		}
	}
}

func TestWriteReportHoldsEveryPartAndNumber(t *testing.T) {
	dir := t.TempDir()
	in := fixture(t, dir)
	out := filepath.Join(dir, "rep")
	if err := Write(out, in); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	must(t, err)
	srcs := pageImages(t, page)
	// 1 training plot, crps, csi, ssr, rmse, 4 rollout plots, 1 animation.
	if len(srcs) != 10 {
		t.Errorf("%d images: %v", len(srcs), srcs)
	}
	files, _ := os.ReadDir(out)
	if len(files) != len(srcs)+1 {
		t.Errorf("%d files in the report folder for %d images", len(files), len(srcs))
	}
	for _, s := range srcs {
		b, err := os.ReadFile(filepath.Join(out, s))
		if err != nil {
			t.Errorf("image %s: %v", s, err)
			continue
		}
		switch filepath.Ext(s) {
		case ".png":
			if v := grayVariance(decodePNG(t, b)); v <= 0 {
				t.Errorf("%s is blank", s)
			}
		case ".gif":
			g, err := gif.DecodeAll(strings.NewReader(string(b)))
			if err != nil || len(g.Image) != fxLeads {
				t.Errorf("%s: %v, %d frames", s, err, len(g.Image))
			}
		}
	}
	html := string(page)
	// The numbers table holds the inputs' values, as the report formats them.
	for _, sc := range in.Scores {
		for _, m := range sc.Metrics {
			for _, v := range m.PerLead {
				if cell := "<td>" + FormatNumber(float64(v)) + "</td>"; !strings.Contains(html, cell) {
					t.Fatalf("%s %s: %s missing from the page", sc.Label, m.Name, cell)
				}
			}
		}
	}
	r := in.Rollouts[0]
	for _, want := range []string{FormatNumber(float64(r.W1PDFL1)), FormatNumber(float64(r.MeanBias)),
		"seed</td><td>42", "config.model</td><td>dydiff", "backend</td><td>go", "tidal report --out x",
		"<td>200</td>", // the run's last step
		"fixture &lt;report&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<report>") {
		t.Error("the title was not escaped")
	}
	// The model's noise grows faster with lead than persistence's error: the page says where it is worse.
	short := Shortfalls(in.Scores, []string{"persistence"})
	if len(short) == 0 {
		t.Fatal("the fixture's model is nowhere worse than persistence")
	}
	for _, s := range short {
		t.Log(s)
		if !strings.Contains(html, s.String()) {
			t.Errorf("page lacks the statement %q", s.String())
		}
	}
}
