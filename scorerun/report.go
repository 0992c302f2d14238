package scorerun

import (
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/report"
)

// Report is `tidal report`: it checks the options, that the folder --out neither equals nor holds an
// input and that no input is a run directory holding a pipe, a device or a socket where its files
// should be (cli.CheckRunDirs), then builds the report (report.Build) and
// returns the path of its page; errors name the flag or the file.
func Report(o report.BuildOptions) (string, error) {
	if err := o.Check(); err != nil {
		return "", err
	}
	ins := []*cli.Input{{Flag: "truth", Path: o.Truth}}
	for _, p := range o.Paths {
		ins = append(ins, &cli.Input{Path: p})
	}
	if err := cli.CheckFolderOut("out", o.Out, ins...); err != nil {
		return "", err
	}
	for _, p := range o.Paths {
		if err := cli.CheckRunDirs("", p); err != nil {
			return "", err
		}
	}
	return report.Build(o)
}
