package main

import (
	"fmt"
	"path/filepath"

	"github.com/tidal-forecast/tidal/forecast"
)

// sidecarOutput is the namedOutput of the sidecar of the array written to --flag path (none for an
// empty path): s, with the array's kind and shape.
func sidecarOutput(flag, path string, s forecast.Sidecar) (namedOutput, error) {
	if path == "" {
		return namedOutput{}, nil
	}
	b, err := s.Marshal()
	if err != nil {
		return namedOutput{}, err
	}
	return bytesOutput(flag+" sidecar", forecast.SidecarPath(path), b), nil
}

// caseSidecars are the sidecars of a forecast written to --out and of its truth written to
// --truth-out (skipped when truthOut is empty): fc describes the forecast; the truth's is the same
// cases without members, model or seed.
func caseSidecars(out, truthOut string, fc forecast.Sidecar, fcShape, truthShape []int) ([]namedOutput, error) {
	fc.Shape = fcShape
	a, err := sidecarOutput("out", out, fc)
	if err != nil {
		return nil, err
	}
	tr := forecast.Sidecar{Kind: forecast.KindTruth, Starts: fc.Starts, Context: fc.Context, Lead: fc.Lead, Shape: truthShape,
		Source: fc.Source, SourceSHA256: fc.SourceSHA256, Units: fc.Units}
	b, err := sidecarOutput("truth-out", truthOut, tr)
	if err != nil {
		return nil, err
	}
	var outs []namedOutput
	for _, o := range []namedOutput{a, b} {
		if o.path != "" {
			outs = append(outs, o)
		}
	}
	return outs, nil
}

// sourceSidecar starts the sidecar of cases taken from the data file src: its absolute path and
// SHA-256, the cases, and physical units.
func sourceSidecar(kind, src string, cs forecast.Cases) (forecast.Sidecar, error) {
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

// checkSidecars refuses to score --forecast against --obs when both have sidecars that describe
// different cases (forecast.SameCases); arrays without a sidecar are scored as before.
func checkSidecars(fcPath, obsPath string) error {
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

// withSidecars adds to the outputs of checkOutputs the sidecars of --out and --truth-out, so that
// a sidecar that would replace an input (a GluonTS .json series, say) is refused before any work.
func withSidecars(outs ...[2]string) [][2]string {
	all := append([][2]string(nil), outs...)
	for _, o := range outs {
		if (o[0] == "out" || o[0] == "truth-out") && o[1] != "" {
			all = append(all, [2]string{o[0] + " sidecar", forecast.SidecarPath(o[1])})
		}
	}
	return all
}
