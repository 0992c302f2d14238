package report

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// A forecast whose value encodes its indices: f = 1000·case + 100·member + 10·lead + channel + cell/100.
func indexed(cases, m, leads, c, h, w int) ([]float64, []float64) {
	var f, t []float64
	for a := range cases {
		for k := range m {
			for l := range leads {
				for ch := range c {
					for i := range h * w {
						f = append(f, float64(1000*a+100*k+10*l+ch)+float64(i)/100)
					}
				}
			}
		}
	}
	for a := range cases {
		for l := range leads {
			for ch := range c {
				for i := range h * w {
					t = append(t, -float64(1000*a+10*l+ch)-float64(i)/100)
				}
			}
		}
	}
	return f, t
}

func TestPanelsOfCutsCaseChannelAndSpread(t *testing.T) {
	f, tr := indexed(2, 4, 3, 2, 2, 3)
	p, err := PanelsOf(f, []int{2, 4, 3, 2, 2, 3}, tr, []int{2, 3, 2, 2, 3}, ForecastOptions{Case: 1, Channel: 1, Members: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Truth) != 3 || len(p.Members) != 2 || len(p.Spread) != 3 || p.H != 2 || p.W != 3 {
		t.Fatalf("panels %d leads, %d members, %d spreads, %d×%d", len(p.Truth), len(p.Members), len(p.Spread), p.H, p.W)
	}
	if got, want := p.Truth[2][4], -(1000.0 + 20 + 1 + 0.04); math.Abs(got-want) > 1e-9 {
		t.Errorf("truth lead 2 cell 4 = %g, want %g", got, want)
	}
	if got, want := p.Members[1][2][5], 1000.0+100+20+1+0.05; math.Abs(got-want) > 1e-9 {
		t.Errorf("member 1 lead 2 cell 5 = %g, want %g", got, want)
	}
	// Members differ by 0, 100, 200, 300: unbiased sd = 100·sd(0,1,2,3) = 100·√(5/3).
	if got, want := p.Spread[0][0], 100*math.Sqrt(5.0/3); math.Abs(got-want) > 1e-9 {
		t.Errorf("spread %g, want %g", got, want)
	}
}

func TestPanelsOfRefusesBadInputs(t *testing.T) {
	f, tr := indexed(1, 2, 2, 1, 2, 2)
	fs, ts := []int{1, 2, 2, 1, 2, 2}, []int{1, 2, 1, 2, 2}
	if _, err := PanelsOf(f, fs[:5], tr, ts, ForecastOptions{}); err == nil {
		t.Error("rank-5 forecast accepted")
	}
	if _, err := PanelsOf(f, fs, tr, []int{1, 3, 1, 2, 2}, ForecastOptions{}); err == nil {
		t.Error("mismatched truth accepted")
	}
	if _, err := PanelsOf(f, fs, tr, ts, ForecastOptions{Channel: 1}); err == nil {
		t.Error("channel out of range accepted")
	}
	if _, err := PanelsOf(f[1:], fs, tr, ts, ForecastOptions{}); err == nil {
		t.Error("a short value slice accepted")
	}
	if _, err := PanelsOf(nil, []int{1, 0, 2, 1, 2, 2}, tr, ts, ForecastOptions{}); err == nil {
		t.Error("an ensemble of 0 members accepted")
	}
	f[3] = math.NaN()
	if _, err := PanelsOf(f, fs, tr, ts, ForecastOptions{}); err == nil {
		t.Error("NaN forecast accepted")
	}
}

func TestReadForecastNamesFiles(t *testing.T) {
	dir := t.TempDir()
	f, tr := indexed(1, 1, 2, 1, 2, 2)
	fp, tp := filepath.Join(dir, "f.npy"), filepath.Join(dir, "t.npy")
	if err := data.WriteNPY(fp, data.FromFloat64(f, 1, 1, 2, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(tp, data.FromFloat64(tr, 1, 2, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	fc, err := ReadForecast("m", fp, tp, ForecastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fc.Panels.Spread != nil || len(fc.Panels.Members) != 1 {
		t.Errorf("one member: spread %v, %d members shown", fc.Panels.Spread, len(fc.Panels.Members))
	}
	if _, err := ReadForecast("m", tp, fp, ForecastOptions{}); err == nil || !contains(err.Error(), tp) {
		t.Errorf("swapped files: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
