// Package datagen runs the dataset generators of `tidal data navier-stokes` (forced 2D turbulence,
// Hess et al. 2025, App. C.1; docs/NAVIER_STOKES.md) and `tidal data waves` (travelling plane waves)
// from plain options, the values of their flags: it refuses bad options with errors that name the
// flag, checks the output's size against the machine before simulating and writes the frames and
// their sidecar atomically. The command line maps its flags onto these options and nothing else.
package datagen

import (
	"fmt"
	"io"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/sim/frames"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// NavierStokesOptions are the settings of `tidal data navier-stokes`, named for its flags: the solver's
// and the dataset's (navierstokes.DatasetOptions), --out, --nu ("auto" or a number), --split (train,val,test
// fractions, "" for one file) and --format.
type NavierStokesOptions struct {
	navierstokes.DatasetOptions
	Out, Nu, Split, OutFormat string
	// Command is the command line a NetCDF output records; Log hears the progress (nil: none) and Stdout
	// the summary line (nil: none).
	Command     string
	Log, Stdout io.Writer
}

// NavierStokes checks the options and writes the turbulence dataset to --out (navierstokes.Generate).
func NavierStokes(o NavierStokesOptions) (navierstokes.Summary, error) {
	if o.Out == "" {
		return navierstokes.Summary{}, fmt.Errorf("--out FILE.npy is required")
	}
	var err error
	if o.Out, err = cli.DataOutPath(o.Out, o.OutFormat); err != nil {
		return navierstokes.Summary{}, err
	}
	d := o.DatasetOptions
	d.NetCDFAttrs = forecast.Provenance{Version: cli.Version, Command: o.Command, Run: "data navier-stokes", Seed: d.Seed}.Attrs()
	if err := d.Params.SetNu(o.Nu); err != nil {
		return navierstokes.Summary{}, fmt.Errorf("--nu %w", err)
	}
	if d.Split, err = frames.ParseSplit(o.Split); err != nil {
		return navierstokes.Summary{}, fmt.Errorf("--split: %w", err)
	}
	if err := cli.CheckNavierStokesFlags(d, o.Out); err != nil {
		return navierstokes.Summary{}, err
	}
	if err := d.Validate(); err != nil {
		return navierstokes.Summary{}, err
	}
	return navierstokes.Generate(d, o.Out, o.Log, discardNil(o.Stdout))
}

// WavesOptions are the settings of `tidal data waves`, named for its flags: the waves (waves.Options),
// --out and --split; Stdout hears the summary line (nil: none).
type WavesOptions struct {
	waves.Options
	Out, Split string
	Stdout     io.Writer
}

// Waves checks the options and writes the travelling-waves dataset to --out (waves.Generate).
func Waves(o WavesOptions) error {
	if o.Out == "" {
		return fmt.Errorf("--out FILE.npy is required")
	}
	w := o.Options
	var err error
	if w.Split, err = frames.ParseSplit(o.Split); err != nil {
		return fmt.Errorf("--split: %w", err)
	}
	if err := cli.CheckWavesFlags(w, o.Out); err != nil {
		return err
	}
	return waves.Generate(w, o.Out, discardNil(o.Stdout))
}

// discardNil is w, or a writer that discards when w is nil.
func discardNil(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
