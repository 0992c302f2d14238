package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// NCMeta.Command, when Cmd is nil, is the command line recorded in a NetCDF output's provenance (the
// job packages get it from the command, which holds the flags); the run and the seed are recorded
// beside it.
func TestNCMetaCommandIsTheProvenance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fc.nc")
	a := data.FromFloat32([]float32{1, 2, 3, 4}, 1, 1, 1, 1, 2, 2)
	meta := cli.NCMeta{Command: "tidal forecast --members 1 --seed 3", Format: "nc", Run: "runs/x", Seed: 3, Starts: []int{2}}
	if err := cli.WriteNPYs(nil, []cli.Output{meta.Output("out", path, "forecast", a, forecast.Axes([]string{"init", "member", "lead"}, 3)...)}); err != nil {
		t.Fatal(err)
	}
	h, err := data.StatNC(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"tidal_command": meta.Command, "tidal_run": "runs/x"} {
		if at, ok := h.Attr(name); !ok || at.Text != want {
			t.Errorf("%s: %+v, want %q", name, at, want)
		}
	}
}
