package navierstokes

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/sim/frames"
)

// DatasetOptions describe a dataset run: the flow, how long to spin it up, and which frames to save.
type DatasetOptions struct {
	Params
	// Frames is the number of frames to save (≥ 1).
	Frames int
	// SaveEvery is the number of solver steps between saved frames (≥ 1).
	SaveEvery int
	// Spinup is the number of solver steps run from rest and discarded before the first frame (≥ 0).
	Spinup int
	// Velocity adds the channels u and v after ζ.
	Velocity bool
	// Split, when not nil, holds the train, val and test fractions (frames.ParseSplit).
	Split []float64
	// NetCDFAttrs are added to the global attributes of NetCDF outputs (an output path ending in .nc),
	// e.g. the command's provenance.
	NetCDFAttrs []data.NCAttr
}

// DefaultDatasetOptions are the paper's (Hess et al. 2025, App. C.1) on an n × n grid: DefaultParams, a frame every 4
// steps, DefaultSpinup steps of spin-up, vorticity only.
func DefaultDatasetOptions(n int) DatasetOptions {
	return DatasetOptions{Params: DefaultParams(n), Frames: 1, SaveEvery: DefaultSaveEvery, Spinup: DefaultSpinup}
}

// Validate checks every option, naming the first bad one.
func (o DatasetOptions) Validate() error {
	if err := o.Params.Validate(); err != nil {
		return err
	}
	switch {
	case o.Frames < 1:
		return fmt.Errorf("frames = %d: expected at least 1", o.Frames)
	case o.SaveEvery < 1:
		return fmt.Errorf("save-every = %d: expected at least 1 step", o.SaveEvery)
	case o.Spinup < 0:
		return fmt.Errorf("spin-up = %d: expected ≥ 0 steps", o.Spinup)
	}
	return nil
}

// TotalSteps is the number of solver steps a run takes: the spin-up, then SaveEvery per frame after
// the first (frame 0 is the state at the end of the spin-up).
func (o DatasetOptions) TotalSteps() int { return o.Spinup + (o.Frames-1)*o.SaveEvery }

// Sidecar is the JSON written next to each NPY file of a dataset.
type Sidecar struct {
	Generator string   `json:"generator"`
	Layout    string   `json:"layout"`
	Shape     []int    `json:"shape"`
	Channels  []string `json:"channels"`
	frames.Part
	TotalFrames int           `json:"total_frames"`
	Conventions string        `json:"conventions"`
	Params      SidecarParams `json:"params"`
	// FrameDt is the time between consecutive frames, SaveEvery·Dt.
	FrameDt float64 `json:"frame_dt"`
	// Time, Energy and Enstrophy are per frame of this file: t, E = ½⟨u²+v²⟩ and Z = ½⟨ζ²⟩.
	Time      []float64 `json:"time"`
	Energy    []float64 `json:"energy"`
	Enstrophy []float64 `json:"enstrophy"`
}

// SidecarParams record every parameter of the run, ν as used (after auto).
type SidecarParams struct {
	N         int     `json:"n"`
	Domain    float64 `json:"domain_length"`
	Nu        float64 `json:"nu"`
	NuAuto    bool    `json:"nu_auto"`
	NuOrder   int     `json:"nu_order"`
	Mu        float64 `json:"mu"`
	Kf        float64 `json:"kf"`
	DeltaF    float64 `json:"delta_f"`
	Eps       float64 `json:"eps"`
	Dt        float64 `json:"dt"`
	Seed      uint64  `json:"seed"`
	Spinup    int     `json:"spinup_steps"`
	SaveEvery int     `json:"save_every"`
	Cutoff    int     `json:"dealias_cutoff"`
	Stepper   string  `json:"stepper"`
	Forcing   string  `json:"forcing"`
}

// Conventions is the sign and layout convention recorded in every sidecar.
const Conventions = "vorticity equation on the 2π-periodic square; psi_hat = -zeta_hat/|k|^2, " +
	"u = -dpsi/dy, v = dpsi/dx (zeta = dv/dx - du/dy); arrays [frame, channel, y, x], x_j = y_j = 2πj/N"

// Summary reports a finished dataset run.
type Summary struct {
	// Parts are the files written.
	Parts []frames.Part
	// Steps is the number of solver steps taken; Time, Energy and Enstrophy describe the last frame.
	Steps                   int
	Time, Energy, Enstrophy float64
}

