package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
)

// TestTrainAnyChannels checks that the four field-training commands take a base width that the
// default 32 group-norm groups do not divide (each group norm uses the largest divisor of its
// channels up to --groups), by two-step runs of --channels 16 and 6 on a tiny series, and that a
// width below 4 is refused with an error naming --channels. Each command runs in a child process, as
// a user runs it (in-process runs of one command would carry --mults over: see resetFlags).
func TestTrainAnyChannels(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "s.npy")
	if err := data.WriteNPY(series, smoothSeries(12, 1, 8)); err != nil {
		t.Fatal(err)
	}
	commands := map[string]string{
		"dydiff":        "train dydiff --context 2 --predict 2 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2",
		"idm":           "train idm --steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --val-fraction 0.4",
		"vdm":           "train vdm --steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --val-fraction 0.4",
		"discriminator": "train discriminator --steps 2 --batch 2 --head-width 4 --log-every 1 --checkpoint-every 2 --val-fraction 0.4",
	}
	child := func(args string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := tidalChild(ctx, dir, strings.Fields(args)...).CombinedOutput()
		return string(out), err
	}
	for _, name := range []string{"dydiff", "idm", "vdm", "discriminator"} {
		base := commands[name] + " --mults 1,2 --blocks 1 --data " + series + " --out " + filepath.Join(dir, name)
		for _, ch := range []string{"16", "6"} {
			args := base + ch + " --channels " + ch
			if out, err := child(args); err != nil {
				t.Errorf("tidal %s: %v\n%s", args, err, out)
			} else if _, err := os.Stat(filepath.Join(dir, name+ch, "config.yaml")); err != nil {
				t.Errorf("tidal %s: %v\n%s", args, err, out)
			}
		}
		if out, err := child(base + "3 --channels 3"); err == nil || !strings.Contains(out, "--channels") {
			t.Errorf("%s --channels 3: error %v, want one naming --channels:\n%s", name, err, out)
		}
	}
}
