package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
)

// runData runs the CLI in-process. Flags keep their values between in-process runs, so every flag of
// every command is first reset to its default.
func runData(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var reset func(c *cobra.Command)
	reset = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			_ = f.Value.Set(f.DefValue)
			f.Changed = false
		})
		for _, sub := range c.Commands() {
			reset(sub)
		}
	}
	reset(rootCmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	return out.String(), err
}

func TestDataNavierStokes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ns.npy")
	if _, err := runData(t, "data", "navier-stokes", "--out", out, "--size", "32", "--frames", "3",
		"--spinup", "10", "--velocity", "--seed", "4", "--quiet"); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{3, 3, 32, 32}) {
		t.Fatalf("shape %v", a.Shape)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), "ns.json")); err != nil {
		t.Fatal(err)
	}
}

// TestDataBadParametersWriteNothing: each bad parameter is a clear error and leaves no file.
func TestDataBadParametersWriteNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ns.npy")
	base := []string{"data", "navier-stokes", "--size", "32", "--frames", "2", "--spinup", "1", "--quiet"}
	for _, c := range []struct {
		want string
		args []string
	}{
		{"even", []string{"--out", out, "--size", "33"}},
		{"time step", []string{"--out", out, "--dt", "-0.01"}},
		{"--nu -1e-05", []string{"--out", out, "--nu", "-1e-5"}},
		{"--nu NaN", []string{"--out", out, "--nu", "NaN"}},
		{"--dt NaN", []string{"--out", out, "--dt", "NaN"}},
		{"--nu", []string{"--out", out, "--nu", "lots"}},
		{"frames", []string{"--out", out, "--frames", "0"}},
		{"does not exist", []string{"--out", filepath.Join(dir, "missing", "ns.npy")}},
		{"split", []string{"--out", out, "--split", "0.5,0.5"}},
		{"--out", nil},
	} {
		_, err := runData(t, append(append([]string{}, base...), c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
	if _, err := runData(t, "data", "waves", "--out", out, "--kmax", "40"); err == nil {
		t.Error("waves accepted kmax 40 on a 32 grid")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("bad runs left files: %v", entries)
	}
}

func TestDataWavesSplit(t *testing.T) {
	dir := t.TempDir()
	printed, err := runData(t, "data", "waves", "--out", filepath.Join(dir, "w.npy"), "--size", "8", "--kmax", "2",
		"--frames", "10", "--split", "0.8,0.1,0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"train", "val", "test"} {
		if !strings.Contains(printed, "w_"+part+".npy") {
			t.Errorf("output does not name the %s file:\n%s", part, printed)
		}
	}
	a, err := data.ReadNPY(filepath.Join(dir, "w_train.npy"))
	if err != nil || !reflect.DeepEqual(a.Shape, []int{8, 1, 8, 8}) {
		t.Fatalf("train part: %v %v", a, err)
	}
}

// TestDataNavierStokesNuDefault: ν is "auto" by default (AutoNu of the grid, recorded in the sidecar), the
// paper's 2e-7 at 256², and a number given with --nu is used as is.
func TestDataNavierStokesNuDefault(t *testing.T) {
	if got := navierstokes.AutoNu(256, 2); math.Abs(got/navierstokes.PaperNu-1) > 1e-15 {
		t.Fatalf("auto ν at 256² = %g, want the paper's %g", got, navierstokes.PaperNu)
	}
	for _, tc := range []struct {
		args []string
		nu   float64
		auto bool
	}{{nil, navierstokes.AutoNu(32, 2), true}, {[]string{"--nu", "2e-7"}, 2e-7, false}} {
		out := filepath.Join(t.TempDir(), "ns.npy")
		args := append([]string{"data", "navier-stokes", "--out", out, "--size", "32", "--frames", "1", "--spinup", "1", "--quiet"}, tc.args...)
		if _, err := runData(t, args...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(out), "ns.json"))
		if err != nil {
			t.Fatal(err)
		}
		var side struct {
			Params struct {
				Nu     float64 `json:"nu"`
				NuAuto bool    `json:"nu_auto"`
			} `json:"params"`
		}
		if err := json.Unmarshal(b, &side); err != nil {
			t.Fatal(err)
		}
		if math.Abs(side.Params.Nu/tc.nu-1) > 1e-12 || side.Params.NuAuto != tc.auto {
			t.Fatalf("args %v: sidecar ν = %g (auto %v), want %g (auto %v)", tc.args, side.Params.Nu, side.Params.NuAuto, tc.nu, tc.auto)
		}
	}
}
