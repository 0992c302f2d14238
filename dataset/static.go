package dataset

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidal-forecast/tidal/data"
)

// StaticFile is the name under which a run directory keeps its static conditioning fields (NPY,
// [S, H, W] float32, in physical units as given to --static).
const StaticFile = "static.npy"

// Static holds time-invariant conditioning fields (orography, a land-sea mask, permeability): S
// channels on the data's H×W grid, in physical units, C order [S, H, W]. A network sees them
// normalised per channel (StaticNorm), concatenated to its input as conditioning: never noised and
// never predicted.
type Static struct {
	Channels, Height, Width int
	Values                  []float32
}

// NewStatic checks static fields of shape [S, H, W] or [H, W] (one channel), named by what in errors,
// and returns them as float32. NaN and ±Inf are refused (a mask or orography has a value everywhere).
func NewStatic(what string, a *data.Array) (*Static, error) {
	sh := a.Shape
	switch len(sh) {
	case 2:
		sh = []int{1, sh[0], sh[1]}
	case 3:
	default:
		return nil, fmt.Errorf("%s: shape %v: expected static fields [S, H, W] or [H, W]", what, a.Shape)
	}
	for i, d := range sh {
		if d < 1 {
			return nil, fmt.Errorf("%s: shape %v: axis %d is empty", what, a.Shape, i)
		}
	}
	if data.NumElements(sh) != a.Len() {
		return nil, fmt.Errorf("%s: shape %v holds %d values, found %d", what, a.Shape, data.NumElements(sh), a.Len())
	}
	v := a.Float32()
	HW := sh[1] * sh[2]
	for i, x := range v {
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: value %v at channel %d, row %d, column %d: expected finite static fields (fill missing values, e.g. the ocean's orography with 0)",
				what, x, i/HW, (i%HW)/sh[2], i%sh[2])
		}
	}
	return &Static{Channels: sh[0], Height: sh[1], Width: sh[2], Values: slices.Clone(v)}, nil
}

// StaticConfig records a run's static conditioning fields in its configuration: their channels and the
// per-channel statistics that normalise them (computed from the fields themselves when the run was
// trained: Static.Norm). The fields themselves are the run directory's StaticFile.
type StaticConfig struct {
	Channels int       `json:"channels"`
	Mean     []float64 `json:"mean"`
	Std      []float64 `json:"std"`
}

// Config returns the record of the fields s.
func (s *Static) Config() *StaticConfig {
	n := s.Norm()
	return &StaticConfig{Channels: s.Channels, Mean: n.Mean, Std: n.Std}
}

// Validate checks the record: 1 to 4096 channels, finite statistics with std > 0.
func (c *StaticConfig) Validate() error {
	if c.Channels < 1 || c.Channels > 1<<12 {
		return fmt.Errorf("static channels %d: expected 1 to 4096", c.Channels)
	}
	if err := (Norm{Mean: c.Mean, Std: c.Std}).Validate(c.Channels); err != nil {
		return fmt.Errorf("static fields: %w", err)
	}
	return nil
}

// Norm is the record's normalisation.
func (c *StaticConfig) Norm() Norm { return Norm{Mean: c.Mean, Std: c.Std} }

// CheckGrid refuses static fields whose grid is not the data's H×W, naming both.
func (s *Static) CheckGrid(what string, H, W int) error {
	if s.Height != H || s.Width != W {
		return fmt.Errorf("%s: static fields on a %d×%d grid (shape [%d, %d, %d]); the data's frames are %d×%d: expected [S, %d, %d]",
			what, s.Height, s.Width, s.Channels, s.Height, s.Width, H, W, H, W)
	}
	return nil
}

// Shape is [S, H, W].
func (s *Static) Shape() []int { return []int{s.Channels, s.Height, s.Width} }

// Norm returns the per-channel mean and population standard deviation of the fields (float64
// accumulation about the mean); a constant channel gets std 1, so it is only shifted.
func (s *Static) Norm() Norm {
	HW := s.Height * s.Width
	n := Norm{Mean: make([]float64, s.Channels), Std: make([]float64, s.Channels)}
	for c := range s.Channels {
		v := s.Values[c*HW : (c+1)*HW]
		sum := 0.0
		for _, x := range v {
			sum += float64(x)
		}
		m := sum / float64(HW)
		ss := 0.0
		for _, x := range v {
			d := float64(x) - m
			ss += d * d
		}
		sd := math.Sqrt(ss / float64(HW))
		if sd == 0 {
			sd = 1
		}
		n.Mean[c], n.Std[c] = m, sd
	}
	return n
}

// Normalized returns the fields normalised with n (per channel), a new slice.
func (s *Static) Normalized(n Norm) []float32 {
	v := slices.Clone(s.Values)
	n.Normalize(v, s.Height*s.Width)
	return v
}

// Equal says whether t holds the same fields as s (shape and values).
func (s *Static) Equal(t *Static) bool {
	return s.Channels == t.Channels && s.Height == t.Height && s.Width == t.Width && slices.Equal(s.Values, t.Values)
}

// Save writes the fields to dir/StaticFile, atomically.
func (s *Static) Save(dir string) error {
	return data.WriteNPY(filepath.Join(dir, StaticFile), data.FromFloat32(s.Values, s.Shape()...))
}

// LoadStatic reads the static fields a run directory keeps (StaticFile) and checks that they are
// [channels, H, W].
func LoadStatic(dir string, channels, H, W int) (*Static, error) {
	path := filepath.Join(dir, StaticFile)
	a, err := data.Reader{}.ReadNPY(path)
	if err != nil {
		return nil, fmt.Errorf("the run was trained with %d static channels: %w", channels, err)
	}
	s, err := NewStatic(path, a)
	if err != nil {
		return nil, err
	}
	if s.Channels != channels || s.Height != H || s.Width != W {
		return nil, fmt.Errorf("%s: shape %v, the run records static fields [%d, %d, %d]", path, s.Shape(), channels, H, W)
	}
	return s, nil
}

// KeepStatic keeps the static fields of a training run in its directory (StaticFile) before
// training starts, so that forecasts find them (Load reads them back). A run that already keeps other
// static fields, or that was trained without any, is refused unless startOver; s nil keeps nothing (and
// removes the fields of a run started over).
func KeepStatic(out string, s *Static, startOver bool) error {
	path := filepath.Join(out, StaticFile)
	_, statErr := os.Stat(path)
	kept := statErr == nil
	if s == nil {
		if kept && startOver {
			return os.Remove(path)
		}
		return nil // a run recorded with static fields is refused by the configuration check
	}
	if !startOver {
		if kept {
			a, err := data.Reader{}.ReadNPY(path)
			if err != nil {
				return fmt.Errorf("run %s: %w", out, err)
			}
			old, err := NewStatic(path, a)
			if err != nil {
				return err
			}
			if !old.Equal(s) {
				return fmt.Errorf("the run %s was trained with other static fields (%s, shape %v; given %v): give the same fields, or start the run over (--start-over)", out, path, old.Shape(), s.Shape())
			}
			return nil
		}
		if _, err := os.Stat(filepath.Join(out, "options.json")); err == nil {
			return fmt.Errorf("the run %s was trained without static fields; resume it without them (no --static), or start it over (--start-over)", out)
		}
	} else if statErr != nil && !errors.Is(statErr, os.ErrNotExist) {
		return statErr
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("run %s: %w", out, err)
	}
	return s.Save(out)
}
