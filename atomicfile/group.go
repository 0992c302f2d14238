package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Group is the set of files one command writes, committed all or none, and the inputs they must not
// overwrite. Register inputs with Input, open outputs with Create, then Commit (or Abort, safe to defer).
type Group struct {
	inputs  []named
	dirs    []dirInput
	outputs []named
	files   []*File
	done    bool
}

// named is a path with the flag that gave it, its canonical form and, when it exists, its identity.
type named struct {
	flag, path, canon string
	info              os.FileInfo
}

// NewGroup starts an empty group.
func NewGroup() *Group { return &Group{} }

// Input records a file the command reads (flag names it in errors, e.g. "--data").
func (g *Group) Input(flag, path string) {
	if path != "" {
		g.inputs = append(g.inputs, identify(flag, path))
	}
}

// identify resolves path: its identity if it exists (device and inode, so hard links and symbolic links
// match), and its canonical absolute path (symbolic links in its folder resolved) otherwise.
func identify(flag, path string) named {
	n := named{flag: flag, path: path}
	n.info, _ = os.Stat(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		n.canon = r
	} else if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		n.canon = filepath.Join(d, filepath.Base(abs))
	} else {
		n.canon = abs
	}
	return n
}

// same reports whether two names reach the same file.
func same(a, b named) bool {
	if a.info != nil && b.info != nil {
		return os.SameFile(a.info, b.info)
	}
	return a.canon == b.canon
}

// Create opens an output of the group (flag names it in errors, e.g. "--out"). It refuses a path that
// reaches one of the inputs or an earlier output, whatever name it is given by.
func (g *Group) Create(flag, path string) (*File, error) {
	if g.done {
		return nil, fmt.Errorf("%s %s: the group of outputs is already committed or aborted", flag, path)
	}
	o := identify(flag, path)
	for _, in := range g.inputs {
		if same(o, in) {
			return nil, fmt.Errorf("%s %s is the input %s %s (the same file): refusing to overwrite an input; choose another output path",
				flag, path, in.flag, in.path)
		}
	}
	if err := g.refuseDirs(o); err != nil {
		return nil, err
	}
	for _, prev := range g.outputs {
		if same(o, prev) {
			return nil, fmt.Errorf("%s %s is the same file as %s %s: expected distinct outputs", flag, path, prev.flag, prev.path)
		}
	}
	f, err := Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	g.outputs = append(g.outputs, o)
	g.files = append(g.files, f)
	return f, nil
}

// Commit finishes every file and renames them into place. If any file fails, every temporary is removed
// and the outputs already renamed by this Commit are deleted, so the group leaves all its files or none.
func (g *Group) Commit() error {
	if g.done {
		return fmt.Errorf("outputs already committed or aborted")
	}
	for _, f := range g.files {
		if err := f.finish(); err != nil {
			g.Abort()
			return err
		}
	}
	g.done = true
	mu.Lock()
	defer mu.Unlock()
	for i, f := range g.files {
		if err := renameLocked(f.f.Name(), f.path); err != nil {
			for _, prev := range g.files[:i] {
				_ = os.Remove(prev.path)
			}
			for _, rest := range g.files[i:] {
				_ = os.Remove(rest.f.Name())
				delete(live, rest.f.Name())
			}
			return fmt.Errorf("output %q: %w; no output was kept", f.path, err)
		}
	}
	return nil
}

// Abort removes every temporary of the group. It is safe to call after Commit.
func (g *Group) Abort() {
	if g.done {
		return
	}
	g.done = true
	for _, f := range g.files {
		if !f.done {
			f.Abort()
		} else {
			f.discard()
		}
	}
}
