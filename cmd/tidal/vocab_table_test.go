package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// vocabRow is one row of the README's vocabulary table.
type vocabRow struct {
	name, typ string
	commands  []string            // command paths without "tidal "; nil: every command
	aliases   map[string][]string // deprecated name → the commands it applies to (nil: all of commands)
}

var flagToken = regexp.MustCompile("`--([a-z0-9-]+)`")

// readVocabTable parses the table under "### One vocabulary" in README.md.
func readVocabTable(t *testing.T) map[string]vocabRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "### One vocabulary")
	if !ok {
		t.Fatal(`README.md has no "### One vocabulary" section`)
	}
	rows := map[string]vocabRow{}
	for _, line := range strings.Split(sec, "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 5 {
			t.Fatalf("vocabulary row with %d cells, want 5: %s", len(cells), line)
		}
		m := flagToken.FindStringSubmatch(cells[0])
		if m == nil {
			t.Fatalf("vocabulary row without a flag: %s", line)
		}
		r := vocabRow{name: m[1], typ: strings.TrimSpace(cells[1]), aliases: map[string][]string{}}
		if c := strings.TrimSpace(cells[3]); c != "every command" {
			r.commands = splitCommands(c)
		}
		for _, a := range strings.Split(strings.TrimSpace(strings.TrimSuffix(cells[4], "|")), ";") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			am := flagToken.FindStringSubmatch(a)
			if am == nil {
				t.Fatalf("alias without a flag in row --%s: %q", r.name, a)
			}
			var cmds []string
			if i := strings.Index(a, "("); i >= 0 {
				cmds = splitCommands(strings.Trim(a[i:], "() "))
			}
			r.aliases[am[1]] = cmds
		}
		if _, dup := rows[r.name]; dup {
			t.Fatalf("--%s has two rows in the vocabulary table", r.name)
		}
		rows[r.name] = r
	}
	if len(rows) < 20 {
		t.Fatalf("the vocabulary table has %d rows", len(rows))
	}
	return rows
}

func splitCommands(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// userCommands lists every command of the CLI, recursively, except cobra's own help and completion.
func userCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, s := range c.Commands() {
		if s.Name() == "help" || s.Name() == "completion" {
			continue
		}
		out = append(out, userCommands(s)...)
	}
	return out
}

func cmdName(c *cobra.Command) string { return strings.TrimPrefix(c.CommandPath(), "tidal ") }

// TestVocabularyTable checks the README's vocabulary table against every command's flags: a flag in the
// table has the table's type and is taken only by the commands the table lists; a deprecated alias is a
// hidden, deprecated flag sharing its new name's value, never a flag of its own; and no flag name has two
// types across the commands.
func TestVocabularyTable(t *testing.T) {
	rows := readVocabTable(t)
	// aliasFor reports whether old is a deprecated name on the command called name.
	aliasFor := func(old, name string) bool {
		for _, r := range rows {
			if only, ok := r.aliases[old]; ok && (only == nil && slices.Contains(r.commands, name) || slices.Contains(only, name)) {
				return true
			}
		}
		return false
	}
	types := map[string]map[string][]string{} // name → type → commands
	for _, c := range userCommands(rootCmd) {
		name := cmdName(c)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Deprecated != "" {
				return
			}
			if types[f.Name] == nil {
				types[f.Name] = map[string][]string{}
			}
			types[f.Name][f.Value.Type()] = append(types[f.Name][f.Value.Type()], name)
			r, ok := rows[f.Name]
			if !ok {
				if aliasFor(f.Name, name) && !f.Hidden {
					t.Errorf("%s: --%s is a deprecated name in the vocabulary table but a visible flag here", c.CommandPath(), f.Name)
				}
				return
			}
			if f.Value.Type() != r.typ {
				t.Errorf("%s: --%s is %s, the vocabulary table says %s", c.CommandPath(), f.Name, f.Value.Type(), r.typ)
			}
			if r.commands != nil && !slices.Contains(r.commands, name) && !f.Hidden {
				t.Errorf("%s: --%s (%s) is not listed for this command in the vocabulary table (it means something else here?)", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, r := range rows {
			nf := c.Flags().Lookup(r.name)
			if nf == nil || nf.Deprecated != "" {
				continue
			}
			for a, only := range r.aliases {
				if only != nil && !slices.Contains(only, name) {
					continue
				}
				af := c.Flags().Lookup(a)
				switch {
				case af == nil:
					t.Errorf("%s: the deprecated --%s of --%s is gone", c.CommandPath(), a, r.name)
				case !af.Hidden || af.Deprecated == "":
					t.Errorf("%s: --%s should be a hidden deprecated alias of --%s", c.CommandPath(), a, r.name)
				}
			}
		}
	}
	var names []string
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if len(types[n]) > 1 {
			t.Errorf("--%s has several types: %v", n, types[n])
		}
	}
	for _, r := range rows { // every listed command exists and takes the flag
		for _, name := range r.commands {
			c, _, err := rootCmd.Find(strings.Fields(name))
			if err != nil || cmdName(c) != name {
				t.Errorf("vocabulary table: --%s lists %q, which is no command", r.name, name)
				continue
			}
			if f := c.Flags().Lookup(r.name); f == nil || f.Deprecated != "" {
				t.Errorf("vocabulary table: --%s lists %q, which has no such flag", r.name, name)
			}
		}
	}
}

// An old name still works: it prints a deprecation notice naming the new one, sets the new flag's value,
// and counts as given (demo --quick leaves a flag given on the command line alone, here by its old name).
func TestDeprecatedAliasesStillWork(t *testing.T) {
	out, err := runTidal(t, "demo", "--quick", "--train-steps", "7", "--width", "12", "--print-config")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"Flag --train-steps has been deprecated, use --steps", "Flag --width has been deprecated, use --channels",
		"\nsteps: 7\n", "\nchannels: 12\n", "\nsampler-steps: 8\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "train-steps:") || strings.Contains(out, "width:") {
		t.Errorf("the printed config holds a deprecated name:\n%s", out)
	}
}

// --quiet silences a training's progress (its loss lines), not its result.
func TestTrainQuiet(t *testing.T) {
	dir := t.TempDir()
	w := tinyWaves(t, dir)
	train := func(run string, extra ...string) string {
		args := append([]string{"train", "idm", "--data", w, "--run", filepath.Join(dir, run), "--steps", "2", "--batch", "2",
			"--channels", "8", "--mults", "1", "--blocks", "1", "--groups", "4", "--log-every", "1", "--checkpoint-every", "2"}, extra...)
		out, err := runTidal(t, args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	loud, quiet := train("loud"), train("quiet", "--quiet")
	if !strings.Contains(loud, "step 1") {
		t.Fatalf("no progress line without --quiet:\n%s", loud)
	}
	if strings.Contains(quiet, "step 1") || len(quiet) >= len(loud) {
		t.Fatalf("--quiet printed progress:\n%s", quiet)
	}
}
