// Package trainrun prepares the training runs of `tidal train dydiff` and `tidal train vae` from plain
// options, the values of their flags: it resolves the defaults that depend on the data and on a run
// recorded before, refuses bad options with errors that name the flag or the file the user gave, reads
// and checks the inputs within the memory budget, builds the model (DyDiff, Guo et al. 2025, on fields,
// time series, videos with actions or a VAE's latent space; the VAE of latent diffusion, Rombach et al.
// 2022) and returns the training job of package train, which the command runs. The command line maps
// its flags onto Options and nothing else (docs/DYDIFF.md, docs/SERIES.md, docs/LATENT.md,
// docs/VIDEO.md).
package trainrun

import (
	"errors"
	"io"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/train"
)

// Options are the settings of one DyDiff training run, named for the flags of `tidal train dydiff`
// that give them (docs/DYDIFF.md has each flag's meaning and default); the errors of Prepare name
// those flags.
type Options struct {
	// Data and Val are the training and validation files (--data, --val), Run the run directory
	// (--run), Latent a VAE run to train in the latent space of (--latent), Actions "none" to train on
	// a video file without its actions (--actions).
	Data, Val, Run, Latent, Actions string
	// The model (--net, --noising, --param, --anchor, the EDM settings, the window, --eta).
	Net, Noising, Param, Anchor, EDMOutput string
	SigmaData, PMean, PStd, Eta, CtxNoise  float64
	Context, Predict, Stride               int
	// The UNet and the video UNet (--channels, --mults, --blocks, --attn-levels, --heads, --groups,
	// --head, --dropout, --temporal-conv, --temporal-attn, --periodic, --periodic-lon); SeriesNet
	// takes Channels and Blocks too, and Rank and TimeAttn; the DiT takes DiT and Heads.
	Channels, Blocks, Heads, Groups, Rank           int
	Mults, AttnLevels, TemporalConv, TemporalAttn   []int
	Head                                            string
	Dropout                                         float64
	Periodic, PeriodicLon, TimeAttn                 bool
	DiT                                             DiT
	Series                                          cli.SeriesFlags
	Static                                          cli.StaticFlags
	Steps, Batch, Warmup, LogEvery, CheckpointEvery int
	KeepCheckpoints, ValEvery, ValBatches           int
	PreviewEvery, PreviewCases, PreviewMembers      int
	PreviewSteps                                    int
	Schedule                                        string
	LR, WeightDecay, ClipGradNorm, EMAHalfLife      float64
	EMARampUp                                       float64
	Seed                                            uint64
	StartOver                                       bool
	// Budget bounds the memory and disk the run may use (the zero value: what the machine has), and
	// Backend makes the backend that trains (nil: the one $TIDAL_BACKEND names, default "go"), returning
	// its name.
	Budget  guard.Budget
	Backend func() (string, compute.Backend, error)
	// Given says whether the user gave the flag name (its value then wins over a default that depends
	// on the data or on a recorded run); nil: none was given.
	Given func(name string) bool
	// Resolved hears a flag whose value Prepare chose from the data (a video's --p-mean and
	// --periodic), so that the command records what the run used; nil: nobody.
	Resolved func(name, value string)
	// Log hears the loop's progress and a series run's summary line (nil: silent); Stderr the summary
	// line of the other runs (nil: silent).
	Log, Stderr io.Writer
}

// DiT sizes nets.DiT for --net dit (--patch, --hidden, --depth; docs/NETS.md, "DiT").
type DiT struct{ Patch, Hidden, Depth int }

// The DiT's defaults on the command line: nets.DiT's own, a CPU-sized DiT; with --heads's default, 1,
// its one head is 64 channels wide, as DiT's heads are.
const (
	DiTDefaultPatch, DiTDefaultHidden, DiTDefaultDepth = 4, 64, 4
)

// Run is a prepared training run: the job to run, the run directory (whose Guard removes a run that
// fails before its first step) and what to release when done.
type Run struct {
	Job     train.Job
	Out     *cli.TrainOut
	release []func()
}

// Close releases the run's backend and VAE.
func (r *Run) Close() {
	for i := len(r.release) - 1; i >= 0; i-- {
		r.release[i]()
	}
	r.release = nil
}

// NetworkError is a network that cannot be built from the options (nets and dymodel speak of their
// fields: Groups, Heads, levels); the command names the flag behind it. What is the data the network
// was sized for, Options the options as resolved.
type NetworkError struct {
	What    string
	Err     error
	Options Options
}

// Error is the library's words.
func (e *NetworkError) Error() string { return "the network for " + e.What + ": " + e.Err.Error() }

// Unwrap is the network's error.
func (e *NetworkError) Unwrap() error { return e.Err }

// AsNetworkError is err's NetworkError, or nil.
func AsNetworkError(err error) *NetworkError {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne
	}
	return nil
}

// given is o.Given, false for every flag when it is nil.
func (o *Options) given(name string) bool { return o.Given != nil && o.Given(name) }

// resolved tells o.Resolved of a value chosen from the data.
func (o *Options) resolved(name, value string) {
	if o.Resolved != nil {
		o.Resolved(name, value)
	}
}

// stderr is o.Stderr, or a writer that discards.
func (o *Options) stderr() io.Writer {
	if o.Stderr == nil {
		return io.Discard
	}
	return o.Stderr
}

// log is o.Log, or a writer that discards.
func (o *Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// newBackend makes a run's backend with mk, or the one $TIDAL_BACKEND names when mk is nil.
func newBackend(mk func() (string, compute.Backend, error)) (string, compute.Backend, error) {
	if mk != nil {
		return mk()
	}
	name, err := backend.Resolve("")
	if err != nil {
		return "", nil, err
	}
	be, err := backend.New(name)
	return name, be, err
}
