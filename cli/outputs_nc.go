package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/metrics"
)

// Version is tidal's version, as the outputs' provenance names it (cmd/tidal sets it).
var Version = "0.1.0-dev"

// Self-describing outputs (docs/NETCDF.md): a command's field outputs are written as CF-style NetCDF
// when --format is nc or the output's name ends in .nc, with one dimension per axis, coordinate
// variables, units and the run's provenance.

// AddOutFormatFlag adds --format, the format of the command's field outputs, and --out-format, its
// hidden deprecated alias (the name --format was the series input format, now --input-format).
func AddOutFormatFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "format", "", "field outputs: npy or nc (CF-style NetCDF that xarray opens with its coordinates); default: nc for names ending in .nc, else npy (a time series file's format is --input-format)")
	f.StringVar(p, "out-format", "", "deprecated: --format")
	f.MarkHidden("out-format")
	f.MarkDeprecated("out-format", "use --format npy|nc")
}

// CheckOutFormat refuses an unknown --format, pointing a series file format (given to --format before it
// became --input-format) to --input-format.
func CheckOutFormat(format string) error {
	switch format {
	case "", "npy", "nc":
		return nil
	case "auto", "csv", "lstnet", "gluonts":
		return fmt.Errorf("--format %q: --format is the output format now (npy or nc); a time series file's format is --input-format %s", format, format)
	}
	return fmt.Errorf("--format %q: expected npy or nc", format)
}

// WantNC says whether an output is written as NetCDF.
func WantNC(format, path string) bool {
	return format == "nc" || (format == "" && strings.EqualFold(filepath.Ext(path), ".nc"))
}

// NCMeta is what a NetCDF output says about where it came from.
type NCMeta struct {
	Cmd     *cobra.Command
	Command string // the command line recorded when Cmd is nil (a job run from plain options)
	Format  string
	Src     *data.FieldSource // the input fields, for coordinates and units; nil for NPY inputs
	Run     string            // the model's run directory, or the method
	Seed    uint64
	Starts  []int // each case's first forecast frame
}

// Output is the namedOutput of a field array: NPY, or NetCDF with axes named by axes (init, member,
// lead, channel, y, x, time); varName names the NetCDF variable.
func (m NCMeta) Output(flag, path, varName string, a *data.Array, axes ...string) Output {
	if a == nil || !WantNC(m.Format, path) {
		return NPYOutput(flag, path, a)
	}
	return Output{flag, path, func(f *atomicfile.File) error {
		spec, vals, err := forecast.FieldSpec(varName, a, axes, forecast.NCMeta{Starts: m.Starts,
			Provenance: m.provenance(), Src: m.Src})
		if err != nil {
			return err
		}
		return data.EncodeNC(f, spec, vals)
	}}
}

// ScoreReportOutput writes score's report to --out: JSON, or with a name ending in .nc (or --format
// nc) a NetCDF Dataset with one variable per metric over lead (mean over leads and pooled value as
// attributes, and command, the command line that made it), the lead coordinate taken from a NetCDF
// forecast where it has one.
func ScoreReportOutput(command, path, format string, rep *metrics.Report, js []byte, fc *Input, perChannel []*metrics.Report) Output {
	if !WantNC(format, path) {
		return BytesOutput("out", path, append(js, '\n'))
	}
	return Output{"out", path, func(f *atomicfile.File) error {
		lead, leadAttrs := forecast.LeadCoordinate("", rep.Leads)
		if fc.Src != nil && fc.Src.Kind == "nc" {
			lead, leadAttrs = forecast.LeadCoordinate(fc.Path, rep.Leads)
		}
		var names []string
		if len(perChannel) > 0 {
			names = ChannelNames(fc, len(perChannel))
		}
		spec, vals := forecast.ScoreSpec(rep, forecast.Provenance{Version: Version, Command: command}, lead, leadAttrs, perChannel, names)
		return data.EncodeNC(f, spec, vals)
	}}
}

// DataOutPath applies --format to a dataset's --out: nc turns FILE.npy into FILE.nc, npy refuses a
// name ending in .nc.
func DataOutPath(out, format string) (string, error) {
	if err := CheckOutFormat(format); err != nil {
		return "", err
	}
	switch {
	case format == "nc" && strings.HasSuffix(out, ".npy"):
		return strings.TrimSuffix(out, ".npy") + ".nc", nil
	case format == "npy" && strings.HasSuffix(out, ".nc"):
		return "", fmt.Errorf("--out %s with --format npy: name the output FILE.npy", out)
	}
	return out, nil
}

// provenance says which tidal, command, run and seed made a file.
func provenance(cmd *cobra.Command, run string, seed uint64) forecast.Provenance {
	return forecast.Provenance{Version: Version, Command: CommandLine(cmd), Run: run, Seed: seed}
}

// provenance is what m records: Cmd's command line, or Command when Cmd is nil.
func (m NCMeta) provenance() forecast.Provenance {
	if m.Cmd == nil && m.Command != "" {
		return forecast.Provenance{Version: Version, Command: m.Command, Run: m.Run, Seed: m.Seed}
	}
	return provenance(m.Cmd, m.Run, m.Seed)
}

// ProvenanceAttrs are the global attributes saying which tidal, command, run and seed made a file.
func ProvenanceAttrs(cmd *cobra.Command, run string, seed uint64) []data.NCAttr {
	return provenance(cmd, run, seed).Attrs()
}

// CommandLine is the command as run: its path and every flag set, e.g. "tidal baseline --data x.nc --var t2m".
func CommandLine(cmd *cobra.Command) string {
	if cmd == nil {
		return "tidal " + strings.Join(os.Args[1:], " ")
	}
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		parts = append(parts, "--"+f.Name, v)
	})
	return strings.Join(parts, " ")
}

// RefuseSeriesNC refuses NetCDF outputs for a time series [T, N], whose forecasts are written as NPY.
func RefuseSeriesNC(format string, outs ...string) error {
	for _, o := range outs {
		if o != "" && WantNC(format, o) {
			return fmt.Errorf("--out %s: NetCDF outputs are written for fields; a time series forecast is written as NPY", o)
		}
	}
	return nil
}

// axes joins leading axis names with a frame's (forecast.Axes).
var axes = forecast.Axes
