package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/guard"
)

// Run directories are inputs (docs/HARDENING.md, rule 5): a command that reads a run (--run, --disc,
// --idm, --vdm) refuses any output inside it, by any name, and any output that is one of its files
// through a hard link.

// RunDirInput is the run directory given to --flag, as an input of the output checks.
func RunDirInput(flag, path string) *Input {
	if path == "" {
		return nil
	}
	return &Input{Flag: flag, Path: path, Dir: true}
}

// TrainOut is the run directory a training command writes (--run), checked before any work.
type TrainOut struct {
	Path string
	// fresh: the folder did not exist or was empty, so a run that fails before its first step removes
	// it again (removeSkeleton) rather than leaving a run that holds nothing.
	fresh, existed bool
}

// CheckTrainOut refuses a --run that is a file, an existing folder that is neither empty nor a tidal
// run (no options.json), and a folder that holds one of the inputs (or the --config file), by any name.
func CheckTrainOut(out string, inputs ...*Input) (*TrainOut, error) {
	if out == "" {
		return nil, fmt.Errorf("--run is required: the run directory")
	}
	t := &TrainOut{Path: out}
	st, err := os.Stat(out)
	switch {
	case os.IsNotExist(err):
		t.fresh = true
	case err != nil:
		return nil, fmt.Errorf("--run %s: %w", out, err)
	case !st.IsDir():
		return nil, fmt.Errorf("--run %s is a file; expected a run directory", out)
	default:
		entries, err := os.ReadDir(out)
		if err != nil {
			return nil, fmt.Errorf("--run %s: %w", out, err)
		}
		if _, err := os.Stat(filepath.Join(out, "options.json")); err != nil && len(entries) > 0 {
			return nil, fmt.Errorf("--run %s is a folder that is not a tidal run (no options.json) and is not empty: "+
				"refusing to train into it; give a new or empty folder, or an existing run to resume", out)
		}
		t.fresh, t.existed = len(entries) == 0, true
	}
	// The run's own config.yaml is the one input it may hold: rerunning a run from the file it recorded
	// resumes it, and training writes back the same resolved flags (docs/DYDIFF.md, docs/GUIDED.md).
	if c := config.Used(); c != "" && !sameFile(c, filepath.Join(out, "config.yaml")) {
		inputs = append(inputs, &Input{Flag: "config", Path: c})
	}
	for _, in := range inputs {
		if in != nil && !in.Dir && atomicfile.InDir(in.Path, out) {
			return nil, fmt.Errorf("--run %s holds the input %s: a run directory is written by training; keep the inputs outside it", out, in)
		}
	}
	return t, nil
}

// Existed says whether the run directory was there before the command (empty or not).
func (t *TrainOut) Existed() bool { return t != nil && t.existed }

// Guard removes, on SIGINT or SIGTERM, a fresh run directory that holds no step yet; call the returned
// function when the run ends, with its error: a failed fresh run without a step is removed too.
func (t *TrainOut) Guard() (done func(err error)) {
	if t == nil || !t.fresh {
		return func(error) {}
	}
	remove := atomicfile.OnSignal(t.removeSkeleton)
	return func(err error) {
		remove()
		if err != nil {
			t.removeSkeleton()
		}
	}
}

// removeSkeleton deletes the run directory when no checkpoint step was written into it (only its
// contents when the empty folder was there before).
func (t *TrainOut) removeSkeleton() {
	if steps, _ := filepath.Glob(filepath.Join(t.Path, "checkpoints", "step-*")); len(steps) > 0 {
		return
	}
	if !t.existed {
		_ = os.RemoveAll(t.Path)
		return
	}
	entries, _ := os.ReadDir(t.Path)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(t.Path, e.Name()))
	}
}

// CheckFolderOut refuses an output folder (report's --run) that lies inside a folder input (a run) or
// that holds one of the inputs, by any name: writing it would replace the run's files, or replacing the
// folder would delete the input.
func CheckFolderOut(flag, out string, inputs ...*Input) error {
	if c := config.Used(); c != "" {
		inputs = append(inputs, &Input{Flag: "config", Path: c})
	}
	for _, in := range inputs {
		if in == nil || in.Path == "" {
			continue
		}
		name := in.Path
		if in.Flag != "" {
			name = "--" + in.Flag + " " + in.Path
		}
		if atomicfile.InDir(in.Path, out) {
			return fmt.Errorf("--%s %s contains the input %s: the folder is replaced as a whole; choose another folder", flag, out, name)
		}
		if st, err := os.Stat(in.Path); err == nil && st.IsDir() && atomicfile.Inside(out, in.Path) {
			return fmt.Errorf("--%s %s is inside the input %s: refusing to write into an input; choose a folder outside it", flag, out, name)
		}
	}
	return nil
}

// CheckRunDirs refuses, before a run is loaded, a run directory (pairs of flag and path) holding a named
// pipe, a device or a socket where its files should be: the loaders read options.json, norm.json and the
// snapshots with plain reads, which a pipe would block forever. Missing runs are left to the loaders.
func CheckRunDirs(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		flag, dir := pairs[i], pairs[i+1]
		if st, err := os.Stat(dir); dir == "" || err != nil || !st.IsDir() {
			continue
		}
		seen := 0
		var bad error
		_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if seen++; err != nil || seen > 100000 || bad != nil {
				return filepath.SkipDir
			}
			st, err := os.Stat(p) // through symbolic links: what a loader would open
			if err == nil && !st.IsDir() && !st.Mode().IsRegular() {
				name := "--" + flag + " " + dir
				if flag == "" {
					name = "input " + dir
				}
				bad = fmt.Errorf("%s: %s is not a regular file (%s), expected the files of a run", name, p, guard.FileKind(st.Mode()))
			}
			return nil
		})
		if bad != nil {
			return bad
		}
	}
	return nil
}

// sameFile reports whether two paths name the same existing file (device and inode).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
