package main

import (
	"fmt"
	"time"

	"github.com/tidal-forecast/tidal/internal/guard"
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
	if minTime <= 0 || minTime > time.Hour {
		return fmt.Errorf("--time %v: expected a duration in (0, 1h]", minTime)
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
