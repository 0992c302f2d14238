// Package rolloutbench measures the rollout driver's overhead beyond its step calls, with the UNet step
// of internal/testref/unetstep, for `tidal bench rollout`.
package rolloutbench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/unetstep"
	"github.com/tidal-forecast/tidal/rollout"
)

// Options sizes the overhead measurement.
type Options struct {
	Step    unetstep.Config
	Frames  int    // frames per rollout
	Repeats int    // rollouts (and reference loops) timed; the medians are reported
	Dir     string // folder of the scratch folder of the output files (atomicfile.TempDir); "" for the system's
}

// Default is the size `tidal bench rollout` measures: 8 members of 32×32 frames, k = 2, a UNet of base
// width 16, 100 frames, 3 repeats.
var Default = Options{
	Step:   unetstep.Config{Members: 8, Channels: 1, Height: 32, Width: 32, History: 2, Width0: 16, Seed: 1, Noise: 0.05},
	Frames: 100, Repeats: 3,
}

// Report is what Measure found (medians over the repeats).
type Report struct {
	Reference time.Duration // the step called Frames times in a plain loop, nothing written
	Rollout   time.Duration // rollout.Run of Frames frames, file and final rename included
	InSteps   time.Duration // the part of Rollout spent inside the step
	Driver    time.Duration // the driver's own time per frame, with a step that costs nothing
}

// Ratio is Rollout over Reference: what the driver costs against the bare step calls, measured in the
// same run.
func (r Report) Ratio() float64 { return r.Rollout.Seconds() / r.Reference.Seconds() }

// Overhead is the driver's own time relative to its step calls, (Rollout − InSteps) / InSteps.
func (r Report) Overhead() float64 { return (r.Rollout - r.InSteps).Seconds() / r.InSteps.Seconds() }

// Measure builds the UNet step and times, alternately, the bare step loop and the rollout driver
// running the same step for the same frames, and prints a table to w.
func Measure(b compute.Backend, opt Options, w io.Writer) (Report, error) {
	if opt.Frames < 1 || opt.Repeats < 1 {
		return Report{}, fmt.Errorf("rolloutbench: --frames %d and --repeats %d must be ≥ 1", opt.Frames, opt.Repeats)
	}
	s, err := unetstep.New(b, opt.Step)
	if err != nil {
		return Report{}, err
	}
	defer s.Close()
	parent := opt.Dir
	if parent == "" {
		parent = os.TempDir()
	}
	dir, remove, err := atomicfile.TempDir(filepath.Join(parent, "tidal-bench-rollout"))
	if err != nil {
		return Report{}, err
	}
	defer remove()
	c := opt.Step
	n := c.Members * c.Channels * c.Height * c.Width
	init := make([]float32, c.History*n)
	cfg := rollout.Config{Frames: opt.Frames, Members: c.Members, FrameShape: s.FrameShape(), History: c.History, Initial: init}
	fmt.Fprintf(w, "machine: %s\n", benchenv.Describe())
	fmt.Fprintf(w, "rollout of %d frames, %d members × %v, k = %d, UNet base width %d, frame %.1f KiB\n",
		opt.Frames, c.Members, s.FrameShape(), c.History, c.Width0, float64(4*n)/1024)
	if _, err := bareLoop(s, init, c.History, n, 1); err != nil { // warm up
		return Report{}, err
	}
	var ref, roll, in []time.Duration
	for r := 0; r < opt.Repeats; r++ {
		d, err := bareLoop(s, init, c.History, n, opt.Frames)
		if err != nil {
			return Report{}, err
		}
		ref = append(ref, d)
		cfg.Path = filepath.Join(dir, fmt.Sprintf("r%d.npy", r))
		res, err := rollout.Run(context.Background(), cfg, s.Step)
		if err != nil {
			return Report{}, err
		}
		roll, in = append(roll, res.Elapsed), append(in, res.StepTime)
		fmt.Fprintf(w, "  repeat %d: bare loop %.1f ms, rollout %.1f ms (%.1f ms in the step)\n", r+1,
			float64(d.Microseconds())/1e3, float64(res.Elapsed.Microseconds())/1e3, float64(res.StepTime.Microseconds())/1e3)
		os.Remove(cfg.Path)
	}
	rep := Report{Reference: benchenv.Median(ref), Rollout: benchenv.Median(roll), InSteps: benchenv.Median(in)}
	fmt.Fprintf(w, "%-34s %10s %12s\n", "", "total", "per frame")
	row := func(name string, d time.Duration) {
		fmt.Fprintf(w, "%-34s %8.1f ms %9.3f ms\n", name, float64(d.Microseconds())/1e3, float64(d.Microseconds())/1e3/float64(opt.Frames))
	}
	row("step alone (bare loop, reference)", rep.Reference)
	row("rollout.Run", rep.Rollout)
	row("  of which inside the step", rep.InSteps)
	fmt.Fprintf(w, "rollout / bare loop: %.4f×; driver time beyond its step calls: %+.2f%% of them (medians of %d)\n",
		rep.Ratio(), 100*rep.Overhead(), opt.Repeats)
	cfg.Path = filepath.Join(dir, "driver.npy")
	if rep.Driver, err = driverAlone(cfg, 10*opt.Frames); err != nil {
		return rep, err
	}
	fmt.Fprintf(w, "driver alone (a step returning a stored frame, %d frames): %.1f µs a frame, %.0f MB/s to disk\n",
		10*opt.Frames, float64(rep.Driver.Nanoseconds())/1e3, float64(4*n)/rep.Driver.Seconds()/1e6)
	return rep, nil
}

// driverAlone is the time per frame of rollout.Run with a step that costs nothing: it returns the same
// stored frame every time.
func driverAlone(cfg rollout.Config, frames int) (time.Duration, error) {
	cfg.Frames = frames
	frame := make([]float32, cfg.Members*data.NumElements(cfg.FrameShape))
	res, err := rollout.Run(context.Background(), cfg, func(context.Context, [][]float32, int) ([]float32, error) { return frame, nil })
	if err != nil {
		return 0, err
	}
	return (res.Elapsed - res.StepTime) / time.Duration(frames), nil
}

// bareLoop calls the step for frames frames, keeping the last k in a slice and writing nothing.
func bareLoop(s *unetstep.Step, init []float32, k, n, frames int) (time.Duration, error) {
	hist := make([][]float32, k)
	for i := range hist {
		hist[i] = slices.Clone(init[i*n : (i+1)*n])
	}
	t0 := time.Now()
	for f := 0; f < frames; f++ {
		next, err := s.Step(context.Background(), hist, f)
		if err != nil {
			return 0, err
		}
		hist = append(hist[1:], next)
	}
	return time.Since(t0), nil
}
