package main

import (
	"os"
	"path/filepath"
	"testing"
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

// TestRecordsNoEDMOutput checks which run directories resume with the mixed (dynamics) output when
// --edm-output is not given: only an EDM-form DyDiff run whose options.json records no output space
// (a run from before --edm-output).
func TestRecordsNoEDMOutput(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    bool
	}{
		{"", false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":1}}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm"}}`, true},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":1,"output":"window"}}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":1,"output":"dynamics"}}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet","param":"ddpm"}}`, false},
		{`{"options":{},"config":{"method":"dydiff","net":"unet"}}`, false},
		{`{"options":{},"config":{"method":"idm","param":"edm"}}`, false},
	} {
		if got := recordsNoEDMOutput(runWithOptions(t, tc.options)); got != tc.want {
			t.Errorf("options.json %q: recordsNoEDMOutput = %v, want %v", tc.options, got, tc.want)
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
