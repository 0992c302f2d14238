// Package forecastrun runs the forecasts of `tidal forecast` and the reference forecasts of
// `tidal baseline` from plain options, the values of their flags: it checks the options and the inputs
// (their headers first, then their values within the memory budget), loads the model of a run of
// `tidal train dydiff` (DyDiff, Guo et al. 2025, §3: fields, time series, videos with actions, or a VAE's
// latent space), resolves its sampler, chooses the cases, checks the memory and disk budgets and that no
// output overwrites an input, forecasts and writes the forecast, its truth and their sidecars as one
// group. Its errors name the flag or the file the user gave. The command line maps its flags onto
// Options and BaselineOptions and nothing else (docs/DYDIFF.md, docs/SERIES.md, docs/LATENT.md,
// docs/VIDEO.md, docs/GUIDED.md).
package forecastrun

import (
	"context"
	"fmt"
	"io"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// Options are the settings of one `tidal forecast`, named for the flags that give them (docs/DYDIFF.md
// has each flag's meaning and default); the errors of Forecast name those flags.
type Options struct {
	// Run is the DyDiff run (--run), Data the test data (--data), Disc a discriminator run guiding the
	// sampler (--disc), Latent the VAE run of a latent DyDiff run (--latent), Actions the actions of a
	// model trained with them (--actions; "none" ignores a video file's own).
	Run, Data, Disc, Latent, Actions string
	// The outputs: the forecast (--out), its truth (--truth-out; empty: beside Out), and for a time
	// series its quantiles and sample paths (--quantiles-out, --samples-out; empty: beside Out).
	Out, TruthOut, QuantilesOut, SamplesOut string
	// Start and Freq time-stamp a series' outputs (--start, --freq); Format is --format (npy, nc or
	// empty: by the names' extensions).
	Start, Freq, Format string
	// The sampler (--sampler, --sampler-steps, --ddim-eta, --clip-x0, --sigma-max; zero values: the
	// model's) and the guidance strength λ with Disc (--lambda).
	Sampler                           string
	Steps                             int
	DDIMEta, ClipX0, SigmaMax, Lambda float64
	// Members per case (--members), frames per case (--lead; 0: the model's --predict), the number of
	// cases (--cases) or their start frames (--starts), and the seed of the sampling noise (--seed).
	Members, Lead, Cases int
	Starts               []int
	Seed                 uint64
	Series               cli.SeriesFlags
	Static               cli.StaticFlags
	// Budget bounds the memory and disk the forecast may use (the zero value: what the machine has), and
	// Backend makes the backend that samples (nil: cli.NewBackend, the one --backend names), returning
	// its name.
	Budget  guard.Budget
	Backend func() (string, compute.Backend, error)
	// Given says whether the user gave the flag name (--cases, --lambda, the series flags); nil: none
	// was given.
	Given func(name string) bool
	// Command is the command line recorded in NetCDF outputs' provenance (cli.CommandLine).
	Command string
	// Stdout hears the summary line, Stderr the warnings and (unless Quiet) the progress; nil: silent.
	Stdout, Stderr io.Writer
	Quiet          bool
	// Context cancels the forecast (nil: never).
	Context context.Context
}

// given is o.Given, false for every flag when it is nil.
func (o *Options) given(name string) bool { return o.Given != nil && o.Given(name) }

// casesGiven says whether --cases (or its deprecated name --num-cases) was given.
func (o *Options) casesGiven() bool { return o.given("cases") || o.given("num-cases") }

// stdout is o.Stdout, or a writer that discards.
func (o *Options) stdout() io.Writer { return orDiscard(o.Stdout) }

// stderr is o.Stderr, or a writer that discards.
func (o *Options) stderr() io.Writer { return orDiscard(o.Stderr) }

// progress is where the sampler's progress goes: nil when Quiet.
func (o *Options) progress() io.Writer {
	if o.Quiet {
		return nil
	}
	return o.Stderr
}

// ctx is o.Context, or the background context.
func (o *Options) ctx() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
}

// warn prints a warning (a damaged snapshot skipped, say) to o.Stderr.
func (o *Options) warn(f string, a ...any) { fmt.Fprintf(o.stderr(), "warning: "+f+"\n", a...) }

// samplerOptions are the sampler's options as dymodel.SamplerOptions (no guide).
func (o *Options) samplerOptions() dymodel.SamplerOptions {
	return dymodel.SamplerOptions{Kind: o.Sampler, Steps: o.Steps, EtaDDIM: o.DDIMEta, ClipX0: o.ClipX0, SigmaMax: o.SigmaMax}
}

// maker says what made the forecast, for its sidecars: the model of --run at its snapshot's step.
func (o *Options) maker(step int) cli.Maker {
	return cli.Maker{Kind: forecast.KindForecast, Method: "dydiff", Model: o.Run, Members: o.Members, Step: step, Seed: o.Seed}
}

// backendNamed starts the backend of o.Backend (or --backend) when called, and the name it had.
func (o *Options) backendNamed() (*string, func() (compute.Backend, error)) {
	var name string
	mk := o.Backend
	if mk == nil {
		mk = cli.NewBackend
	}
	return &name, func() (compute.Backend, error) {
		n, be, err := mk()
		name = n
		return be, err
	}
}

// orDiscard is w, or a writer that discards when w is nil.
func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
