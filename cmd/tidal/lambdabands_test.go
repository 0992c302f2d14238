package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRolloutLambdaBandsHostile: bad --lambda-bands of `tidal rollout` are refused before any run or
// frame is read, each error naming the flag and the bad item or the conflicting flag, and nothing is
// written. The runs and --init do not exist: a check that came after reading them would report them
// missing instead.
func TestRolloutLambdaBandsHostile(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	base := []string{"rollout", "--idm", p("idm"), "--disc", p("disc"), "--init", p("init.npy"), "--out", p("out.npy")}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--lambda-bands", "0.5=14"}, []string{"--lambda-bands", "the last band 0.5=14: expected the edge inf"}},
		{[]string{"--lambda-bands", "0.5=14,0.1=3,inf=1"}, []string{"--lambda-bands", "band 0.1=3", "increasing"}},
		{[]string{"--lambda-bands", "0=3,inf=1"}, []string{"--lambda-bands", "band 0=3"}},
		{[]string{"--lambda-bands", "0.5=-1,inf=2"}, []string{"--lambda-bands", "band 0.5=-1", "λ in [0"}},
		{[]string{"--lambda-bands", "0.5=nan,inf=2"}, []string{"--lambda-bands", "band 0.5=NaN"}},
		{[]string{"--lambda-bands", "0.5=inf,inf=2"}, []string{"--lambda-bands", "band 0.5=+Inf"}},
		{[]string{"--lambda-bands", "abc"}, []string{"--lambda-bands", `item "abc"`}},
		{[]string{"--lambda-bands", "x=3,inf=1"}, []string{"--lambda-bands", `item "x=3"`, "not a number"}},
		{[]string{"--lambda-bands", " "}, []string{"--lambda-bands", "no bands"}},
		{[]string{"--lambda-bands", "0.5=14,inf=4", "--lambda", "20"}, []string{"--lambda 20 and --lambda-bands 0.5=14,inf=4: give one of them"}},
		{[]string{"--lambda", "14", "--lambda-bands", "0.5=14,inf=4"}, []string{"--lambda 14 and --lambda-bands"}},
		{[]string{"--lambda-bands", "0.5=14,inf=4", "--guide-sigma-max", "1"}, []string{"--guide-sigma-max 1 and --lambda-bands 0.5=14,inf=4: give one of them"}},
	} {
		_, err := runTidal(t, append(append([]string{}, base...), c.args...)...)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want one containing %q", c.args, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), "idm") {
			t.Errorf("%v: the runs were read before the flags were checked: %v", c.args, err)
		}
		if _, serr := os.Stat(p("out.npy")); serr == nil {
			t.Fatalf("%v: the refused rollout wrote --out", c.args)
		}
	}
	// Valid bands pass the flags' checks and reach the inputs, which do not exist here.
	_, err := runTidal(t, append(append([]string{}, base...), "--lambda-bands", "0.05=40,0.5=14,inf=4")...)
	if err == nil || strings.Contains(err.Error(), "lambda") {
		t.Errorf("valid bands: %v, want an error about the missing runs, not the flags", err)
	}
}
