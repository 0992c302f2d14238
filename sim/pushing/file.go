package pushing

import (
	"fmt"
	"math"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// MaxFileBytes bounds what WriteFile generates, whatever the memory: 64 GiB of frames.
const MaxFileBytes = 64 << 30

// CheckFile refuses, before anything is allocated, a data set file that `tidal data pushing` cannot
// write: an out path that is not FILE.npz, options out of range (named by the flags that set them:
// --videos, --frames, --size, --objects, --pusher-radius, --max-step) and a data set beyond
// MaxFileBytes or the budget b (the values, and the archive's buffers, in memory; the values on disk).
func CheckFile(o Options, out string, b guard.Budget) error {
	if out == "" {
		return fmt.Errorf("--out FILE.npz is required")
	}
	if !strings.HasSuffix(out, ".npz") {
		return fmt.Errorf("--out %s: expected a FILE.npz (frames and actions)", out)
	}
	if err := guard.First(
		guard.Int("videos", o.Videos, 1, math.MaxInt32), guard.Int("frames", o.Frames, 2, math.MaxInt32),
		guard.Int("size", o.Size, 4, 1024), guard.Int("objects", o.Objects, 0, MaxObjects),
		guard.Between("pusher-radius", o.PusherRadius, 0, 0.25), guard.Between("max-step", o.MaxStep, 0, 0.5),
	); err != nil {
		return err
	}
	switch {
	case !(o.PusherRadius > 0 && o.PusherRadius < 0.25):
		return fmt.Errorf("--pusher-radius %v: expected a radius in (0, 0.25) table units", o.PusherRadius)
	case !(o.MaxStep > 0 && o.MaxStep < 0.5):
		return fmt.Errorf("--max-step %v: expected a step in (0, 0.5) table units", o.MaxStep)
	}
	need, err := Bytes(o)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("--videos %d × --frames %d of --size %d² RGB", o.Videos, o.Frames, o.Size)
	if need > MaxFileBytes {
		return fmt.Errorf("%s: %d bytes, more than the %d GiB a pushing data set may take; lower --videos, --frames or --size", what, need, MaxFileBytes>>30)
	}
	if err := b.CheckMemory(what, guard.Product(need, 2)); err != nil {
		return err
	}
	return b.CheckDisk(what, out, need)
}

// WriteFile generates the videos of o (Generate) and writes them to the NPZ archive out in the layout of
// the BAIR robot-pushing data (docs/VIDEO.md): "frames" [videos, frames, size, size, 3] and "actions"
// [videos, frames − 1, 2], compressed, under a temporary name renamed when complete. The caller checks
// the options first (CheckFile).
func WriteFile(o Options, out string) (*Videos, error) {
	v, err := Generate(o)
	if err != nil {
		return nil, err
	}
	arrays := map[string]*data.Array{"frames": data.FromFloat32(v.Frames, v.Shape...), "actions": data.FromFloat32(v.Actions, v.ActionShape...)}
	if err := data.WriteNPZ(out, arrays, true); err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	return v, nil
}
