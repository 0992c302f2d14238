package cli_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/rollout"
)

// TestTrackRollout: a failed run's new working files are removed, unless resumable and recording a
// finished frame (then the error says where they are); files of an earlier run are never touched.
func TestTrackRollout(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "roll.npy")
	write := func(frames string) {
		t.Helper()
		if err := os.WriteFile(rollout.PartialPath(out), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(rollout.ProgressPath(out), []byte(`{"frames_done":`+frames+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := cli.TrackRollout(out, false, false)
	write("3")
	if err := done(errors.New("boom")); err == nil || err.Error() != "boom" {
		t.Errorf("not resumable: %v", err)
	}
	if _, err := os.Stat(rollout.PartialPath(out)); !os.IsNotExist(err) {
		t.Error("a forecast's working file was kept")
	}
	done = cli.TrackRollout(out, true, false)
	write("3")
	if err := done(errors.New("boom")); err == nil || !strings.Contains(err.Error(), "3 finished frames are kept") {
		t.Errorf("resumable: %v", err)
	}
	if _, err := os.Stat(rollout.PartialPath(out)); err != nil {
		t.Error("the resume state was removed")
	}
	done = cli.TrackRollout(out, false, false) // files of an earlier run: left alone
	if err := done(errors.New("boom")); err == nil {
		t.Error("the error was lost")
	}
	if _, err := os.Stat(rollout.PartialPath(out)); err != nil {
		t.Error("an earlier run's files were removed")
	}
}
