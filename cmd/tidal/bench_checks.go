package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tidal-forecast/tidal/internal/guard"
	"github.com/tidal-forecast/tidal/internal/rolloutbench"
	"github.com/tidal-forecast/tidal/internal/samplerbench"
	"github.com/tidal-forecast/tidal/internal/seriesbench"
)

// benchCase is one batch × size² × channels case of a network bench.
type benchCase struct{ batch, size, channels int }

// checkNetBench refuses bad flags of the convolution and train-step benches, naming the flag, and cases
// whose activations (bytesPerValue per batch·channels·size² value: inputs, outputs, gradients and
// im2col copies) exceed the memory budget.
func checkNetBench(bench string, batch int, sizes, channels []int, minTime time.Duration, bytesPerValue int64) error {
	if err := guard.First(
		guard.Int("batch", batch, 1, 4096), guard.Ints("sizes", sizes, 4, 4096), guard.Ints("channels", channels, 1, 4096),
	); err != nil {
		return err
	}
	if err := checkBenchTime(minTime); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	for _, s := range sizes {
		for _, c := range channels {
			need := guard.Product(int64(batch), int64(c), int64(s), int64(s), bytesPerValue)
			if err := b.CheckMemory(fmt.Sprintf("bench %s case %d×%d²×%d", bench, batch, s, c), need); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkGridBench refuses Navier–Stokes bench flags out of range and grids beyond the memory budget.
func checkGridBench(sizes []int, steps, repeats int) error {
	if err := guard.First(guard.Ints("sizes", sizes, 8, 8192), guard.Int("steps", steps, 0, 1<<24), guard.Int("repeats", repeats, 1, 1000)); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	for _, n := range sizes {
		if err := b.CheckMemory(fmt.Sprintf("bench navier-stokes on %d²", n), guard.Product(int64(n), int64(n), 256*2)); err != nil {
			return err
		}
	}
	return nil
}

// checkMetricsBench refuses bad sizes of the metrics bench and a case (members × leads × size², float32,
// with the truth and the sorted copies) beyond the memory budget.
func checkMetricsBench(cases, members, leads, size int) error {
	if err := guard.First(
		guard.Int("cases", cases, 1, maxCount), guard.Int("members", members, 1, 1<<16),
		guard.Int("leads", leads, 1, 1<<16), guard.Int("size", size, 1, 1<<15),
	); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	need := guard.Product(int64(members)+1, int64(leads), int64(size), int64(size), 4*4)
	return b.CheckMemory(fmt.Sprintf("bench metrics case of %d members × %d leads × %d²", members, leads, size), need)
}

// checkBenchTime refuses a --time outside (0, 1h].
func checkBenchTime(minTime time.Duration) error {
	if minTime <= 0 || minTime > time.Hour {
		return fmt.Errorf("--time %v: expected a duration in (0, 1h]", minTime)
	}
	return nil
}

// checkSamplerBench refuses bad flags of the sampler bench, naming the flag, and a case whose UNet
// activations (about 32 float32 values per batch·channels·size² value, as the network's forward pass
// holds them) exceed the memory budget.
func checkSamplerBench(samplers []string, batch, size, channels, steps int, minTime time.Duration) error {
	for _, s := range samplers {
		if s != samplerbench.DDIM && s != samplerbench.Heun {
			return fmt.Errorf("--samplers: unknown sampler %q, expected %s or %s", s, samplerbench.DDIM, samplerbench.Heun)
		}
	}
	if err := guard.First(
		guard.Int("batch", batch, 1, 4096), guard.Int("size", size, 4, 4096),
		guard.Int("channels", channels, 1, 4096), guard.Int("steps", steps, 1, 10000), checkBenchTime(minTime),
	); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	need := guard.Product(int64(batch), int64(channels), int64(size), int64(size), 4*32)
	return b.CheckMemory(fmt.Sprintf("bench sampler case %d×%d²×%d", batch, size, channels), need)
}

// checkRolloutBench refuses bad flags of the rollout bench, naming the flag, a UNet step beyond the
// memory budget (activations as in checkSamplerBench, plus the history ring), and output files beyond
// the disk budget of dir: one rollout's file at a time, and the driver-alone run of 10 × --frames.
func checkRolloutBench(o rolloutbench.Options) error {
	c := o.Step
	if err := guard.First(
		guard.Int("frames", o.Frames, 1, 1<<24), guard.Int("repeats", o.Repeats, 1, 1000),
		guard.Int("members", c.Members, 1, 4096), guard.Int("size", c.Height, 4, 4096),
		guard.Int("width", c.Width0, 1, 4096), guard.Int("history", c.History, 1, 64),
	); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	frame := guard.Product(int64(c.Members), int64(c.Channels), int64(c.Height), int64(c.Height), 4)
	need := guard.Sum(guard.Product(frame, int64(c.Width0), 32), guard.Product(frame, int64(c.History)+2))
	if err := b.CheckMemory(fmt.Sprintf("bench rollout step of %d members × %d², width %d", c.Members, c.Height, c.Width0), need); err != nil {
		return err
	}
	dir := o.Dir
	if dir == "" {
		dir = os.TempDir()
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--dir %s: expected an existing folder (%v)", dir, describeNotFolder(st, err))
	}
	return b.CheckDisk(fmt.Sprintf("bench rollout of %d frames", o.Frames), filepath.Join(dir, "rollout.npy"),
		guard.Product(10, int64(o.Frames), frame))
}

// checkSeriesBench refuses bad flags of the series-io bench, naming the flag, and a series whose text
// and copies (about 64 bytes per value: the text of one format, the values, the reader's and the bare
// parse's results) exceed the memory budget.
func checkSeriesBench(o seriesbench.Options) error {
	if err := guard.First(
		guard.Int("rows", o.T, 1, 1<<26), guard.Int("series", o.N, 1, 1<<20), guard.Int("repeats", o.Repeats, 1, 1000),
	); err != nil {
		return err
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	return b.CheckMemory(fmt.Sprintf("bench series-io of %d rows × %d series", o.T, o.N), guard.Product(int64(o.T), int64(o.N), 64))
}

// describeNotFolder says why a path given as a folder is not one.
func describeNotFolder(st os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return "found a " + st.Mode().Type().String() + " file"
}
