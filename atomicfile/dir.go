package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir is a folder being written under a temporary name beside its final path: write into Tmp, then
// Commit renames the whole folder into place, or Abort removes it, so a failure leaves nothing behind.
type Dir struct {
	tmp, path string
	done      bool
}

// CreateDir makes the temporary folder beside path. The error names path when its parent is missing or
// path is a file.
func CreateDir(path string) (*Dir, error) {
	parent := filepath.Dir(path)
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("output %q: folder %q does not exist", path, parent)
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("output %q is a file, expected a folder", path)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("output %q is not writable: %w", path, err)
	}
	return &Dir{tmp: tmp, path: path}, nil
}

// Tmp is the folder to write into.
func (d *Dir) Tmp() string { return d.tmp }

// Commit syncs the files in Tmp and renames it to the final path. A final path that already exists must
// be an empty folder, or one that replaceable accepts (it returns an error saying why not); the old
// folder is then moved aside, the new one renamed in, and the old one removed.
func (d *Dir) Commit(replaceable func(existing string) error) error {
	if d.done {
		return fmt.Errorf("output %q: already committed or aborted", d.path)
	}
	d.done = true
	if err := syncFiles(d.tmp); err != nil {
		d.abort()
		return fmt.Errorf("output %q: %w", d.path, err)
	}
	entries, err := os.ReadDir(d.path)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		d.abort()
		return fmt.Errorf("output %q: %w", d.path, err)
	case len(entries) == 0:
		if err := os.Remove(d.path); err != nil {
			d.abort()
			return fmt.Errorf("output %q: %w", d.path, err)
		}
	default:
		if err := replaceable(d.path); err != nil {
			d.abort()
			return fmt.Errorf("output %q exists and is not replaced: %w", d.path, err)
		}
		old := d.tmp + ".old"
		if err := os.Rename(d.path, old); err != nil {
			d.abort()
			return fmt.Errorf("output %q: %w", d.path, err)
		}
		if err := os.Rename(d.tmp, d.path); err != nil {
			_ = os.Rename(old, d.path)
			d.abort()
			return fmt.Errorf("output %q: %w", d.path, err)
		}
		return os.RemoveAll(old)
	}
	if err := os.Rename(d.tmp, d.path); err != nil {
		d.abort()
		return fmt.Errorf("output %q: %w", d.path, err)
	}
	return nil
}

// Abort removes the temporary folder; after Commit it does nothing, so `defer d.Abort()` is safe.
func (d *Dir) Abort() {
	if !d.done {
		d.done = true
		d.abort()
	}
}

func (d *Dir) abort() { _ = os.RemoveAll(d.tmp) }

// syncFiles flushes every file directly in dir to disk.
func syncFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
