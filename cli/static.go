package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
)

// StaticFlags are --static and --static-var: time-invariant conditioning fields (orography, land-sea
// mask) that a network sees beside its input (dataset.Static).
type StaticFlags struct {
	Path string
	Vars []string
}

// AddStaticFlags registers --static and --static-var; use says what the command does with them.
func AddStaticFlags(f *pflag.FlagSet, s *StaticFlags, use string) {
	f.StringVar(&s.Path, "static", "", use+": static conditioning fields [S, H, W] or [H, W] on the data's grid (NPY, NPZ or NetCDF), e.g. orography and a land-sea mask")
	f.StringSliceVar(&s.Vars, "static-var", nil, "NetCDF or NPZ --static: the variable(s) to read, stacked as channels (default: the only data variable)")
}

// ReadStatic reads --static (nil, nil when it is not given): NPY, NPZ or NetCDF, [S, H, W] or [H, W],
// finite. It checks the size against the memory budget before reading, and that the grid is H×W.
func ReadStatic(b guard.Budget, s StaticFlags, H, W int) (*dataset.Static, error) {
	if s.Path == "" {
		if len(s.Vars) > 0 {
			return nil, fmt.Errorf("--static-var %v: names variables of --static, which is not given", s.Vars)
		}
		return nil, nil
	}
	// The input flags --var and --time-dim are the data's; --static-var picks the static file's variables.
	saved := fieldSelect
	fieldSelect = data.FieldSelect{Vars: s.Vars}
	defer func() { fieldSelect = saved }()
	in, err := StatInput("static", s.Path, 2, 3, "[S, H, W] or [H, W]")
	if err != nil {
		return nil, err
	}
	r := len(in.Shape)
	gridH, gridW := in.Shape[r-2], in.Shape[r-1]
	stackedNC := in.Src != nil && in.Src.Kind == "nc" && in.Src.Stacked && len(in.Src.VarShape) == 2
	if stackedNC { // NetCDF variables [lat, lon] stacked: read as [H, V, W]
		gridH = in.Shape[0]
	}
	if gridH != H || gridW != W {
		return nil, fmt.Errorf("%s: shape %v: static fields on a %d×%d grid; the data's frames are %d×%d: expected [S, %d, %d] or [%d, %d]",
			in, in.Shape, gridH, gridW, H, W, H, W, H, W)
	}
	if S := data.NumElements(in.Shape) / (gridH * gridW); S > 1<<12 {
		return nil, fmt.Errorf("%s: shape %v: %d static channels; expected at most 4096", in, in.Shape, S)
	}
	if err := b.CheckMemory("reading "+in.String(), guard.Product(int64(data.NumElements(in.Shape)), 8, 3)); err != nil {
		return nil, err
	}
	a, err := in.Read(b)
	if err != nil {
		return nil, err
	}
	if stackedNC {
		a = data.FromFloat32(hvwToVHW(a.Float32(), in.Shape[0], in.Shape[1], in.Shape[2]), in.Shape[1], in.Shape[0], in.Shape[2])
	}
	return dataset.NewStatic(in.String(), a)
}

// hvwToVHW transposes v [H, V, W] to [V, H, W].
func hvwToVHW(v []float32, H, V, W int) []float32 {
	out := make([]float32, len(v))
	for h := range H {
		for c := range V {
			copy(out[(c*H+h)*W:(c*H+h+1)*W], v[(h*V+c)*W:(h*V+c+1)*W])
		}
	}
	return out
}

// SaveRunStatic keeps the static fields of a training run in its directory (dataset.KeepStatic), its
// errors named by --static.
func SaveRunStatic(out string, s *dataset.Static, startOver bool) error {
	if err := dataset.KeepStatic(out, s, startOver); err != nil {
		return fmt.Errorf("--static: %w", err)
	}
	return nil
}

// CheckForecastStatic checks --static given to a forecast against the static fields of the run (nil:
// trained without): a run without static fields refuses the flag, and a run with them takes only the
// same fields (it uses its own copy anyway).
func CheckForecastStatic(b guard.Budget, s StaticFlags, run string, runStatic *dataset.Static, H, W int) error {
	if s.Path == "" {
		return nil
	}
	if runStatic == nil {
		return fmt.Errorf("--static %s: the model %s was trained without static fields; forecast without --static", s.Path, run)
	}
	given, err := ReadStatic(b, s, H, W)
	if err != nil {
		return err
	}
	if !given.Equal(runStatic) {
		return fmt.Errorf("--static %s (shape %v) holds other static fields than the model %s was trained with (%s, shape %v); leave --static out and the run's own are used",
			s.Path, given.Shape(), run, filepath.Join(run, dataset.StaticFile), runStatic.Shape())
	}
	return nil
}
