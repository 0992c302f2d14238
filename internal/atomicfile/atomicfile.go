// Package atomicfile writes files so that readers never see a partial one: data goes to a temporary file
// in the destination's folder, and only a successful Commit renames it into place.
package atomicfile

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// File is a file being written under a temporary name. Write to it, then Commit or Abort.
type File struct {
	*bufio.Writer
	f    *os.File
	path string
	done bool
}

// Create opens a temporary file beside path. The error names path when its folder is not writable.
func Create(path string) (*File, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("output %q: folder %q does not exist", path, dir)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("output %q: %q is not a folder", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("output %q is a folder, expected a file path", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("output %q is not writable: %w", path, err)
	}
	return &File{Writer: bufio.NewWriterSize(f, 1<<20), f: f, path: path}, nil
}

// Path is the final path the file will have after Commit.
func (a *File) Path() string { return a.path }

// Commit flushes, syncs and renames the temporary file to its final path.
func (a *File) Commit() error {
	if a.done {
		return fmt.Errorf("output %q: already committed or aborted", a.path)
	}
	a.done = true
	err := a.Flush()
	if err == nil {
		err = a.f.Chmod(0o644)
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	if err != nil {
		_ = os.Remove(a.f.Name())
		return fmt.Errorf("output %q: %w", a.path, err)
	}
	return nil
}

// Abort removes the temporary file. It is safe to call after Commit (it then does nothing), so
// `defer f.Abort()` cleans up every early return.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	_ = os.Remove(a.f.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("output %q: %w", path, err)
	}
	return f.Commit()
}
