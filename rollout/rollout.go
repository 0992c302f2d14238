// Package rollout rolls a model forward in time: from the last k frames of an ensemble of M
// trajectories it asks a step function for the next frame (or window of frames), again and again, until
// N frames are made, and streams them to an NPY file as they come, so memory stays flat however long
// the run. An interrupted run resumes from the file it was writing and produces the same bytes as an
// uninterrupted one. The driver knows nothing of diffusion, samplers or guidance: they live inside the
// step function. The on-disk layout is described in docs/ROLLOUT.md.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/progress"
)

// Step makes the frames that follow history. history holds the last k frames, oldest first, each the
// M members' frames one after the other (M·F values for frames of F values); the step must not modify
// or keep them. frame is the index, counted from 0 among the frames of the rollout, of the first frame
// to make. The step returns Window frames laid out like history's, Window·M·F values in all; frames past
// the end of the rollout are discarded.
//
// Any randomness must be a function of frame (and of seeds the step holds), never of how many calls
// came before: a resumed rollout calls the step with the same history and frame as an uninterrupted
// one, and must get the same frames back.
type Step func(ctx context.Context, history [][]float32, frame int) ([]float32, error)

// Config describes a rollout.
type Config struct {
	// Path is the output NPY file, of shape [Frames, Members, FrameShape...] and dtype float32. It
	// appears only when every frame is made; until then the frames go to PartialPath(Path).
	Path string
	// Frames is the number N of frames to make (the initial frames are not written).
	Frames int
	// Members is the ensemble size M.
	Members int
	// FrameShape is the shape of one member's frame, e.g. [channels, height, width].
	FrameShape []int
	// History is the number k ≥ 1 of past frames the step sees.
	History int
	// Window is the number of frames each step call makes. Default 1.
	Window int
	// Initial holds the History frames that precede the rollout, oldest first, each laid out as a
	// step's history frame (History·M·F values). A resumed run must be given the same ones.
	Initial []float32
	// Identity describes everything else that determines the frames (model, weights, seeds, sampler
	// options). It is stored beside the partial file, and a run with another Identity refuses to resume
	// from it.
	Identity string
	// Progress receives a progress bar with ETA on a terminal, log lines otherwise; nil for none.
	Progress io.Writer
	// SyncEvery is the longest time between checkpoints, at which the frames written so far are synced
	// to disk and the progress marker records them: the work a crash can lose. Default 5 s.
	SyncEvery time.Duration
}

// maxFileBytes bounds the output file.
const maxFileBytes = 1 << 50

// maxHistoryBytes bounds the frames held in memory (History + Window frames of the ensemble).
const maxHistoryBytes = 16 << 30

// Result reports a finished rollout.
type Result struct {
	// Resumed is the number of frames found already made in the partial file (0 for a fresh start).
	Resumed int
	// Made is the number of frames this run made.
	Made int
	// Elapsed is this run's wall time, from the call of Run to its return (after the final rename).
	Elapsed time.Duration
	// StepTime is the part of Elapsed spent inside the step function.
	StepTime time.Duration
}

// Overhead is the driver's time beyond its step calls, relative to them: (Elapsed − StepTime) / StepTime.
func (r Result) Overhead() float64 {
	return (r.Elapsed - r.StepTime).Seconds() / r.StepTime.Seconds()
}

// frameLen is the number of values in one frame of the ensemble (M·F).
func (c Config) frameLen() int { return c.Members * data.NumElements(c.FrameShape) }

// shape is the output file's shape.
func (c Config) shape() []int { return append([]int{c.Frames, c.Members}, c.FrameShape...) }

// withDefaults checks c and fills its defaults; the error names the field and what was wrong.
func (c Config) withDefaults() (Config, error) {
	if c.Window == 0 {
		c.Window = 1
	}
	if c.SyncEvery == 0 {
		c.SyncEvery = 5 * time.Second
	}
	switch {
	case c.Path == "":
		return c, errors.New("rollout: Path is empty, expected the output .npy file")
	case c.Frames < 1:
		return c, fmt.Errorf("rollout: Frames must be ≥ 1, got %d", c.Frames)
	case c.Members < 1:
		return c, fmt.Errorf("rollout: Members must be ≥ 1, got %d", c.Members)
	case c.History < 1:
		return c, fmt.Errorf("rollout: History (k) must be ≥ 1, got %d", c.History)
	case c.Window < 1:
		return c, fmt.Errorf("rollout: Window must be ≥ 1, got %d", c.Window)
	case len(c.FrameShape) == 0:
		return c, errors.New("rollout: FrameShape is empty, expected the shape of one member's frame")
	}
	n := int64(c.Members)
	for _, d := range c.FrameShape {
		if d < 1 {
			return c, fmt.Errorf("rollout: FrameShape %v has a dimension < 1", c.FrameShape)
		}
		if n *= int64(d); n > maxHistoryBytes {
			break
		}
	}
	if held := n * 4 * int64(c.History+c.Window); n > maxHistoryBytes || held > maxHistoryBytes {
		return c, fmt.Errorf("rollout: %d history and %d window frames of %d members × %v hold more than the %d GiB allowed",
			c.History, c.Window, c.Members, c.FrameShape, maxHistoryBytes>>30)
	}
	if total := n * 4 * int64(c.Frames); total/int64(c.Frames) != n*4 || total > maxFileBytes {
		return c, fmt.Errorf("rollout: %d frames of %d members × %v make a file of more than the %d TiB allowed",
			c.Frames, c.Members, c.FrameShape, maxFileBytes>>40)
	}
	if want := c.History * c.frameLen(); len(c.Initial) != want {
		return c, fmt.Errorf("rollout: Initial holds %d values, expected History·Members·frame = %d·%d·%d = %d",
			len(c.Initial), c.History, c.Members, data.NumElements(c.FrameShape), want)
	}
	if i := firstNonFinite(c.Initial); i >= 0 {
		return c, fmt.Errorf("rollout: Initial frame %d holds %v at index %d", i/c.frameLen(), c.Initial[i], i%c.frameLen())
	}
	return c, nil
}

