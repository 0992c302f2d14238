package main

import (
	"fmt"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// inputArray is a field input named by a flag, of which only the header has been read so far.
type inputArray struct {
	flag, path string
	shape      []int
	dtype      data.DType
	src        *fieldSource // NetCDF or NPZ (fields.go); nil for NPY
	dir        bool         // a run directory (runDirInput): no output may land inside it
}

// statInput reads the header of the NPY file given to --flag (or NetCDF or NPZ, recognised from its
// content: fields.go), refusing a missing path, a folder, a bad header and a rank outside
// [minRank, maxRank] (layout describes the axes expected).
func statInput(flag, path string, minRank, maxRank int, layout string) (*inputArray, error) {
	if path == "" {
		return nil, fmt.Errorf("--%s is required: %s", flag, layout)
	}
	shape, dtype, src, err := data.StatFields(path, minRank, fieldSelect)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	in := &inputArray{flag: flag, path: path, shape: shape, dtype: dtype}
	if src != nil {
		in.src = &fieldSource{src}
	}
	if err := guard.Rank(in.String(), shape, minRank, maxRank, layout); err != nil {
		return nil, err
	}
	if err := guard.NonEmpty(in.String(), shape); err != nil {
		return nil, err
	}
	return in, nil
}

// String names the input as errors do: "--flag path".
func (in *inputArray) String() string { return "--" + in.flag + " " + in.path }

// Bytes is the size of the values as stored; Float64Bytes as float64 (after Array.Float64).
func (in *inputArray) Bytes() int64 {
	return guard.Product(int64(data.NumElements(in.shape)), int64(in.dtype.Size()))
}

// Float64Bytes is the size of the values held as float64.
func (in *inputArray) Float64Bytes() int64 {
	return guard.Product(int64(data.NumElements(in.shape)), 8)
}

// read reads the values within the memory budget.
func (in *inputArray) read(b guard.Budget) (*data.Array, error) {
	if in.src != nil {
		a, err := in.src.Read(in.path, b, in.shape)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", in.flag, err)
		}
		return a, nil
	}
	mem, _ := b.Mem()
	a, err := data.Reader{MaxBytes: mem}.ReadNPY(in.path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", in.flag, err)
	}
	return a, nil
}

// writeNPYs writes arrays to the paths of their flags as one group: all or none, none of them any of the
// inputs (atomicfile.Group). Flags with an empty path are skipped.
func writeNPYs(inputs []*inputArray, outs []namedOutput) error {
	g := inputGroup(inputs)
	defer g.Abort()
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		f, err := g.Create("--"+o.flag, o.path)
		if err != nil {
			return err
		}
		if err := o.write(f); err != nil {
			return fmt.Errorf("--%s %s: %w", o.flag, o.path, err)
		}
	}
	return g.Commit()
}

// namedOutput is one file a command writes: the flag that named it, its path and what to write.
type namedOutput struct {
	flag, path string
	write      func(f *atomicfile.File) error
}

// npyOutput writes an array.
func npyOutput(flag, path string, a *data.Array) namedOutput {
	return namedOutput{flag, path, func(f *atomicfile.File) error { return data.EncodeNPY(f, a) }}
}

// bytesOutput writes bytes.
func bytesOutput(flag, path string, b []byte) namedOutput {
	return namedOutput{flag, path, func(f *atomicfile.File) error { _, err := f.Write(b); return err }}
}

// checkOutputs refuses, before any work, an output flag that names one of the inputs or another output
// (the same check writeNPYs makes when it writes), so that a long run does not end in that refusal.
func checkOutputs(inputs []*inputArray, outs ...[2]string) error {
	g := inputGroup(inputs)
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

// inputGroup starts a group of outputs that must not overwrite any of inputs (cli.Guard).
func inputGroup(inputs []*inputArray) *atomicfile.Group {
	files := make([]cli.File, 0, len(inputs))
	for _, in := range inputs {
		if in != nil {
			files = append(files, cli.File{Flag: in.flag, Path: in.path, Dir: in.dir})
		}
	}
	return cli.Guard(files...)
}
