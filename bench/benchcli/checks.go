package benchcli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tidal-forecast/tidal/bench/rolloutbench"
	"github.com/tidal-forecast/tidal/bench/samplerbench"
	"github.com/tidal-forecast/tidal/bench/seriesbench"
	"github.com/tidal-forecast/tidal/bench/seriesnetbench"
	"github.com/tidal-forecast/tidal/bench/trainbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/guard"
)

// benchCase is one batch × size² × channels case of a network bench.
type benchCase struct{ batch, size, channels int }

// checkNetBench refuses bad flags of the convolution and train-step benches, naming the flag, and cases
// whose activations (bytesPerValue per batch·channels·size² value: inputs, outputs, gradients and
// im2col copies) exceed the memory budget.
func checkNetBench(bench string, batch int, sizes, channels []int, minTime time.Duration, bytesPerValue int64) error {
	if err := guard.First(
		guard.Int("batch", batch, 1, 4096), guard.Ints("sizes", sizes, 4, 4096), guard.Ints("widths", channels, 1, 4096),
	); err != nil {
		return err
	}
	if err := checkBenchTime(minTime); err != nil {
		return err
	}
	b, err := cli.Budget()
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
	if err := guard.First(guard.Ints("sizes", sizes, 8, 8192), guard.Int("solver-steps", steps, 0, 1<<24), guard.Int("repeats", repeats, 1, 1000)); err != nil {
		return err
	}
	b, err := cli.Budget()
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
		guard.Int("cases", cases, 1, cli.MaxCount), guard.Int("members", members, 1, 1<<16),
		guard.Int("leads", leads, 1, 1<<16), guard.Int("size", size, 1, 1<<15),
	); err != nil {
		return err
	}
	b, err := cli.Budget()
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
		if s != samplerbench.DDIM && s != samplerbench.DyDiffHeun && s != samplerbench.DPMSolver && s != samplerbench.Heun {
			return fmt.Errorf("--samplers: unknown sampler %q, expected %s, %s, %s or %s", s, samplerbench.DDIM, samplerbench.DyDiffHeun, samplerbench.DPMSolver, samplerbench.Heun)
		}
	}
	if err := guard.First(
		guard.Int("batch", batch, 1, 4096), guard.Int("size", size, 4, 4096),
		guard.Int("channels", channels, 1, 4096), guard.Int("sampler-steps", steps, 1, 10000), checkBenchTime(minTime),
	); err != nil {
		return err
	}
	b, err := cli.Budget()
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
		guard.Int("channels", c.Width0, 1, 4096), guard.Int("history", c.History, 1, 64),
	); err != nil {
		return err
	}
	b, err := cli.Budget()
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
		guard.Int("rows", o.T, 1, 1<<26), guard.Int("columns", o.N, 1, 1<<20), guard.Int("repeats", o.Repeats, 1, 1000),
	); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	return b.CheckMemory(fmt.Sprintf("bench series-io of %d rows × %d series", o.T, o.N), guard.Product(int64(o.T), int64(o.N), 64))
}

// netStepBytes is the memory of a UNet training step per batch·channels·size² value (activations,
// gradients and im2col copies), as bench train-step estimates it.
const netStepBytes = 4 * 200

// checkVideoBench refuses bad flags of the video-step bench, naming the flag, and cases whose
// activations (three times those of a train-step UNet on batch·frames images, as measured with the
// temporal layers: 1.2 GB peak for the --quick case) exceed the memory budget.
func checkVideoBench(batch, frames int, sizes, channels []int, minTime time.Duration) error {
	if err := guard.Int("frames", frames, 4, 1024); err != nil { // at least one context frame
		return err
	}
	return checkNetBench(fmt.Sprintf("video-step (%d frames)", frames), batch, sizes, channels, minTime, guard.Product(int64(frames), 3*netStepBytes))
}

// unetParams is the benchmark UNet's (netbench.Config) parameter count per squared base channel: 1.42
// million at 32 channels.
const unetParams = 1400

// checkTrainLoopBench refuses bad flags of the train-loop bench, naming the flag, a case whose two
// compiled steps (the bare one and the loop's, each with a train-step UNet's activations on 3-channel
// windows), parameters (about unetParams·channels², with gradients and AdamW state in both steps) and
// waves set (read, normalised and windowed) exceed the memory budget, and a waves set beyond the disk
// of the system's temporary folder, where the bench writes it.
func checkTrainLoopBench(o trainbench.Options) error {
	if err := guard.First(
		guard.Int("batch", o.Batch, 1, 4096), guard.Int("size", o.Size, 8, 4096), guard.Int("channels", o.Channels, 1, 4096),
		guard.Int("steps", o.Steps, 1, 1<<20), guard.Int("rounds", o.Rounds, 1, 1000),
		guard.Int("log-every", o.LogEvery, 1, 1<<20), guard.Int("checkpoint-every", o.CheckpointEvery, 1, 1<<24),
	); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	set := guard.Product(trainbench.Frames, int64(o.Size), int64(o.Size), 4)
	need := guard.Sum(guard.Product(2, int64(o.Batch), int64(o.Channels), int64(o.Size), int64(o.Size), netStepBytes),
		guard.Product(unetParams, int64(o.Channels), int64(o.Channels), 4*4*2), guard.Product(set, 4))
	what := fmt.Sprintf("bench train-loop case %d×%d²×%d", o.Batch, o.Size, o.Channels)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	return b.CheckDisk(what, filepath.Join(os.TempDir(), trainbench.ScratchName), set)
}

// seriesTokenBytes is the memory of a series-net training step per (window, step, series) token: the
// default network's 32 channels in float32, about 100 copies across its blocks' activations, gradients
// and AdamW state.
const seriesTokenBytes = 32 * 4 * 100

// checkSeriesNetBench refuses bad flags of the series-net bench, naming the flag, sizes beyond the
// bench's token limit and sizes whose tokens exceed the memory budget.
func checkSeriesNetBench(o seriesnetbench.Options) error {
	if len(o.Series) == 0 {
		return fmt.Errorf("--series: expected at least one number of series")
	}
	if err := guard.First(
		guard.Int("batch", o.Batch, 1, 4096), guard.Int("window-length", o.Steps, 2, 1<<16), guard.Ints("series", o.Series, 1, 1<<20),
		guard.Int("repeats", o.Repeats, 1, 1000), checkThreads(nil, o.Config.Branches),
	); err != nil {
		return err
	}
	if err := guard.Int("context", o.Context, 1, o.Steps-1); err != nil {
		return fmt.Errorf("%w (observed steps of the --window-length %d)", err, o.Steps)
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	for _, n := range o.Series {
		tokens := guard.Product(int64(o.Batch), int64(o.Steps), int64(n))
		if o.MaxTokens > 0 && tokens > int64(o.MaxTokens) {
			return fmt.Errorf("--series %d: %d windows × %d steps × %d series are %d tokens, beyond the bench's %d", n, o.Batch, o.Steps, n, tokens, o.MaxTokens)
		}
		what := fmt.Sprintf("bench series-net of %d windows × %d steps × %d series", o.Batch, o.Steps, n)
		if err := b.CheckMemory(what, guard.Product(tokens, seriesTokenBytes)); err != nil {
			return err
		}
	}
	return nil
}

// describeNotFolder says why a path given as a folder is not one.
func describeNotFolder(st os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return "found a " + st.Mode().Type().String() + " file"
}
