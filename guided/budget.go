package guided

import (
	"fmt"

	"github.com/tidal-forecast/tidal/guard"
)

// TrainActivationBytes is a rough upper estimate of a training step's activations per field point, for
// a network of base width channels with levels resolution levels of blocks residual blocks: batch rows
// × width × levels × (blocks + 1) × 4 bytes × 24 (the tensors a block saves, forward and backward).
func TrainActivationBytes(batch, channels, levels, blocks int) int64 {
	return guard.Product(int64(batch), int64(channels), int64(levels), int64(blocks+1), 4*24)
}

// TrainingBytes is the memory NewTrainer needs for a series of the given shape [frames, channels,
// height, width] stored in storedBytes: the file's values while read, the series as float64 while
// converted and as float32 (the 3 × 4 bytes per value), and activations bytes per field point
// (TrainActivationBytes, or a network's own estimate) over height × width.
func TrainingBytes(shape []int, storedBytes, activations int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n = guard.Product(n, int64(d))
	}
	hw := guard.Product(int64(shape[len(shape)-2]), int64(shape[len(shape)-1]))
	return guard.Sum(storedBytes, guard.Product(n, 4, 3), guard.Product(activations, hw))
}

// SampleBytes is the memory a Generator of the model c needs to sample rows frames at once beyond its
// weights: the sampler's activations (a rough 64 float32 values per base channel and field point per
// row, NetWidth) and eight frames' worth of state per row (the Heun stages, the conditioning frames,
// the output).
func (c ModelConfig) SampleBytes(rows int64) int64 {
	frame := guard.Product(int64(c.Channels), int64(c.Height), int64(c.Width))
	act := guard.Product(rows, int64(c.Height), int64(c.Width), int64(c.NetWidth()), 64*4)
	return guard.Sum(act, guard.Product(rows, frame, 4*8))
}

// CheckTrainingShape refuses a training series [frames, channels, height, width] (named name in the
// errors) with fewer than Context + 2 frames, the fewest that hold a discriminator's positive and
// negative, and a crop [h, w] larger than its fields (named by `tidal train`'s --crop).
func CheckTrainingShape(name string, shape, crop []int) error {
	if len(shape) != 4 {
		return fmt.Errorf("%s: shape %v: expected [frames, channels, height, width]", name, shape)
	}
	if shape[0] < Context+2 {
		return fmt.Errorf("%s: %d frames: expected at least %d", name, shape[0], Context+2)
	}
	if len(crop) == 2 && (crop[0] > shape[2] || crop[1] > shape[3]) {
		return fmt.Errorf("--crop %d,%d: expected at most the field's %d×%d of %s", crop[0], crop[1], shape[2], shape[3], name)
	}
	return nil
}
