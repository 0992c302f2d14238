package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDirCommitAbortAndReplace(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "rep")
	d, err := CreateDir(out)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(d.Tmp(), "a.txt"), "one")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("final folder exists before Commit")
	}
	if err := d.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(out, "a.txt")) != "one" {
		t.Fatal("committed file differs")
	}
	// A second write is refused unless replaceable accepts the old folder.
	d, _ = CreateDir(out)
	write(t, filepath.Join(d.Tmp(), "a.txt"), "two")
	if err := d.Commit(func(string) error { return errors.New("not mine") }); err == nil {
		t.Fatal("an existing folder was replaced against replaceable's refusal")
	}
	if read(t, filepath.Join(out, "a.txt")) != "one" {
		t.Fatal("a refused commit changed the old folder")
	}
	d, _ = CreateDir(out)
	write(t, filepath.Join(d.Tmp(), "a.txt"), "three")
	if err := d.Commit(func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if read(t, filepath.Join(out, "a.txt")) != "three" {
		t.Fatal("replace did not take")
	}
	// Abort leaves nothing; nothing of the temporary folders remains beside the output.
	d, _ = CreateDir(filepath.Join(root, "other"))
	write(t, filepath.Join(d.Tmp(), "x"), "x")
	d.Abort()
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 || entries[0].Name() != "rep" {
		t.Errorf("left in the parent: %v", entries)
	}
}

func TestCreateDirRefusesFileAndMissingParent(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "f"), "")
	if _, err := CreateDir(filepath.Join(root, "f")); err == nil {
		t.Error("a file was accepted as the output folder")
	}
	if _, err := CreateDir(filepath.Join(root, "no", "such")); err == nil {
		t.Error("a missing parent was accepted")
	}
}
