package train

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// The learning rate rises linearly over the warm-up, then stays (constant) or follows a half cosine
// from lr at the first step after the warm-up to min_lr (never reached: the last step has p < 1).
func TestLearningRate(t *testing.T) {
	o := Defaults()
	o.Steps, o.LR, o.WarmupSteps, o.MinLR = 14, 0.1, 4, 0.02
	for s, want := range map[int]float64{1: 0.025, 2: 0.05, 4: 0.1, 5: 0.1, 14: 0.1} {
		if got := o.LearningRate(s); math.Abs(got-want) > 1e-15 {
			t.Errorf("constant: step %d lr %v, want %v", s, got, want)
		}
	}
	o.Schedule = "cosine"
	for s, want := range map[int]float64{2: 0.05, 5: 0.1, 10: 0.06, 14: 0.02 + 0.08*(1+math.Cos(math.Pi*0.9))/2} {
		if got := o.LearningRate(s); math.Abs(got-want) > 1e-15 {
			t.Errorf("cosine: step %d lr %v, want %v", s, got, want)
		}
	}
}

// EDM's EMA: β = 0.5^(batch/h), h the half-life in samples, capped by ramp-up × samples seen before
// the step; so the average halves the weight of old weights every h samples, and starts as a copy.
func TestEMABeta(t *testing.T) {
	o := Defaults()
	o.BatchSize, o.EMAHalfLife, o.EMARampUp = 16, 1600, 0
	if got := math.Pow(o.EMABeta(7), 100); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("β^(h/batch) = %v, want ½", got)
	}
	o.EMARampUp = 0.5
	if got := o.EMABeta(1); got != 0 {
		t.Errorf("first step with ramp-up: β = %v, want 0 (the average becomes the weights)", got)
	}
	// Step 11: 160 samples seen, h = min(1600, 80) = 80, β = 0.5^(16/80).
	if got, want := o.EMABeta(11), math.Pow(0.5, 0.2); math.Abs(got-want) > 1e-15 {
		t.Errorf("ramping: β = %v, want %v", got, want)
	}
	if got, want := o.EMABeta(1000), math.Pow(0.5, 0.01); math.Abs(got-want) > 1e-15 {
		t.Errorf("after the ramp: β = %v, want %v", got, want)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := map[string]func(*Options){
		"accumulate":       func(o *Options) { o.Accumulate = 3 },
		"lr_schedule":      func(o *Options) { o.Schedule = "step" },
		"eps":              func(o *Options) { o.Eps = math.NaN() },
		"checkpoint_every": func(o *Options) { o.CheckpointEvery = 15 },
		"betas":            func(o *Options) { o.Beta2 = 1 },
		"devices":          func(o *Options) { o.Devices = 3 },
		"min_lr":           func(o *Options) { o.MinLR = 1 },
	}
	for name, f := range bad {
		o := Defaults()
		f(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming it", name, err)
		}
	}
}

// Options round-trip through JSON under their documented names (the run directory and a config file
// depend on it).
func TestOptionsJSON(t *testing.T) {
	o := Defaults()
	o.ClipNorm = 1.5
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"batch_size":16`, `"clip_grad_norm":1.5`, `"ema_halflife_samples":500000`, `"weight_decay":0.01`, `"eps":1e-8`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("%s missing from %s", k, b)
		}
	}
	var back Options
	if err := json.Unmarshal(b, &back); err != nil || back != o {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}
