package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// command builds a command with flags of each kind; run records the values seen when it runs.
func command(run func(cmd *cobra.Command)) *cobra.Command {
	cmd := &cobra.Command{Use: "train", RunE: func(cmd *cobra.Command, _ []string) error {
		if err := Apply(cmd); err != nil {
			return err
		}
		run(cmd)
		return nil
	}}
	cmd.Flags().Int("steps", 100, "")
	cmd.Flags().Float64("eta", 0.5, "")
	cmd.Flags().Bool("quick", false, "")
	cmd.Flags().String("out", "run", "")
	cmd.Flags().IntSlice("mults", []int{1, 2}, "")
	AddFlag(cmd)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplySetsUnchangedFlagsOnly(t *testing.T) {
	p := writeFile(t, "steps: 7\neta: 0.25\nquick: true\nout: other\nmults: [1, 2, 4]\n")
	var got map[string]any
	cmd := command(func(cmd *cobra.Command) { got = Resolved(cmd) })
	cmd.SetArgs([]string{"--config", p, "--steps", "9"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"steps": int64(9), "eta": 0.25, "quick": true, "out": "other"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v (%T), want %v", k, got[k], got[k], v)
		}
	}
	if m := strings.Join(got["mults"].([]string), ","); m != "1,2,4" {
		t.Errorf("mults = %s, want 1,2,4", m)
	}
	if _, ok := got[Flag]; ok {
		t.Error("Resolved holds --config itself")
	}
}

func TestApplyRefuses(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"unknown keys", "steps: 3\nstpes: 4\nlr: 1\n", "unknown keys lr, stpes"},
		{"mapping", "steps: {a: 1}\n", `key "steps": a mapping`},
		{"bad value", "steps: many\n", `key "steps": "many" is not a valid value`},
		{"not a mapping", "- 1\n- 2\n", "not a YAML mapping"},
		{"config key", "config: other.yaml\n", "unknown keys config"},
		{"nested list", "mults: [[1], [2]]\n", "nested list"},
		{"empty value", "out:\n", "empty value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.text)
			ran := false
			cmd := command(func(*cobra.Command) { ran = true })
			cmd.SetArgs([]string{"--config", p})
			err := cmd.Execute()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, p, c.want)
			}
			if ran {
				t.Error("the command ran after a bad config")
			}
		})
	}
	big := writeFile(t, "out: "+strings.Repeat("x", MaxBytes)+"\n")
	cmd := command(func(*cobra.Command) {})
	cmd.SetArgs([]string{"--config", big})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized config: %v", err)
	}
	dir := t.TempDir()
	cmd = command(func(*cobra.Command) {})
	cmd.SetArgs([]string{"--config", dir})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("folder as config: %v", err)
	}
}

// TestWriteRoundTrips: the resolved file, read back as a config, reproduces every value.
func TestWriteRoundTrips(t *testing.T) {
	out := filepath.Join(t.TempDir(), "resolved.yaml")
	first := command(func(cmd *cobra.Command) {
		if err := Write(cmd, out); err != nil {
			t.Fatal(err)
		}
	})
	first.SetArgs([]string{"--steps", "11", "--eta", "0.1", "--mults", "1,3", "--quick"})
	if err := first.Execute(); err != nil {
		t.Fatal(err)
	}
	var want, got map[string]any
	command(func(cmd *cobra.Command) { want = Resolved(cmd) }).Execute() // defaults, for contrast
	second := command(func(cmd *cobra.Command) { got = Resolved(cmd) })
	second.SetArgs([]string{"--config", out})
	if err := second.Execute(); err != nil {
		t.Fatal(err)
	}
	if got["steps"] != int64(11) || got["eta"] != 0.1 || got["quick"] != true || want["steps"] != int64(100) {
		t.Errorf("round trip gave %v (defaults %v)", got, want)
	}
	if m := strings.Join(got["mults"].([]string), ","); m != "1,3" {
		t.Errorf("mults = %s, want 1,3", m)
	}
	b, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(b), "# train:") {
		t.Errorf("resolved file lacks its header:\n%s", b)
	}
}

// An empty list (what Write records for an empty slice flag) sets the flag to no elements.
func TestApplyEmptyList(t *testing.T) {
	var got string
	cmd := command(func(cmd *cobra.Command) { got = cmd.Flags().Lookup("mults").Value.String() })
	cmd.SetArgs([]string{"--config", writeFile(t, "mults: []\n")})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got != "[]" {
		t.Errorf("mults = %s, want []", got)
	}
}
