package config

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// FuzzApply reads arbitrary bytes as a --config file onto a command with flags of every kind: it must
// return (an error naming the file, or nil) without panicking, never read past MaxBytes, and never leave
// a floating-point flag NaN or infinite.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{
		"steps: 3\neta: 0.25\nquick: true\nout: x\nmults: [1, 2, 4]\nrates: [0.1, 0.2]\n",
		"lr: .nan\n", "eta: .inf\n", "rates: [1, .nan]\n", "mults: []\n", "bogus: 1\n", "- 1\n- 2\n", "eta: {a: 1}\n",
		"mults: [[1]]\n", "steps: 1e400\n", "steps: ~\n", "&a [*a]\n", "\x00\xff", "",
		"a: &a [1]\nb: *a\n", strings.Repeat("x: 1\n", 100),
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text []byte) {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, text, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := &cobra.Command{Use: "train", RunE: func(*cobra.Command, []string) error { return nil }}
		cmd.Flags().Int("steps", 100, "")
		cmd.Flags().Float64("eta", 0.5, "")
		cmd.Flags().Float64("lr", 1e-4, "")
		cmd.Flags().Bool("quick", false, "")
		cmd.Flags().String("out", "run", "")
		cmd.Flags().IntSlice("mults", []int{1, 2}, "")
		cmd.Flags().Float64Slice("rates", []float64{0.5}, "")
		cmd.Flags().Duration("time", 0, "")
		AddFlag(cmd)
		if err := cmd.Flags().Set(Flag, p); err != nil {
			t.Fatal(err)
		}
		if err := Apply(cmd); err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		for _, name := range []string{"eta", "lr"} {
			v, _ := cmd.Flags().GetFloat64(name)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("--%s = %v accepted from the file", name, v)
			}
		}
		rates, _ := cmd.Flags().GetFloat64Slice("rates")
		for _, v := range rates {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("--rates holds %v from the file", v)
			}
		}
	})
}
