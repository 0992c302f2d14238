package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGroupRefusesOutputsInsideAnInputFolder(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	os.MkdirAll(filepath.Join(run, "snapshots"), 0o755)
	os.WriteFile(filepath.Join(run, "options.json"), []byte("{}"), 0o644)
	os.Symlink(run, filepath.Join(dir, "link"))
	os.Link(filepath.Join(run, "options.json"), filepath.Join(dir, "hard.json"))
	os.Mkdir(filepath.Join(dir, "other"), 0o755)
	for _, out := range []string{
		filepath.Join(run, "options.json"), filepath.Join(run, "new.npy"), filepath.Join(run, "snapshots", "x"),
		filepath.Join(dir, "other", "..", "run", "x.npy"), filepath.Join(dir, "link", "x.npy"), filepath.Join(dir, "hard.json"),
		filepath.Join(run, "missing", "x.npy"),
	} {
		g := NewGroup()
		g.InputDir("--model", filepath.Join(dir, "link"))
		if _, err := g.Create("--out", out); err == nil || !strings.Contains(err.Error(), "--model") || !strings.Contains(err.Error(), "--out") {
			t.Errorf("output %s: error %v, expected a refusal naming --out and --model", out, err)
		}
		g.Abort()
	}
	g := NewGroup()
	g.InputDir("--model", run)
	f, err := g.Create("--out", filepath.Join(dir, "other", "f.npy"))
	if err != nil {
		t.Fatalf("an output outside the run was refused: %v", err)
	}
	f.Write([]byte("x"))
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	if !InDir(filepath.Join(dir, "hard.json"), run) || InDir(filepath.Join(dir, "other", "f.npy"), run) {
		t.Error("InDir: wrong answer for a hard link into the run or a file outside it")
	}
}
