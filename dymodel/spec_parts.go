package dymodel

import (
	"fmt"
	"reflect"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/train"
)

// The parts TrainSpec and SeriesTrainSpec share: the loop's options, the previews and the backend a
// trainer makes for itself.

// loopOptions is a spec's loop options: DefaultTrainOptions() for the zero value, validation and
// previews off without validation data, then validated.
func loopOptions(o train.Options, hasVal bool) (train.Options, error) {
	if reflect.DeepEqual(o, train.Options{}) {
		o = DefaultTrainOptions()
	}
	if !hasVal {
		o.ValEvery, o.PreviewEvery = 0, 0
	}
	if err := o.Validate(); err != nil {
		return o, fmt.Errorf("dymodel: training options: %w", err)
	}
	return o, nil
}

// previewOptions is a spec's preview sizes (nil: DefaultPreview()), refused below one case, two
// members or one step.
func previewOptions(p *PreviewOptions) (PreviewOptions, error) {
	po := DefaultPreview()
	if p != nil {
		po = *p
	}
	if po.Cases < 1 || po.Members < 2 || po.Steps < 1 {
		return po, fmt.Errorf("dymodel: preview %+v: expected at least 1 case, 2 members and 1 step", po)
	}
	return po, nil
}

// ownBackend gives a job without a backend the one $TIDAL_BACKEND names, which Close releases.
func (t *Trainer) ownBackend() error {
	if t.Job.Backend != nil {
		return nil
	}
	name, err := backend.Resolve("")
	if err != nil {
		return err
	}
	if t.own, err = backend.New(name); err != nil {
		return err
	}
	t.Job.Backend = t.own
	return nil
}
