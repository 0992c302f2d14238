package cli

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// CheckNavierStokesFlags refuses out-of-range and non-finite flags of `data navier-stokes`, naming the
// flag, and a run whose frames exceed the disk budget or whose solver exceeds the memory budget.
// Relations between flags (k_f below the dealiasing cutoff, ...) are left to DatasetOptions.Validate.
func CheckNavierStokesFlags(o navierstokes.DatasetOptions, out string) error {
	if err := guard.First(
		guard.Int("size", o.N, 8, 8192), guard.Int("frames", o.Frames, 1, math.MaxInt32),
		guard.Int("spinup", o.Spinup, 0, math.MaxInt32), guard.Int("save-every", o.SaveEvery, 1, math.MaxInt32),
		guard.Int("nu-order", o.NuOrder, 1, 8), guard.Int("workers", o.Workers, 0, 4096),
		guard.AtLeast("drag", o.Mu, 0), guard.AtLeast("eps", o.Eps, 0), guard.Finite("kf", o.Kf),
		guard.Finite("delta-f", o.DeltaF), guard.Finite("dt", o.Dt),
	); err != nil {
		return err
	}
	if !o.NuAuto {
		if err := guard.AtLeast("nu", o.Nu, 0); err != nil {
			return err
		}
	}
	// The library's Validate checks the same, naming the quantities (N, dt, k_f, δ_f); here the flags.
	switch {
	case o.N%2 != 0:
		return fmt.Errorf("--size %d: expected an even number of grid points ≥ 8", o.N)
	case !(o.Dt > 0):
		return fmt.Errorf("--dt %g: expected a time step > 0", o.Dt)
	case o.Eps > 0 && !(o.Kf > 0):
		return fmt.Errorf("--kf %g: expected a forcing wavenumber > 0", o.Kf)
	case o.Eps > 0 && !(o.DeltaF > 0):
		return fmt.Errorf("--delta-f %g: expected a forcing width > 0", o.DeltaF)
	case o.Eps > 0 && o.Kf >= float64(navierstokes.Cutoff(o.N)):
		m := navierstokes.Cutoff(o.N)
		largest := fmt.Sprintf("the largest whole one is --kf %d", m-1)
		if m <= 1 {
			largest = "no whole one fits"
		}
		return fmt.Errorf("--kf %g: --size %d dealiases wavenumbers ≥ %d, so the forcing wavenumber must lie in (0, %d): %s (or --kf %g needs --size ≥ %d)",
			o.Kf, o.N, m, m, largest, o.Kf, minSizeForKf(o.Kf))
	}
	channels := int64(1)
	if o.Velocity {
		channels = 3
	}
	n2 := guard.Product(int64(o.N), int64(o.N))
	// The solver holds about 190 bytes per grid point (spectral work arrays, operators, ETDRK4 weights), the
	// frame buffers 12 per value, and the sidecars 3 float64 series per frame.
	mem := guard.Sum(guard.Product(n2, 256), guard.Product(channels, n2, 12), guard.Product(int64(o.Frames), 3*8*2))
	what := fmt.Sprintf("navier-stokes on %d² with %d frames of %d channels", o.N, o.Frames, channels)
	return checkFrameBudget(what, out, mem, int64(o.Frames), guard.Product(channels, n2))
}

// CheckWavesFlags refuses out-of-range and non-finite flags of `data waves`, naming the flag, and a run
// beyond the disk or memory budget.
func CheckWavesFlags(o waves.Options, out string) error {
	if err := guard.First(
		guard.Int("size", o.N, 4, 1<<15), guard.Int("frames", o.Frames, 1, math.MaxInt32),
		guard.Int("fields", o.Channels, 1, 1<<16), guard.Int("waves", o.Waves, 1, 1<<16),
		guard.Int("kmax", o.KMax, 1, max(1, o.N/2-1)),
		guard.AtLeast("speed-min", o.SpeedMin, 0), guard.AtLeast("speed-max", o.SpeedMax, o.SpeedMin),
		guard.Finite("dt", o.Dt),
	); err != nil {
		return err
	}
	frame := guard.Product(int64(o.Channels), int64(o.N), int64(o.N))
	// A frame as float64 and as float32, the drawn waves, and the frame times.
	mem := guard.Sum(guard.Product(frame, 12), guard.Product(int64(o.Channels), int64(o.Waves), 64), guard.Product(int64(o.Frames), 16))
	what := fmt.Sprintf("waves on %d² with %d frames of %d channels", o.N, o.Frames, o.Channels)
	return checkFrameBudget(what, out, mem, int64(o.Frames), frame)
}

// checkFrameBudget checks a frames dataset's memory and its output, frames × frameValues float32
// (plus about 64 bytes of sidecar per frame), against --max-memory and --max-disk.
func checkFrameBudget(what, out string, mem, frames, frameValues int64) error {
	b, err := Budget()
	if err != nil {
		return err
	}
	if err := b.CheckMemory(what, mem); err != nil {
		return err
	}
	return b.CheckDisk(what, out, guard.Sum(guard.Product(frames, frameValues, 4), guard.Product(frames, 64)))
}

// minSizeForKf is the smallest even grid size whose dealiasing cutoff lies above the forcing
// wavenumber kf.
func minSizeForKf(kf float64) int {
	n := 2
	for float64(navierstokes.Cutoff(n)) <= kf && n < 1<<20 {
		n += 2
	}
	return n
}
