package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/rollout"
)

// TrackRollout looks after the working files of a rollout to path (rollout.PartialPath, ProgressPath,
// and path itself for forecast's working file, which is read back and deleted): when this run creates
// them (none was there before), they are removed if the run fails or SIGINT or SIGTERM ends it. With
// resumable (tidal rollout, whose interrupted runs resume), files that record at least one finished frame
// are kept as the documented resume state; without it (tidal forecast), they are always removed. Files
// that were there before belong to an earlier run and are left alone. Call done with the run's error; it
// returns that error, saying where the frames kept for resuming are.
func TrackRollout(path string, resumable, withPath bool) (done func(err error) error) {
	files := []string{rollout.PartialPath(path), rollout.ProgressPath(path)}
	if withPath {
		files = append(files, path)
	}
	for _, f := range files {
		if _, err := os.Lstat(f); err == nil {
			return func(err error) error { return err }
		}
	}
	remove := func() {
		if resumable && framesDone(rollout.ProgressPath(path)) > 0 {
			return
		}
		for _, f := range files {
			_ = os.Remove(f)
		}
	}
	unregister := atomicfile.OnSignal(remove)
	return func(err error) error {
		unregister()
		if err == nil {
			return nil
		}
		remove()
		if n := framesDone(rollout.ProgressPath(path)); resumable && n > 0 {
			return fmt.Errorf("%w (the %d finished frames are kept in %s; the same command resumes from them)", err, n, rollout.PartialPath(path))
		}
		return err
	}
}

// framesDone is the number of finished frames a rollout's progress marker records (0 when unreadable).
func framesDone(marker string) int {
	b, err := os.ReadFile(marker)
	if err != nil {
		return 0
	}
	var m struct {
		Done int `json:"frames_done"`
	}
	if json.Unmarshal(b, &m) != nil {
		return 0
	}
	return m.Done
}
