package guided

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/train"
)

// RunError is an error about the run directory Run, opened as a model of kind Kind (KindIDM, KindVDM
// or KindDiscriminator). Its message is "RUN: reason"; a command line puts the option that gave the run
// in front of it (Flag).
type RunError struct {
	Kind, Run string
	Err       error
}

func (e *RunError) Error() string { return e.Run + ": " + e.Err.Error() }

func (e *RunError) Unwrap() error { return e.Err }

// Flag is the option of `tidal rollout` that names a run of kind: "idm", "vdm" or "disc".
func Flag(kind string) string {
	if kind == KindDiscriminator {
		return "disc"
	}
	return kind
}

// Open reads the newest snapshot of the run directory run (of NewTrainer or `tidal train idm|vdm|
// discriminator`) and checks that it holds a model of the given kind with a valid normalisation, its
// network and, when it was trained with static fields (dataset.StaticConfig), those fields. Its errors
// are *RunError. warn hears about damaged snapshots newer than the one read (nil: silent).
func Open(run, kind string, warn func(string, ...any)) (*Model, error) {
	fail := func(format string, a ...any) (*Model, error) {
		return nil, &RunError{Kind: kind, Run: run, Err: fmt.Errorf(format, a...)}
	}
	snap, err := train.LatestSnapshot(run, warn)
	if err != nil {
		return fail("%w", err)
	}
	var cfg ModelConfig
	if err := json.Unmarshal(snap.Config, &cfg); err != nil {
		return fail("the snapshot's config is not a guided model's: %w", err)
	}
	if cfg.Kind != kind {
		k := cfg.Kind
		if k == "" {
			k = "another kind of model"
		}
		return fail("holds %s, expected a run of `tidal train %s`", k, kind)
	}
	if err := snap.Norm.Validate(cfg.Channels); err != nil {
		return fail("%w", err)
	}
	if (kind == KindDiscriminator) != (cfg.Disc != nil) || (kind != KindDiscriminator && (cfg.UNet == nil) == (cfg.DiT == nil)) {
		return fail("the snapshot's config lacks its network")
	}
	m := &Model{Run: run, Step: snap.Step, Config: cfg, Norm: snap.Norm, snap: snap}
	if cfg.Static != nil {
		if err := cfg.Static.Validate(); err != nil {
			return fail("%w", err)
		}
		if m.static, err = dataset.LoadStatic(run, cfg.Static.Channels, cfg.Height, cfg.Width); err != nil {
			return fail("%w", err)
		}
	}
	return m, nil
}

// OpenModels opens the model a rollout samples from, the image model run idm or else the video model
// run vdm, and the guide disc ("" for none), and checks that the guide fits the model (CheckGuide; Hess
// et al. 2025, §3). Errors about a run that does not open are *RunError; warn hears the runs' warnings.
func OpenModels(idm, vdm, disc string, warn func(string, ...any)) (m, d *Model, err error) {
	if idm != "" {
		m, err = Open(idm, KindIDM, warn)
	} else {
		m, err = Open(vdm, KindVDM, warn)
	}
	if err != nil || disc == "" {
		return m, nil, err
	}
	if d, err = Open(disc, KindDiscriminator, warn); err != nil {
		return nil, nil, err
	}
	if err := CheckGuide(m, d); err != nil {
		return nil, nil, err
	}
	return m, d, nil
}

// WithFlag puts the option that gave the run in front of a *RunError ("--idm RUN: …", Flag); other
// errors pass unchanged.
func WithFlag(err error) error {
	var re *RunError
	if errors.As(err, &re) {
		return fmt.Errorf("--%s %w", Flag(re.Kind), err)
	}
	return err
}
