package trainrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/train"
)

// A latent run prepared from the options trains DyDiff on the VAE's latent frames (the data's channels
// and grid mapped to the latent channels on the halved grid), links the run to its VAE and caches the
// encoding of --data, which a second preparation reuses; a run folder inside the VAE's is refused.
func TestPrepareLatent(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeFields(t, dir, 20)
	vae := filepath.Join(dir, "vae")
	vr, err := PrepareVAE(tinyVAEOptions(path, vae))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = vr.Trainer.Run(context.Background())
	vr.Close()
	if err != nil {
		t.Fatal(err)
	}
	var banner strings.Builder
	o := tinyOptions(dir, path)
	o.Latent, o.Stderr = vae, &banner
	r, err := Prepare(o)
	if err != nil {
		t.Fatal(err)
	}
	rc := r.Job.Config.(dymodel.RecordedConfig)
	if fmt.Sprint(rc.Frame) != "[2 4 4]" || !strings.Contains(banner.String(), "encoded 20 frames") {
		t.Errorf("latent frame %v, summary %q: want [2 4 4], 20 frames encoded", rc.Frame, banner.String())
	}
	for _, f := range []string{latent.LinkFile, latent.CacheFile} {
		if _, err := os.Stat(filepath.Join(o.Run, f)); err != nil {
			t.Errorf("the run has no %s: %v", f, err)
		}
	}
	res, err := train.Run(context.Background(), r.Job)
	r.Close()
	if err != nil || res.Step != 2 {
		t.Fatalf("trained to step %d (%v): want 2", res.Step, err)
	}
	banner.Reset()
	o.Steps = 3
	if r, err = Prepare(o); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if !strings.Contains(banner.String(), "the run's cached encoding of 20 frames") {
		t.Errorf("resumed: %q, want the cached encoding", banner.String())
	}
	o.Run = filepath.Join(vae, "dydiff")
	if _, err := Prepare(o); err == nil || !strings.Contains(err.Error(), "must be separate folders") {
		t.Errorf("a run inside the VAE's: %v", err)
	}
}
