package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGroupRefusesInputsUnderAnyName(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	os.WriteFile(in, []byte("precious"), 0o644)
	link := filepath.Join(dir, "link.npy")
	hard := filepath.Join(dir, "hard.npy")
	os.Symlink(in, link)
	os.Link(in, hard)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	dotted := filepath.Join(dir, "sub", "..", "in.npy")
	for _, out := range []string{in, link, hard, dotted} {
		g := NewGroup()
		g.Input("--data", in)
		if _, err := g.Create("--out", out); err == nil || !strings.Contains(err.Error(), "--data") || !strings.Contains(err.Error(), "--out") {
			t.Errorf("output %s: error %v, expected a refusal naming --out and --data", out, err)
		}
		g.Abort()
	}
	if b, _ := os.ReadFile(in); string(b) != "precious" {
		t.Fatalf("input changed to %q", b)
	}
	g := NewGroup()
	g.Create("--out", filepath.Join(dir, "a.npy"))
	if _, err := g.Create("--truth-out", filepath.Join(dir, "sub", "..", "a.npy")); err == nil {
		t.Error("two outputs of the same file were allowed")
	}
	g.Abort()
	if len(Live()) != 0 {
		t.Errorf("temporaries left: %v", Live())
	}
}

func TestGroupCommitsAllOrNone(t *testing.T) {
	dir := t.TempDir()
	g := NewGroup()
	a, _ := g.Create("--out", filepath.Join(dir, "a"))
	b, _ := g.Create("--truth-out", filepath.Join(dir, "b"))
	a.WriteString("A")
	b.WriteString("B")
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]string{"a": "A", "b": "B"} {
		if got, _ := os.ReadFile(filepath.Join(dir, n)); string(got) != want {
			t.Errorf("%s holds %q, expected %q", n, got, want)
		}
	}

	// The second rename fails (its destination became a non-empty folder): the first output must go too.
	dir2 := t.TempDir()
	g = NewGroup()
	a, _ = g.Create("--out", filepath.Join(dir2, "a"))
	b, _ = g.Create("--truth-out", filepath.Join(dir2, "b"))
	os.MkdirAll(filepath.Join(dir2, "b", "full"), 0o755)
	if err := g.Commit(); err == nil {
		t.Fatal("commit over a non-empty folder succeeded")
	}
	entries, _ := os.ReadDir(dir2)
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Errorf("after a failed commit the folder holds %v, expected only the pre-existing folder b", entries)
	}
	if len(Live()) != 0 {
		t.Errorf("temporaries left registered: %v", Live())
	}
}
