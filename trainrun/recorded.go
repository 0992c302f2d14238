package trainrun

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/dymodel"
)

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
func recordedConfig(dir string) map[string]any {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return nil
	}
	var rec struct {
		Config map[string]any `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil || rec.Config["method"] != dymodel.Method {
		return nil
	}
	return rec.Config
}

// recordedGuards are the two guards against unstable field training a DyDiff run in dir records: the
// gradient-norm clipping and the context noise (0 for runs recorded before they had defaults); false
// when dir holds no DyDiff run.
func recordedGuards(dir string) (clip, contextNoise float64, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return 0, 0, false
	}
	var rec struct {
		Options struct {
			Clip float64 `json:"clip_grad_norm"`
		} `json:"options"`
		Config dymodel.Config `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil || rec.Config.Method != dymodel.Method {
		return 0, 0, false
	}
	return rec.Options.Clip, rec.Config.ContextNoise, true
}

// recordedMethod is the method recorded in the options.json of the run directory dir ("" if none).
func recordedMethod(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return ""
	}
	var rec struct {
		Config struct {
			Method string `json:"method"`
		} `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil || rec.Config.Method == "" {
		return "unknown"
	}
	return rec.Config.Method
}
