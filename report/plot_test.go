package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	return img
}

// countColor counts the pixels within tol (per channel) of c.
func countColor(img image.Image, c color.NRGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if absDiff(p.R, c.R) <= tol && absDiff(p.G, c.G) <= tol && absDiff(p.B, c.B) <= tol {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// grayVariance is the variance of the pixels' mean channel value.
func grayVariance(img image.Image) float64 {
	var s, s2, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			v := (float64(p.R) + float64(p.G) + float64(p.B)) / 3
			s, s2, n = s+v, s2+v*v, n+1
		}
	}
	m := s / n
	return s2/n - m*m
}

func TestLinePlotDrawsEveryLine(t *testing.T) {
	one := 1.0
	lp := LinePlot{Title: "CRPS", XLabel: "lead", YLabel: "CRPS", Width: 400, Height: 300, HLine: &one,
		Series: []Series{
			{Label: "model", X: []float64{1, 2, 3, 4}, Y: []float64{0.1, 0.5, math.NaN(), 1.2}, Color: Palette[0]},
			{Label: "persistence", X: []float64{1, 2, 3, 4}, Y: []float64{0.3, 0.6, 0.9, 1.5}, Color: Palette[1], Dashed: true},
		}}
	b, err := lp.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b)
	if img.Bounds().Dx() != 400 || img.Bounds().Dy() != 300 {
		t.Fatalf("size %v, want 400×300", img.Bounds())
	}
	if v := grayVariance(img); v <= 0 {
		t.Errorf("pixel variance %g: blank plot", v)
	}
	for i := range 2 {
		if n := countColor(img, Palette[i], 8); n < 30 {
			t.Errorf("line colour %v: %d pixels, want ≥ 30", Palette[i], n)
		}
	}
	if n := countColor(img, Palette[2], 8); n != 0 {
		t.Errorf("unused colour %v appears in %d pixels", Palette[2], n)
	}
}

func TestLinePlotRefusesEmptyAndBadSize(t *testing.T) {
	if _, err := (LinePlot{Title: "x", Series: []Series{{Label: "a", X: []float64{1}, Y: []float64{math.NaN()}}}}).PNG(); err == nil {
		t.Error("a plot without finite points was drawn")
	}
	if _, err := (LinePlot{Title: "x", Width: 50000, Height: 10}).PNG(); err == nil {
		t.Error("a 50000-pixel plot was accepted")
	}
	lp := LinePlot{Title: "log", LogY: true, Series: []Series{{Label: "a", X: []float64{1, 2, 3}, Y: []float64{-1, 10, 100}, Color: Palette[3]}}}
	b, err := lp.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if n := countColor(decodePNG(t, b), Palette[3], 8); n < 30 {
		t.Errorf("log plot line: %d pixels", n)
	}
}

func TestDecadeTicksLabelsExactPowersSparsely(t *testing.T) {
	ticks := (decadeTicks{}).Ticks(3e-15, 20)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if len(ticks) != 16 || len(labels) > 7 || labels[len(labels)-1] != "10" && labels[len(labels)-1] != "1" {
		t.Fatalf("%d ticks, labels %v", len(ticks), labels)
	}
	for _, l := range labels {
		if strings.Contains(l, "999") {
			t.Errorf("inexact label %q", l)
		}
	}
	if got := (decadeTicks{}).Ticks(0.5, 200); len(got) != 3 || got[0].Label != "1" || got[2].Label != "100" {
		t.Errorf("ticks of 0.5..200: %+v", got)
	}
	// A loss from 0.3 to 0.9 spans half a decade: every mantissa is labelled, not one tick or none.
	var narrow []string
	for _, tk := range (decadeTicks{}).Ticks(0.3, 0.9) {
		narrow = append(narrow, tk.Label)
	}
	if strings.Join(narrow, " ") != "0.3 0.4 0.5 0.6 0.7 0.8 0.9" {
		t.Errorf("labels of 0.3..0.9: %q", narrow)
	}
	// 0.85 to 1.8 holds only the mantissas 0.9 and 1: evenly spaced labels instead, at least three.
	n := 0
	for _, tk := range (decadeTicks{}).Ticks(0.85, 1.8) {
		if tk.Label != "" {
			n++
		}
	}
	if n < 3 {
		t.Errorf("%d labels on 0.85..1.8", n)
	}
	// 0.05 to 3 (1.8 decades): 1-2-5 labelled, the other mantissas marked without a label.
	var mid []string
	for _, tk := range (decadeTicks{}).Ticks(0.05, 3) {
		if tk.Label != "" {
			mid = append(mid, tk.Label)
		}
	}
	if strings.Join(mid, " ") != "0.05 0.1 0.2 0.5 1 2" {
		t.Errorf("labels of 0.05..3: %q", mid)
	}
}

// A plot of a single point (a run that logged one step) renders, on a linear and on a log axis, instead
// of hanging in the ticker on an empty range.
func TestLinePlotOfOnePointRenders(t *testing.T) {
	for _, logY := range []bool{false, true} {
		done := make(chan error, 1)
		go func() {
			_, err := LinePlot{Title: "loss", Width: 300, Height: 200, LogY: logY,
				Series: []Series{{Label: "train", X: []float64{10}, Y: []float64{0.69}, Color: Palette[0]}}}.PNG()
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("log %v: %v", logY, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("log %v: a one-point plot did not render within 10 s", logY)
		}
	}
}

// Intervals are drawn as error bars in the line's colour: the plot with them holds more pixels of that
// colour than the same plot without, and a NaN or inverted interval is left out rather than refused.
func TestLinePlotDrawsIntervalsAsErrorBars(t *testing.T) {
	s := Series{Label: "model", X: []float64{1, 2, 3, 4}, Y: []float64{0.2, 0.3, 0.4, 0.5}, Color: Palette[1]}
	plain, err := LinePlot{Title: "crps", Series: []Series{s}}.PNG()
	must(t, err)
	s.Lo, s.Hi = []float64{0.1, 0.2, math.NaN(), 0.6}, []float64{0.3, 0.4, 0.5, 0.7}
	bars, err := LinePlot{Title: "crps", Series: []Series{s}}.PNG()
	must(t, err)
	a, b := countColor(decodePNG(t, plain), Palette[1], 8), countColor(decodePNG(t, bars), Palette[1], 8)
	if b < a+40 {
		t.Errorf("%d pixels of the line's colour with intervals, %d without: no error bars drawn", b, a)
	}
}
