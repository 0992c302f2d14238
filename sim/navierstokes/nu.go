package navierstokes

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/progress"
)

// SetNu reads a hyperviscosity ν given as text: a number, or "auto" (any case) for NuAuto, the ν that
// keeps the paper's damping at the dealiasing cutoff (AutoNu). Its error quotes s.
func (p *Params) SetNu(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		p.NuAuto = true
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf(`%q: expected a number ≥ 0 or "auto"`, s)
	}
	p.Nu, p.NuAuto = v, false
	return nil
}

// Generate writes the dataset of o to out (WriteDataset) with a progress bar on log (nil: none), then
// prints the files written and the last frame's time, energy and enstrophy to w.
func Generate(o DatasetOptions, out string, log, w io.Writer) (Summary, error) {
	bar := progress.New(log, progress.BarOnly, o.TotalSteps(), 0, fmt.Sprintf("navier-stokes %d²", o.N), "steps")
	start := time.Now()
	sum, err := WriteDataset(o, out, func(done, total int) { bar.Set(done) })
	bar.Finish()
	if err != nil {
		return sum, err
	}
	for _, p := range sum.Parts {
		fmt.Fprintf(w, "wrote %s (%d frames) and %s\n", p.NPY, p.Count, p.JSON)
	}
	fmt.Fprintf(w, "%d steps in %.1f s; last frame t = %.2f, energy %.4g, enstrophy %.4g\n",
		sum.Steps, time.Since(start).Seconds(), sum.Time, sum.Energy, sum.Enstrophy)
	return sum, nil
}