// WriteDataset runs the flow of o and streams its frames to out (a .npy path; with o.Split, three
// files out_train.npy, out_val.npy, out_test.npy), each with a JSON Sidecar. Every option and the output
// path are checked before the first step, and on any error nothing is left on disk. progress, if not
// nil, is called with the number of steps done and the total.
func WriteDataset(o DatasetOptions, out string, progress func(done, total int)) (Summary, error) {
	if err := o.Validate(); err != nil {
		return Summary{}, err
	}
	channels := []string{"zeta"}
	if o.Velocity {
		channels = append(channels, "u", "v")
	}
	n := o.N
	nc := frames.NetCDF{Channels: channels, TimeStart: float64(o.Spinup) * o.Params.Dt, TimeStep: float64(o.SaveEvery) * o.Params.Dt,
		Attrs: []data.NCAttr{data.TextAttr("title", "forced 2D turbulence (tidal data navier-stokes)"),
			data.NumAttr("size", data.NCInt, float64(n)), data.NumAttr("seed", data.NCDouble, float64(o.Params.Seed)),
			data.NumAttr("dt", data.NCDouble, o.Params.Dt), data.NumAttr("kf", data.NCDouble, o.Params.Kf)}}
	nc.Attrs = append(nc.Attrs, o.NetCDFAttrs...)
	fw, err := frames.CreateWith(out, o.Frames, o.Split, len(channels), n, n, nc)
	if err != nil {
		return Summary{}, err
	}
	defer fw.Abort()
	s, err := New(o.Params)
	if err != nil {
		return Summary{}, err
	}
	total := o.TotalSteps()
	step := func() {
		s.Step()
		if progress != nil {
			progress(int(s.Steps()), total)
		}
	}
	for i := 0; i < o.Spinup; i++ {
		step()
	}
	var times, energy, enstrophy []float64
	frame := make([]float64, fw.FrameSize())
	for f := 0; f < o.Frames; f++ {
		if f > 0 {
			for i := 0; i < o.SaveEvery; i++ {
				step()
			}
		}
		e, z := s.Energy(), s.Enstrophy()
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return Summary{}, fmt.Errorf("the flow blew up before frame %d (t = %g): lower dt or raise ν", f, s.Time())
		}
		times, energy, enstrophy = append(times, s.Time()), append(energy, e), append(enstrophy, z)
		s.Vorticity(frame[:n*n])
		if o.Velocity {
			s.Velocity(frame[n*n:2*n*n], frame[2*n*n:])
		}
		if err := fw.WriteFrame(frame); err != nil {
			return Summary{}, err
		}
	}
	p := s.Params()
	params := SidecarParams{
		N: n, Domain: 2 * math.Pi, Nu: p.Nu, NuAuto: p.NuAuto, NuOrder: p.NuOrder, Mu: p.Mu, Kf: p.Kf,
		DeltaF: p.DeltaF, Eps: p.Eps, Dt: p.Dt, Seed: p.Seed, Spinup: o.Spinup, SaveEvery: o.SaveEvery,
		Cutoff: Cutoff(n), Stepper: "ETDRK4 (Cox & Matthews), linear terms exact",
		Forcing: "white in time, Gaussian ring exp(-(|k|-kf)^2/(2 delta_f^2)), normalised to injection rate eps",
	}
	err = fw.Commit(func(part frames.Part) any {
		lo, hi := part.First, part.First+part.Count
		return Sidecar{
			Generator: "tidal data navier-stokes", Layout: "[frame, channel, y, x] float32, C order",
			Shape: []int{part.Count, len(channels), n, n}, Channels: channels, Part: part,
			TotalFrames: o.Frames, Conventions: Conventions, Params: params,
			FrameDt: float64(o.SaveEvery) * p.Dt,
			Time:    times[lo:hi], Energy: energy[lo:hi], Enstrophy: enstrophy[lo:hi],
		}
	})
	if err != nil {
		return Summary{}, err
	}
	return Summary{Parts: fw.Parts(), Steps: int(s.Steps()), Time: s.Time(), Energy: s.Energy(), Enstrophy: s.Enstrophy()}, nil
}
