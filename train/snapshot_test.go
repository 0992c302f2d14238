package train

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/dataset"
)

// The snapshot holds the EMA weights (not the training weights), the normalisation and the config, and
// a network built on its store reproduces the validation loss the run logged for that step.
func TestSnapshot(t *testing.T) {
	o := tinyOptions(8)
	o.ValEvery = 8
	dir := t.TempDir()
	job := tinyJob(t, dir, o)
	if _, err := Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	snap, err := LatestSnapshot(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	var cfg bytes.Buffer
	json.Compact(&cfg, snap.Config)
	if snap.Step != 8 || cfg.String() != `{"net":"tiny"}` || len(snap.Norm.Mean) != 1 || snap.Norm.Mean[0] != job.Norm.Mean[0] {
		t.Fatalf("snapshot: step %d config %s norm %+v", snap.Step, snap.Config, snap.Norm)
	}
	if n, err := dataset.LoadNorm(filepath.Join(dir, normFile), 1); err != nil || n.Std[0] != job.Norm.Std[0] {
		t.Fatalf("norm.json: %+v, %v", n, err)
	}
	_, ck := finalTensors(t, dir)
	for v := range snap.Store.IterVariables() {
		var got []byte
		v.MustValue().ConstBytes(func(b []byte) { got = append(got, b...) })
		if !bytes.Equal(got, ck[emaPrefix+v.Path()]) {
			t.Fatalf("snapshot %s is not the EMA weight", v.Path())
		}
		if bytes.Equal(got, ck[v.Path()]) {
			t.Fatalf("snapshot %s equals the training weight", v.Path())
		}
	}
	val, err := validate(job, snap.Store)
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := ReadStats(dir)
	if last := stats[len(stats)-1]; last.ValLoss == nil || *last.ValLoss != val {
		t.Fatalf("validation of the snapshot %v, logged %v", val, last.ValLoss)
	}
}
