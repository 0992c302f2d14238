// Package config lets a command read its flags from a YAML file: `--config FILE.yaml` holds a mapping
// from flag names to values, flags given on the command line override it, and a key that names no flag
// of the command is refused with its name. Only the command's own flags are read from a file; the
// global ones (--backend, --max-memory, ...) stay on the command line, since they are in force before a
// command runs. Resolved writes back every flag's final value, so that a run
// records exactly what it used and a user can edit that file and run it again.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/guard"
)

// Flag is the name of the flag that names a config file.
const Flag = "config"

// MaxBytes bounds a config file: a config is a page of settings, not data.
const MaxBytes = 1 << 20

// used is the config file the last Apply read.
var used string

// Used is the config file the command read (its --config), or "": an input that no output may replace.
func Used() string { return used }

// AddFlag registers `--config FILE` on cmd.
func AddFlag(cmd *cobra.Command) {
	cmd.Flags().String(Flag, "", "YAML file of flag values (keys are flag names; flags on the command line override it)")
}

// Apply reads the file named by cmd's --config flag, if any, and sets every flag it names that was not
// given on the command line. It refuses a key that is no flag of cmd (listing all such keys), a nested
// mapping, a value the flag cannot parse, and a file larger than MaxBytes; each error names the file.
func Apply(cmd *cobra.Command) error {
	used = ""
	f := cmd.Flags().Lookup(Flag)
	if f == nil || f.Value.String() == "" {
		return nil
	}
	path := f.Value.String()
	used = path
	values, err := read(path)
	if err != nil {
		return err
	}
	var unknown []string
	for _, key := range sortedKeys(values) {
		if key == Flag || cmd.LocalFlags().Lookup(key) == nil {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("--config %s: unknown keys %s (expected flag names of %q, e.g. %s)", path,
			strings.Join(unknown, ", "), cmd.CommandPath(), strings.Join(flagNames(cmd, 4), ", "))
	}
	for _, key := range sortedKeys(values) {
		fl := cmd.LocalFlags().Lookup(key)
		if fl.Changed {
			continue // the command line wins
		}
		if list, ok := values[key].([]any); ok && len(list) == 0 {
			if sv, ok := fl.Value.(pflag.SliceValue); ok { // `key: []`, as Write records an empty list
				if err := sv.Replace(nil); err != nil {
					return fmt.Errorf("--config %s: key %q: %w", path, key, err)
				}
				continue
			}
		}
		text, err := flagText(values[key])
		if err != nil {
			return fmt.Errorf("--config %s: key %q: %w", path, key, err)
		}
		if err := finite(fl, text); err != nil {
			return fmt.Errorf("--config %s: key %q: %w", path, key, err)
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok { // the file's list replaces the default, whatever Set did before
			var parts []string
			if text != "" {
				parts = strings.Split(text, ",")
			}
			if err := sv.Replace(parts); err != nil {
				return fmt.Errorf("--config %s: key %q: %q is not a valid value: %w", path, key, text, err)
			}
			continue
		}
		if err := fl.Value.Set(text); err != nil {
			return fmt.Errorf("--config %s: key %q: %q is not a valid value: %w", path, key, text, err)
		}
	}
	return nil
}

// read decodes a YAML mapping of scalars and lists from path, bounded by MaxBytes.
func read(path string) (map[string]any, error) {
	f, _, err := guard.OpenFile(path, "a YAML file")
	if err != nil {
		return nil, fmt.Errorf("--config %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("--config %s is larger than %d bytes; expected a small YAML mapping of flags", path, MaxBytes)
	}
	values := map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&values); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("--config %s: not a YAML mapping of flag names to values: %w", path, err)
	}
	return values, nil
}

// finite refuses NaN and infinities for a floating-point flag (and each value of a list), so that the
// error names the config file rather than only the flag the command checks later.
func finite(fl *pflag.Flag, text string) error {
	if !strings.HasPrefix(fl.Value.Type(), "float") {
		return nil
	}
	for _, part := range strings.Split(text, ",") {
		if v, err := strconv.ParseFloat(strings.TrimSpace(part), 64); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return fmt.Errorf("%s is not a finite number (--%s)", strings.TrimSpace(part), fl.Name)
		}
	}
	return nil
}

// flagText renders a YAML value as the text a pflag.Value parses: scalars as written, lists joined by
// commas (pflag's slice syntax). Mappings are refused.
func flagText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("empty value, expected a scalar or a list")
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if _, nested := e.([]any); nested {
				return "", fmt.Errorf("nested list, expected a list of scalars")
			}
			s, err := flagText(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case map[string]any:
		return "", fmt.Errorf("a mapping, expected a scalar or a list")
	}
	return fmt.Sprint(v), nil
}

// Resolved is every flag of cmd with its final value (after Apply and the command line), except --config,
// help and deprecated aliases: the configuration a run actually used, in the form Apply reads back.
func Resolved(cmd *cobra.Command) map[string]any {
	out := map[string]any{}
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == Flag || f.Name == "help" || f.Deprecated != "" { // a deprecated alias: its new name holds the value
			return
		}
		out[f.Name] = typed(f)
	})
	return out
}

// typed converts a flag's value back to a YAML scalar or list of its type.
func typed(f *pflag.Flag) any {
	s := f.Value.String()
	switch f.Value.Type() {
	case "bool":
		b, _ := strconv.ParseBool(s)
		return b
	case "int", "int64", "int32", "uint", "uint64", "uint32":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "float64", "float32":
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return s
}

// Write writes Resolved(cmd) as YAML to path, atomically (a temporary name, then a rename).
func Write(cmd *cobra.Command, path string) error {
	b, err := Marshal(cmd)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b)
}

// Marshal is Resolved(cmd) as YAML, keys sorted, headed by a comment naming the command.
func Marshal(cmd *cobra.Command) ([]byte, error) {
	body, err := yaml.Marshal(Resolved(cmd))
	if err != nil {
		return nil, err
	}
	return append([]byte("# "+cmd.CommandPath()+": every flag's value; edit and pass with --config\n"), body...), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// flagNames lists up to n of cmd's flag names, for an error message.
func flagNames(cmd *cobra.Command, n int) []string {
	var names []string
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if len(names) < n && f.Name != Flag && f.Name != "help" {
			names = append(names, "--"+f.Name)
		}
	})
	return names
}
