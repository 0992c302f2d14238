package cli

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// Input is a field input named by a flag, of which only the header has been read so far.
type Input struct {
	Flag, Path string
	Shape      []int
	DType      data.DType
	Src        *data.FieldSource // NetCDF or NPZ (data.StatFields); nil for NPY
	Dir        bool              // a run directory (runDirInput): no output may land inside it
}

// StatInput reads the header of the NPY file given to --flag (or NetCDF or NPZ, recognised from its
// content: fields.go), refusing a missing path, a folder, a bad header and a rank outside
// [minRank, maxRank] (layout describes the axes expected).
func StatInput(flag, path string, minRank, maxRank int, layout string) (*Input, error) {
	if path == "" {
		return nil, fmt.Errorf("--%s is required: %s", flag, layout)
	}
	shape, dtype, src, err := data.StatFields(path, minRank, fieldSelect)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	in := &Input{Flag: flag, Path: path, Shape: shape, DType: dtype, Src: src}
	if err := guard.Rank(in.String(), shape, minRank, maxRank, layout); err != nil {
		return nil, err
	}
	if err := guard.NonEmpty(in.String(), shape); err != nil {
		return nil, err
	}
	return in, nil
}

// String names the input as errors do: "--flag path".
func (in *Input) String() string { return "--" + in.Flag + " " + in.Path }

// Bytes is the size of the values as stored; Float64Bytes as float64 (after Array.Float64).
func (in *Input) Bytes() int64 {
	return guard.Product(int64(data.NumElements(in.Shape)), int64(in.DType.Size()))
}

// Float64Bytes is the size of the values held as float64.
func (in *Input) Float64Bytes() int64 {
	return guard.Product(int64(data.NumElements(in.Shape)), 8)
}

// Read reads the values within the memory budget.
func (in *Input) Read(b guard.Budget) (*data.Array, error) {
	if in.Src != nil {
		a, err := in.Src.Read(in.Path, b, in.Shape)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", in.Flag, err)
		}
		return a, nil
	}
	mem, _ := b.Mem()
	a, err := data.Reader{MaxBytes: mem}.ReadNPY(in.Path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", in.Flag, err)
	}
	return a, nil
}

// WriteNPYs writes arrays to the paths of their flags as one group: all or none, none of them any of the
// inputs (atomicfile.Group). Flags with an empty path are skipped.
func WriteNPYs(inputs []*Input, outs []Output) error {
	g := InputGroup(inputs)
	defer g.Abort()
	for _, o := range outs {
		if o.Path == "" {
			continue
		}
		f, err := g.Create("--"+o.Flag, o.Path)
		if err != nil {
			return err
		}
		if err := o.Write(f); err != nil {
			return fmt.Errorf("--%s %s: %w", o.Flag, o.Path, err)
		}
	}
	return g.Commit()
}

// Output is one file a command writes: the flag that named it, its path and what to write.
type Output struct {
	Flag, Path string
	Write      func(f *atomicfile.File) error
}

// NPYOutput writes an array.
func NPYOutput(flag, path string, a *data.Array) Output {
	return Output{flag, path, func(f *atomicfile.File) error { return data.EncodeNPY(f, a) }}
}

// BytesOutput writes bytes.
func BytesOutput(flag, path string, b []byte) Output {
	return Output{flag, path, func(f *atomicfile.File) error { _, err := f.Write(b); return err }}
}

// CheckOutputs refuses, before any work, an output flag that names one of the inputs or another output
// (the same check writeNPYs makes when it writes), so that a long run does not end in that refusal.
func CheckOutputs(inputs []*Input, outs ...[2]string) error {
	g := InputGroup(inputs)
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

// InputGroup starts a group of outputs (atomicfile.Group) that must not overwrite any of inputs (nil
// entries are skipped; a run directory, Dir, not even by a file inside it), nor the --config file the
// run was given.
func InputGroup(inputs []*Input) *atomicfile.Group {
	g := atomicfile.NewGroup()
	for _, in := range inputs {
		switch {
		case in == nil:
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

// Field inputs other than NPY: NetCDF classic files (docs/NETCDF.md) and NPZ archives, recognised from
// their first bytes whatever their name (data.StatFields). --var picks the variables (stacked as
// channels when several) and --time-dim the NetCDF dimension that becomes the frames axis.
var fieldSelect data.FieldSelect

// AddFieldFlags adds --var and --time-dim, which pick what a NetCDF or NPZ field input holds, to pf, the
// root command's persistent flags.
func AddFieldFlags(pf *pflag.FlagSet) {
	pf.StringSliceVar(&fieldSelect.Vars, "var", nil,
		"NetCDF or NPZ inputs: the variable(s) to read, e.g. t2m or t2m,u10,v10 (stacked as channels); default: the only data variable")
	pf.StringVar(&fieldSelect.TimeDim, "time-dim", "",
		"NetCDF inputs: the dimension that is the time (frames) axis (default: the record dimension, else the variable's first)")
}

// GridLatWeights returns cos(latitude) per row from the first of the inputs on a recognised lat-lon grid
// (WeatherBench2's area weighting), and the input's name; nil when none is.
func GridLatWeights(ins ...*Input) ([]float64, string) {
	for _, in := range ins {
		if in.Src != nil {
			if w := in.Src.LatWeights(); w != nil {
				return w, in.String()
			}
		}
	}
	return nil, ""
}

// ChannelNames are the variables a tidal NetCDF forecast's channels hold (forecast.ChannelNames), else nil.
func ChannelNames(in *Input, n int) []string {
	if in.Src == nil || in.Src.Kind != "nc" {
		return nil
	}
	return forecast.ChannelNames(in.Path, n)
}

// DataIsSeries decides, before any other flag is judged, whether the file given to --flag holds a time
// series [T, N] (text: LSTNet, CSV, GluonTS JSON lines, gzipped or not) or an array (NPY or NPZ). The
// kind comes from the file's content (NPY's magic string, a zip's), never from its name. A missing path,
// a folder, a device or a pipe is refused naming the flag, as is --input-format with an array (it names
// the format of a series file) and an unknown --input-format. An empty path is left to the command's own message.
func DataIsSeries(flag, path, format string) (bool, error) {
	if path == "" {
		return format != "", nil
	}
	f, _, err := guard.OpenFile(path, "an NPY, NPZ or NetCDF array, or a time series file")
	if err != nil {
		return false, fmt.Errorf("--%s: %w", flag, err)
	}
	defer f.Close()
	head := make([]byte, 6)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	head = head[:n]
	array := bytes.HasPrefix(head, []byte("\x93NUMPY")) || bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) || data.IsNetCDF(head)
	switch {
	case array && format != "" && format != "auto":
		return false, fmt.Errorf("--input-format %s: --%s %s holds an array (NPY, NPZ or NetCDF, by its content); --input-format names the format of a time series file", format, flag, path)
	case array:
		return false, nil
	}
	if _, err := data.ParseFormat(cmp.Or(format, "auto")); err != nil {
		return false, fmt.Errorf("--input-format: %w", err)
	}
	return true, nil
}

// DataError prefixes err with --data PATH unless it names --data already.
func DataError(path string, err error) error {
	if strings.HasPrefix(err.Error(), "--data") {
		return err
	}
	return fmt.Errorf("--data %s: %w", path, err)
}
