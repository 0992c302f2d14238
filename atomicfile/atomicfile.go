// Package atomicfile writes files so that readers never see a partial one: data goes to a temporary file
// in the destination's folder, and only a successful Commit renames it into place.
//
// Temporaries are named from the final name and the writer's process id (".NAME.tidal-tmp-PID"), so that
// a later run finds and removes those of dead processes (killed with -9, or lost with the machine).
// Every live temporary is registered, and CleanupOnSignals removes them all on SIGINT or SIGTERM. A Group
// writes several files all or none, and refuses an output that is one of the command's inputs, also
// through another name (docs/HARDENING.md).
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

// Create opens a temporary file beside path, first removing stale temporaries of path left by dead
// processes. The error names path when its folder is missing or not writable, or path is a folder.
func Create(path string) (*File, error) {
	if err := checkOutputPath(path); err != nil {
		return nil, err
	}
	removeStale(path)
	f, err := openTemp(path)
	if err != nil {
		return nil, fmt.Errorf("output %q is not writable: %w", path, err)
	}
	return &File{Writer: bufio.NewWriterSize(f, 1<<20), f: f, path: path}, nil
}

// checkOutputPath refuses a path whose folder does not exist or is not a folder, or that is a folder, a
// device, a pipe or a socket.
func checkOutputPath(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("output %q: folder %q does not exist", path, dir)
	} else if !st.IsDir() {
		return fmt.Errorf("output %q: %q is not a folder", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("output %q is a folder, expected a file path", path)
	} else if err == nil && !st.Mode().IsRegular() {
		// Renaming over a device (/dev/null), pipe or socket would replace it with a regular file.
		return fmt.Errorf("output %q is not a regular file (%s), expected a file path", path, st.Mode().Type())
	}
	return nil
}

// Path is the final path the file will have after Commit.
func (a *File) Path() string { return a.path }

// TempPath is the temporary path the data are written to until Commit.
func (a *File) TempPath() string { return a.f.Name() }

// Commit flushes, syncs and renames the temporary file to its final path.
func (a *File) Commit() error {
	if err := a.finish(); err != nil {
		return err
	}
	if err := renameTemp(a.f.Name(), a.path); err != nil {
		a.discard()
		return fmt.Errorf("output %q: %w", a.path, err)
	}
	return nil
}

// finish flushes and closes the temporary file, ready for the rename; on failure it is removed.
func (a *File) finish() error {
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
	if err != nil {
		a.discard()
		return fmt.Errorf("output %q: %w", a.path, err)
	}
	return nil
}

// discard removes the temporary file and forgets it.
func (a *File) discard() { removeTemp(a.f.Name()) }

// Abort removes the temporary file. It is safe to call after Commit (it then does nothing), so
// `defer f.Abort()` cleans up every early return.
func (a *File) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	a.discard()
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
