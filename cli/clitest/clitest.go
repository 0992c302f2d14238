// Package clitest runs tidal's commands in-process for tests: the command tree's flags are put back to
// their defaults before each run, so that one run does not inherit another's flags.
package clitest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Run runs root with args after ResetFlags and returns what it printed (standard output and error
// together) and its error.
func Run(t testing.TB, root *cobra.Command, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	ResetFlags(root)
	err := root.Execute()
	return out.String(), err
}

// ResetFlags puts every flag of cmd and its subcommands back to its default and marks it as not given.
func ResetFlags(cmd *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			var def []string
			if d := strings.Trim(f.DefValue, "[]"); d != "" {
				def = strings.Split(d, ",")
			}
			sv.Replace(def)
			clearChanged(f.Value)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	}
	cmd.Flags().VisitAll(reset)
	cmd.PersistentFlags().VisitAll(reset)
	for _, c := range cmd.Commands() {
		ResetFlags(c)
	}
}

// clearChanged clears the unexported "changed" mark of pflag's slice values: Replace leaves it set, so
// the next --mults 1,2 of another run would be appended to the value Replace restored.
func clearChanged(v pflag.Value) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return
	}
	if c := rv.Elem().FieldByName("changed"); c.IsValid() && c.Kind() == reflect.Bool {
		reflect.NewAt(c.Type(), unsafe.Pointer(c.UnsafeAddr())).Elem().SetBool(false)
	}
}
