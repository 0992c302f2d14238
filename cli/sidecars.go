package cli

import (
	"fmt"
	"path/filepath"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// SidecarOutput is the namedOutput of the sidecar of the array written to --flag path (none for an
// empty path): s, with the array's kind and shape.
func SidecarOutput(flag, path string, s forecast.Sidecar) (Output, error) {
	if path == "" {
		return Output{}, nil
	}
	b, err := s.Marshal()
	if err != nil {
		return Output{}, err
	}
	return BytesOutput(flag+" sidecar", forecast.SidecarPath(path), b), nil
}

// CaseSidecars are the sidecars of a forecast written to --out and of its truth written to
// --truth-out (skipped when truthOut is empty): fc describes the forecast; the truth's is the same
// cases without members, model or seed.
func CaseSidecars(out, truthOut string, fc forecast.Sidecar, fcShape, truthShape []int) ([]Output, error) {
	fc.Shape = fcShape
	a, err := SidecarOutput("out", out, fc)
	if err != nil {
		return nil, err
	}
	tr := forecast.Sidecar{Kind: forecast.KindTruth, Starts: fc.Starts, Context: fc.Context, Lead: fc.Lead, Shape: truthShape,
		Source: fc.Source, SourceSHA256: fc.SourceSHA256, Units: fc.Units}
	b, err := SidecarOutput("truth-out", truthOut, tr)
	if err != nil {
		return nil, err
	}
	var outs []Output
	for _, o := range []Output{a, b} {
		if o.Path != "" {
			outs = append(outs, o)
		}
	}
	return outs, nil
}

// SourceSidecar starts the sidecar of cases taken from the data file src: its absolute path and
// SHA-256, the cases, and physical units.
func SourceSidecar(kind, src string, cs forecast.Cases) (forecast.Sidecar, error) {
	sum, err := forecast.FileSHA256(src)
	if err != nil {
		return forecast.Sidecar{}, fmt.Errorf("hashing the source for the sidecar: %w", err)
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		abs = src
	}
	return forecast.Sidecar{Kind: kind, Starts: cs.Starts, Context: cs.Context, Lead: cs.Lead, Source: abs, SourceSHA256: sum,
		Units: forecast.PhysicalUnits}, nil
}

// CheckSidecars refuses to score --forecast against --obs when both have sidecars that describe
// different cases (forecast.SameCases); arrays without a sidecar are scored as before.
func CheckSidecars(fcPath, obsPath string) error {
	fc, err := forecast.ReadSidecar(fcPath)
	if err != nil {
		return fmt.Errorf("--forecast %s: %w", fcPath, err)
	}
	obs, err := forecast.ReadSidecar(obsPath)
	if err != nil {
		return fmt.Errorf("--obs %s: %w", obsPath, err)
	}
	if fc == nil || obs == nil {
		return nil
	}
	return forecast.SameCases(fc, obs, "--forecast "+fcPath, "--obs "+obsPath)
}

// WithSidecars adds to the outputs of checkOutputs the sidecars of --out and --truth-out, so that
// a sidecar that would replace an input (a GluonTS .json series, say) is refused before any work.
func WithSidecars(outs ...[2]string) [][2]string {
	all := append([][2]string(nil), outs...)
	for _, o := range outs {
		if (o[0] == "out" || o[0] == "truth-out") && o[1] != "" {
			all = append(all, [2]string{o[0] + " sidecar", forecast.SidecarPath(o[1])})
		}
	}
	return all
}

// Maker says what made a forecast, for its sidecar: Kind is forecast.KindForecast or KindBaseline, Method
// the model or baseline method, Model the model's run directory (recorded as an absolute path; "" for a
// baseline) at training step Step, with Members members and Seed.
type Maker struct {
	Kind, Method, Model string
	Members, Step       int
	Seed                uint64
}

// ForecastSidecars are the sidecars of a forecast of shape fcShape, made by mk from the cases cs of the
// data file src and written to out, and of its truth of shape truthShape at truthOut (nil: not written).
func ForecastSidecars(src string, cs forecast.Cases, mk Maker, out, truthOut string, fcShape, truthShape []int) ([]Output, error) {
	sc, err := SourceSidecar(mk.Kind, src, cs)
	if err != nil {
		return nil, err
	}
	sc.Method, sc.Members, sc.Seed, sc.ModelStep = mk.Method, mk.Members, mk.Seed, mk.Step
	if mk.Model != "" {
		if sc.Model, err = filepath.Abs(mk.Model); err != nil {
			sc.Model = mk.Model
		}
	}
	return CaseSidecars(out, truthOut, sc, fcShape, truthShape)
}

// ShapeOf is a's shape, nil for no array.
func ShapeOf(a *data.Array) []int {
	if a == nil {
		return nil
	}
	return a.Shape
}
