package trainrun

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/dymodel"
)

// TestRecordsNoHead checks which run directories resume with the head they were trained with when
// --head is not given: only a DyDiff UNet run whose options.json records no head (a run from before
// --head, trained with the norm head).
func TestRecordsNoHead(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    bool
	}{
		{"", false}, // no options.json: a new run
		{`{"options":{},"config":{"method":"dydiff","net":"unet","unet":{"channels":16}}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","unet":{"channels":16,"head":"linear"}}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","unet":{"channels":16,"head":"norm"}}}`, false},
		{`{"options":{},"config":{"method":"idm","unet":{"channels":16}}}`, false},
		{`not json`, false},
	} {
		if got := recordsNoHead(runWithOptions(t, tc.options)); got != tc.want {
			t.Errorf("options.json %q: recordsNoHead = %v, want %v", tc.options, got, tc.want)
		}
	}
}

// TestRecordsNoParam checks which run directories resume in the ddpm form without an anchor when
// --param and --anchor are not given: only a DyDiff run whose options.json records no param (a run of
// fields from before --param, or of series from before series took it).
func TestRecordsNoParam(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    bool
	}{
		{"", false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","unet":{"channels":16}}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"video","unet":{"channels":16}}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","anchor":"last"}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"ddpm"}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"series"}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"series","param":"edm","anchor":"last"}}`, false},
		{`{"options":{},"config":{"method":"idm","unet":{"channels":16}}}`, false},
		{`not json`, false},
	} {
		if got := recordsNoParam(runWithOptions(t, tc.options)); got != tc.want {
			t.Errorf("options.json %q: recordsNoParam = %v, want %v", tc.options, got, tc.want)
		}
	}
}

// TestRecordedEDM checks which EDM settings a run directory resumes with when --sigma-data and
// --edm-output are not given: those an EDM-form DyDiff run records, the output "" (mixed) for a run
// recorded before --edm-output; none for other runs.
func TestRecordedEDM(t *testing.T) {
	for _, tc := range []struct {
		options string
		ok      bool
		want    dymodel.EDMConfig
	}{
		{"", false, dymodel.EDMConfig{}},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":1}}}`, true, dymodel.EDMConfig{SigmaData: 1}},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":0.5,"output":"window"}}}`, true, dymodel.EDMConfig{SigmaData: 0.5, Output: "window"}},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":1,"output":"dynamics"}}}`, true, dymodel.EDMConfig{SigmaData: 1, Output: "dynamics"}},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm"}}`, false, dymodel.EDMConfig{}},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"ddpm"}}`, false, dymodel.EDMConfig{}},
		{`{"options":{},"config":{"method":"idm","param":"edm","edm":{"sigma_data":1}}}`, false, dymodel.EDMConfig{}},
	} {
		got, ok := recordedEDM(runWithOptions(t, tc.options))
		if ok != tc.ok || got != tc.want {
			t.Errorf("options.json %q: recordedEDM = %+v, %v; want %+v, %v", tc.options, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRecordedGuards checks the clipping and context noise a run directory resumes with when the
// flags are not given: what a DyDiff run records (0 for what it does not record, as runs from before
// the defaults); none for other runs.
func TestRecordedGuards(t *testing.T) {
	for _, tc := range []struct {
		options     string
		clip, noise float64
		ok          bool
	}{
		{"", 0, 0, false},
		{`{"options":{"clip_grad_norm":1},"config":{"method":"dydiff","net":"unet","context_noise":0.05}}`, 1, 0.05, true},
		{`{"options":{},"config":{"method":"dydiff","net":"unet"}}`, 0, 0, true},
		{`{"options":{"clip_grad_norm":2},"config":{"method":"idm","context_noise":0.05}}`, 0, 0, false},
		{`not json`, 0, 0, false},
	} {
		clip, noise, ok := recordedGuards(runWithOptions(t, tc.options))
		if clip != tc.clip || noise != tc.noise || ok != tc.ok {
			t.Errorf("options.json %q: recordedGuards = %v, %v, %v; want %v, %v, %v", tc.options, clip, noise, ok, tc.clip, tc.noise, tc.ok)
		}
	}
}

// TestRecordedMethod: the recorded method, "" without options.json, "unknown" when it names none.
func TestRecordedMethod(t *testing.T) {
	for _, tc := range []struct{ options, want string }{
		{"", ""},
		{`{"options":{},"config":{"method":"vae"}}`, "vae"},
		{`{"options":{},"config":{"method":"dydiff"}}`, "dydiff"},
		{`{"options":{},"config":{}}`, "unknown"},
		{`{"options":{},"config":{"method":3}}`, "unknown"},
		{`not json`, "unknown"},
	} {
		if got := recordedMethod(runWithOptions(t, tc.options)); got != tc.want {
			t.Errorf("options.json %q: recordedMethod = %q, want %q", tc.options, got, tc.want)
		}
	}
}

// runWithOptions is a new folder holding options (none when empty) as options.json.
func runWithOptions(t *testing.T, options string) string {
	t.Helper()
	dir := t.TempDir()
	if options != "" {
		if err := os.WriteFile(filepath.Join(dir, "options.json"), []byte(options), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
