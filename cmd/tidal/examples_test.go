package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples: every command's help has an Examples section of one to three invocations,
// each a line starting with "tidal " naming this command (or, for a group, one of its subcommands) and
// giving only flags that command defines under their current names (no deprecated alias).
func TestEveryCommandHasExamples(t *testing.T) {
	for _, c := range userCommands(rootCmd) {
		lines := strings.Split(strings.TrimSpace(c.Example), "\n")
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s: no Example", c.CommandPath())
			continue
		}
		if len(lines) > 3 {
			t.Errorf("%s: %d examples, expected 1 to 3", c.CommandPath(), len(lines))
		}
		for _, line := range lines {
			line = strings.TrimSpace(line)
			words := strings.Fields(line)
			if len(words) < 2 || words[0] != "tidal" {
				t.Errorf("%s: example %q does not start with \"tidal \"", c.CommandPath(), line)
				continue
			}
			target, _, err := rootCmd.Find(words[1:])
			if err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				continue
			}
			if !isOrUnder(target, c) {
				t.Errorf("%s: example %q runs %s", c.CommandPath(), line, target.CommandPath())
			}
			for _, w := range words[1:] {
				if !strings.HasPrefix(w, "--") {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
				f := target.Flags().Lookup(name)
				if f == nil {
					f = target.InheritedFlags().Lookup(name)
				}
				switch {
				case f == nil:
					t.Errorf("%s: example %q: %s has no flag --%s", c.CommandPath(), line, target.CommandPath(), name)
				case f.Deprecated != "":
					t.Errorf("%s: example %q uses the deprecated --%s (%s)", c.CommandPath(), line, name, f.Deprecated)
				}
			}
		}
	}
}

// isOrUnder reports whether c is p or one of its subcommands, at any depth.
func isOrUnder(c, p *cobra.Command) bool {
	for ; c != nil; c = c.Parent() {
		if c == p {
			return true
		}
	}
	return false
}

// TestHelpShowsExamples: the help of a command prints its Examples section.
func TestHelpShowsExamples(t *testing.T) {
	out, err := runTidal(t, "train", "dydiff", "--help")
	if err != nil || !strings.Contains(out, "Examples:\n  tidal train dydiff --data") {
		t.Fatalf("%v\n%s", err, out)
	}
}
