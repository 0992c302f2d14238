package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On resume the stats lines after the checkpoint's step, and a torn last line, are dropped.
func TestTruncateStats(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, statsFile)
	os.WriteFile(p, []byte(`{"step":2,"loss":1}`+"\n"+`{"step":4,"loss":0.5}`+"\n"+`{"step":6,"loss":0.25}`+"\n"+`{"step":8,"lo`), 0o644)
	if err := truncateStats(dir, 4); err != nil {
		t.Fatal(err)
	}
	st, err := ReadStats(dir)
	if err != nil || len(st) != 2 || st[1].Step != 4 || st[1].Loss != 0.5 {
		t.Fatalf("after truncation: %+v, %v", st, err)
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), `"step":6`) || strings.Contains(string(b), `"lo`+"\n") {
		t.Fatalf("file still holds later lines:\n%s", b)
	}
}

func TestJSONDiff(t *testing.T) {
	d, err := jsonDiff([]byte(`{"options":{"lr":0.1,"steps":5},"config":{"net":{"ch":32}}}`),
		[]byte(`{"options":{"lr":0.2,"steps":5,"new":true},"config":{"net":{"ch":64}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config.net.ch: 32 → 64", "options.lr: 0.1 → 0.2", "options.new: (absent) → true"}
	if strings.Join(d, "|") != strings.Join(want, "|") {
		t.Fatalf("diff %q, want %q", d, want)
	}
	if d, _ := jsonDiff([]byte(`{"a":[1,2]}`), []byte(`{"a":[1,2]}`)); len(d) != 0 {
		t.Fatalf("equal documents differ: %v", d)
	}
}

// Other data (other normalisation statistics) on an existing run is refused like other options.
func TestOtherDataRefused(t *testing.T) {
	dir := t.TempDir()
	job := tinyJob(t, dir, tinyOptions(2))
	if _, err := Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	job.Norm.Std = []float64{job.Norm.Std[0] * 2}
	if _, err := Run(context.Background(), job); err == nil || !strings.Contains(err.Error(), "norm.std") {
		t.Fatalf("other normalisation: %v", err)
	}
}
