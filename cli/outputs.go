package cli

import (
	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/internal/config"
)

// File is an input path as the command line named it: the flag and the path, and whether it is a run
// directory, inside which no output may land.
type File struct {
	Flag, Path string
	Dir        bool
}

// Guard starts a group of outputs (atomicfile.Group) that must not overwrite any of inputs, nor the
// --config file the run was given.
func Guard(inputs ...File) *atomicfile.Group {
	g := atomicfile.NewGroup()
	for _, in := range inputs {
		switch {
		case in.Path == "":
		case in.Dir:
			g.InputDir("--"+in.Flag, in.Path)
		default:
			g.Input("--"+in.Flag, in.Path)
		}
	}
	if path := config.Used(); path != "" {
		g.Input("--config", path)
	}
	return g
}

// CheckOutputs refuses, before any work, an output (a flag name and its path; an empty path is skipped)
// that names one of the inputs or another output — the check the group makes when it writes —, so that a
// long run does not end in that refusal.
func CheckOutputs(inputs []File, outs ...[2]string) error {
	g := Guard(inputs...)
	defer g.Abort()
	for _, o := range outs {
		if o[1] != "" {
			if _, err := g.Create("--"+o[0], o[1]); err != nil {
				return err
			}
		}
	}
	return nil
}
