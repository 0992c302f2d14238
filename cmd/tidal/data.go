package main

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/datagen"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// dataCmd groups the dataset generators.
var dataCmd = &cobra.Command{
	Use: "data",
	Example: `  tidal data waves --out waves.npy --size 32 --frames 200
  tidal data navier-stokes --out ns.npy --size 64 --frames 2000 --split 0.7,0.1,0.2`,
	Short: "Generate datasets: forced 2D turbulence (navier-stokes), travelling waves (waves) and robot-pushing videos (pushing)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		return cmd.Help()
	},
}

func init() {
	rootCmd.AddCommand(dataCmd)
	dataCmd.AddCommand(newNavierStokesCmd(), newWavesCmd())
}

const splitHelp = `split the frames into three contiguous files, train,val,test fractions summing to 1, e.g. 0.8,0.1,0.1 ` +
	`(FILE.npy becomes FILE_train.npy, FILE_val.npy, FILE_test.npy, each with its .json)`

func newNavierStokesCmd() *cobra.Command {
	o := datagen.NavierStokesOptions{DatasetOptions: navierstokes.DefaultDatasetOptions(navierstokes.PaperN)}
	o.Frames = 100
	var quiet bool
	cmd := &cobra.Command{
		Use:   "navier-stokes --out FILE.npy [flags]",
		Short: "Simulate forced 2D turbulence and save vorticity (and velocity) frames",
		Long: `navier-stokes integrates the forced vorticity equation on the 2π-periodic square,

  ∂ζ/∂t + u·∇ζ = F − μζ − ν(−∇²)^nν ζ,

pseudo-spectrally with 2/3-rule dealiasing and the ETDRK4 stepper, forced white-in-time on a ring of
wavenumbers around k_f at energy injection rate ε (Hess et al. 2025, App. C.1; docs/NAVIER_STOKES.md). It starts
from rest, discards --spinup steps, then saves a frame every --save-every steps to FILE.npy as
[frames, channels, N, N] float32 (channels ζ, or ζ, u, v with --velocity; x is the last axis), with every
parameter and the per-frame energy and enstrophy in FILE.json. Defaults are the paper's.`,
		Example: `  tidal data navier-stokes --out ns.npy --size 64 --frames 200 --velocity --seed 1
  tidal data navier-stokes --out ns.npy --size 256 --frames 73000 --split 0.64,0.18,0.18`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Command, o.Stdout = cli.CommandLine(cmd), cmd.OutOrStdout()
			if !quiet {
				o.Log = cmd.ErrOrStderr()
			}
			_, err := datagen.NavierStokes(o)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "output FILE.npy (the sidecar is FILE.json); FILE.nc writes CF-style NetCDF fields(time, channel, y, x)")
	cli.AddOutFormatFlag(f, &o.OutFormat)
	f.IntVar(&o.N, "size", o.N, "grid points N per side (even; the domain is 2π × 2π)")
	f.IntVar(&o.Frames, "frames", o.Frames, "number of frames to save")
	f.BoolVar(&o.Velocity, "velocity", false, "also save the velocity (u, v) as channels 2 and 3")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the forcing noise")
	f.IntVar(&o.Spinup, "spinup", o.Spinup, "solver steps run from rest and discarded before frame 0 (≥ 6000 reaches steady energy at dt 0.005)")
	f.IntVar(&o.SaveEvery, "save-every", o.SaveEvery, "solver steps between saved frames")
	f.StringVar(&o.Nu, "nu", "auto", `hyperviscosity ν, or "auto": the ν whose damping ν·M^(2nν) at the dealiasing cutoff M equals the paper's on 256² (2e-7 at 256², larger on coarser grids, where 2e-7 lets enstrophy pile up at the cutoff)`)
	f.IntVar(&o.NuOrder, "nu-order", o.NuOrder, "viscosity order nν: dissipation ν|k|^(2nν) (1 = ordinary viscosity)")
	f.Float64Var(&o.Mu, "drag", o.Mu, "linear drag μ (1/time)")
	f.Float64Var(&o.Kf, "kf", o.Kf, "forcing wavenumber k_f (modes per 2π)")
	f.Float64Var(&o.DeltaF, "delta-f", o.DeltaF, "width δ_f of the forcing ring (wavenumber)")
	f.Float64Var(&o.Eps, "eps", o.Eps, "energy injection rate ε (energy/time; 0 = unforced)")
	f.Float64Var(&o.Dt, "dt", o.Dt, "time step (the frame spacing is save-every × dt)")
	f.IntVar(&o.Workers, "workers", 0, "goroutines per step (0 = one per core)")
	f.StringVar(&o.Split, "split", "", splitHelp)
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func newWavesCmd() *cobra.Command {
	o := datagen.WavesOptions{Options: waves.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "waves --out FILE.npy [flags]",
		Short: "Generate the travelling-waves sanity dataset",
		Long: `waves writes sums of travelling plane waves on the 2π-periodic square,

  f_c(x, y, t) = Σ_j a sin(k_j·x − ω_j t + φ_j),  ω_j = c_j|k_j|,  a = sqrt(2/waves),

with random integer wavevectors, phases and phase speeds per channel: a field whose future is an exact
function of its past, for fast end-to-end tests of every model. The file is [frames, channels, N, N]
float32 like the navier-stokes data, with the waves drawn in FILE.json.`,
		Example: `  tidal data waves --out waves.npy --size 32 --frames 200 --seed 1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Stdout = cmd.OutOrStdout()
			return datagen.Waves(o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "output FILE.npy (the sidecar is FILE.json)")
	f.IntVar(&o.N, "size", o.N, "grid points N per side")
	f.IntVar(&o.Frames, "frames", o.Frames, "number of frames")
	f.IntVar(&o.Channels, "fields", o.Channels, "independent fields (channels) per frame")
	f.IntVar(&o.Waves, "waves", o.Waves, "waves summed per channel")
	f.IntVar(&o.KMax, "kmax", o.KMax, "largest wavevector component |kx|, |ky| (modes per 2π)")
	f.Float64Var(&o.SpeedMin, "speed-min", o.SpeedMin, "smallest phase speed (domain units per time unit)")
	f.Float64Var(&o.SpeedMax, "speed-max", o.SpeedMax, "largest phase speed (domain units per time unit)")
	f.Float64Var(&o.Dt, "dt", o.Dt, "time between frames")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the draw")
	f.StringVar(&o.Split, "split", "", splitHelp)
	cli.DeprecatedAlias(f, "channels", "fields")
	return cmd
}