// Run makes cfg.Frames frames with step, resuming from PartialPath(cfg.Path) when an earlier run with
// the same configuration was interrupted. On any error (the step's, a panic inside it, a non-finite
// value it produced, a cancelled ctx, a failed write) it checkpoints the frames made before it, so that
// running again resumes from there, and returns an error that names the frame. The Result is filled in
// either way.
func Run(ctx context.Context, cfg Config, step Step) (res Result, err error) {
	t0 := time.Now()
	defer func() { res.Elapsed = time.Since(t0) }()
	c, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	if _, err := os.Stat(c.Path); err == nil {
		return Result{}, fmt.Errorf("rollout: output %s already exists; remove it or choose another path", c.Path)
	}
	f, err := openPartial(c)
	if err != nil {
		return Result{}, err
	}
	defer f.close()
	h, err := f.history(c)
	if err != nil {
		return Result{}, err
	}
	res.Resumed = f.done
	bar := progress.New(c.Progress, progress.Lines, c.Frames, f.done, "rollout "+c.Path, "frames")
	lastSync := time.Now()
	for f.done < c.Frames {
		if err := ctx.Err(); err != nil {
			return res, f.stop(c, fmt.Errorf("rollout: stopped before frame %d: %w", f.done, err))
		}
		ts := time.Now()
		out, err := callStep(ctx, step, h.frames(), f.done)
		res.StepTime += time.Since(ts)
		if err != nil {
			return res, f.stop(c, fmt.Errorf("rollout: step making frame %d: %w", f.done, err))
		}
		keep, err := c.check(out, f.done)
		if err != nil {
			return res, f.stop(c, err)
		}
		if err := f.write(out[:keep*c.frameLen()]); err != nil {
			return res, f.stop(c, err)
		}
		h.push(out, c.Window, c.frameLen())
		f.done += keep
		res.Made += keep
		bar.Set(f.done)
		if time.Since(lastSync) >= c.SyncEvery && f.done < c.Frames {
			if err := f.checkpoint(c); err != nil {
				return res, err
			}
			lastSync = time.Now()
		}
	}
	bar.Finish()
	return res, f.commit(c)
}

// callStep calls step, returning a panic inside it (GoMLX reports shape errors that way) as an error, so
// that the rollout still checkpoints the frames made before it.
func callStep(ctx context.Context, step Step, history [][]float32, frame int) (out []float32, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return step(ctx, history, frame)
}

// check validates a step's output for frame and returns how many of its frames the rollout keeps.
func (c Config) check(out []float32, frame int) (int, error) {
	fl := c.frameLen()
	if want := c.Window * fl; len(out) != want {
		return 0, fmt.Errorf("rollout: step making frame %d returned %d values, expected Window·Members·frame = %d·%d·%d = %d",
			frame, len(out), c.Window, c.Members, data.NumElements(c.FrameShape), want)
	}
	keep := min(c.Window, c.Frames-frame)
	if i := firstNonFinite(out[:keep*fl]); i >= 0 {
		fi, m := frame+i/fl, i%fl/data.NumElements(c.FrameShape)
		return 0, fmt.Errorf("rollout: step produced %v in frame %d, member %d (value %d of the member's frame); the %d frames before it are kept in %s and a new run resumes from there",
			out[i], fi, m, i%data.NumElements(c.FrameShape), frame, PartialPath(c.Path))
	}
	return keep, nil
}

// firstNonFinite is the index of the first NaN or infinity in v, or −1.
func firstNonFinite(v []float32) int {
	for i, x := range v {
		// x−x is 0 for finite x and NaN for NaN and ±Inf.
		if x-x != 0 {
			return i
		}
	}
	return -1
}
