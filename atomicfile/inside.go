package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// maxDirFiles bounds the files of an input folder whose identities are recorded (a run directory holds
// a few dozen); past it only the folder's own identity and path protect it.
const maxDirFiles = 100000

// dirInput is a folder the command reads (a run directory): no output may land inside it, under any
// name, nor over any file in it through a hard link from outside.
type dirInput struct {
	named
	files []os.FileInfo
}

// InputDir records a folder the command reads (flag names it in errors, e.g. "--model"): every output
// is refused that lies inside it (by its resolved path, or because one of the output's folders is the
// same folder by device and inode: symbolic links, "..", bind mounts) or that is one of its files under
// another name (a hard link).
func (g *Group) InputDir(flag, dir string) {
	if dir == "" {
		return
	}
	d := dirInput{named: identify(flag, dir)}
	if d.info != nil && d.info.IsDir() {
		_ = filepath.WalkDir(d.canon, func(p string, e fs.DirEntry, err error) error {
			if err != nil || len(d.files) >= maxDirFiles {
				return filepath.SkipDir
			}
			if e.Type().IsRegular() {
				if info, err := e.Info(); err == nil {
					d.files = append(d.files, info)
				}
			}
			return nil
		})
	}
	g.dirs = append(g.dirs, d)
}

// reaches says why output o lands in d, or "" if it does not.
func (d dirInput) reaches(o named) string {
	if Inside(o.path, d.path) {
		return "inside"
	}
	if o.info != nil {
		for _, f := range d.files {
			if os.SameFile(o.info, f) {
				return "a file of"
			}
		}
	}
	return ""
}

// Inside reports whether path is dir or lies under it, whatever names either is given by: the resolved
// paths are compared, and every existing folder above path is compared with dir by device and inode.
func Inside(path, dir string) bool {
	d, p := identify("", dir), identify("", path)
	if d.info == nil || !d.info.IsDir() {
		return false
	}
	if p.info != nil && os.SameFile(p.info, d.info) {
		return true
	}
	if rel, err := filepath.Rel(d.canon, p.canon); err == nil && rel != ".." && !startsWithDotDot(rel) {
		return true
	}
	for q := filepath.Dir(p.canon); ; q = filepath.Dir(q) {
		if st, err := os.Stat(q); err == nil && os.SameFile(st, d.info) {
			return true
		}
		if q == filepath.Dir(q) {
			return false
		}
	}
}

func startsWithDotDot(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator) || rel == ".."
}

// refuseDirs is the error for an output o that lands in one of the group's input folders, or nil.
func (g *Group) refuseDirs(o named) error {
	for _, d := range g.dirs {
		if how := d.reaches(o); how != "" {
			return fmt.Errorf("%s %s is %s the run directory %s %s, an input of this command: refusing to write into an input; choose a path outside it",
				o.flag, o.path, how, d.flag, d.path)
		}
	}
	return nil
}

// InDir reports whether path lies inside dir (Inside) or is one of dir's files under another name (a
// hard link from outside it).
func InDir(path, dir string) bool {
	g := NewGroup()
	g.InputDir("", dir)
	return g.dirs[0].reaches(identify("", path)) != ""
}
