package trainrun

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/dymodel"
)

// recorded is what a run directory's options.json says, as far as a resumed run reads it: one decoder
// serves every question below.
type recorded struct {
	exists bool           // the directory has an options.json
	clip   float64        // its options' clip_grad_norm (0 when absent)
	config map[string]any // its configuration as written, so that an absent key differs from a zero one
}

// readRecorded reads dir's options.json (a zero recorded when there is none).
func readRecorded(dir string) recorded {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return recorded{}
	}
	var rec struct {
		Options struct {
			Clip float64 `json:"clip_grad_norm"`
		} `json:"options"`
		Config map[string]any `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil {
		return recorded{exists: true}
	}
	return recorded{exists: true, clip: rec.Options.Clip, config: rec.Config}
}

// method is the recorded configuration's method ("" when none is recorded).
func (r recorded) method() string {
	m, _ := r.config["method"].(string)
	return m
}

// dydiff is the recorded configuration when it is a DyDiff run's, else nil.
func (r recorded) dydiff() map[string]any {
	if r.method() != dymodel.Method {
		return nil
	}
	return r.config
}

// recordsNoHead reports whether the run directory dir records a DyDiff UNet configuration without
// an output head: a run started before --head existed, whose network has the norm head.
func recordsNoHead(dir string) bool {
	c := recordedConfig(dir)
	if c == nil {
		return false
	}
	unet, ok := c["unet"].(map[string]any)
	if !ok {
		return false
	}
	_, ok = unet["head"]
	return !ok
}

// recordsNoParam reports whether the run directory dir records a DyDiff configuration without a
// training form: a run started before --param existed (for series, before series took it), trained in
// the ddpm form without an anchor.
func recordsNoParam(dir string) bool {
	c := recordedConfig(dir)
	if c == nil {
		return false
	}
	_, ok := c["param"]
	return !ok
}

// recordedEDM is the EDM settings an EDM-form DyDiff run in dir records: σ_data, and the output space
// ("" for runs recorded before --edm-output, whose network predicts the mixed variables); false when
// dir holds no such run.
func recordedEDM(dir string) (dymodel.EDMConfig, bool) {
	c := recordedConfig(dir)
	if c == nil || c["param"] != dymodel.ParamEDM {
		return dymodel.EDMConfig{}, false
	}
	edm, _ := c["edm"].(map[string]any)
	sd, ok := edm["sigma_data"].(float64)
	if !ok {
		return dymodel.EDMConfig{}, false
	}
	out, _ := edm["output"].(string)
	return dymodel.EDMConfig{SigmaData: sd, Output: out}, true
}

// recordedConfig is the DyDiff configuration recorded in dir's options.json, nil if there is none.
func recordedConfig(dir string) map[string]any { return readRecorded(dir).dydiff() }

// recordedGuards are the two guards against unstable field training a DyDiff run in dir records: the
// gradient-norm clipping and the context noise (0 for runs recorded before they had defaults); false
// when dir holds no DyDiff run.
func recordedGuards(dir string) (clip, contextNoise float64, ok bool) {
	r := readRecorded(dir)
	c := r.dydiff()
	if c == nil {
		return 0, 0, false
	}
	noise, _ := c["context_noise"].(float64)
	return r.clip, noise, true
}

// recordedMethod is the method recorded in the options.json of the run directory dir: "" when there is
// no options.json, "unknown" when it records none.
func recordedMethod(dir string) string {
	r := readRecorded(dir)
	switch {
	case !r.exists:
		return ""
	case r.method() == "":
		return "unknown"
	}
	return r.method()
}
