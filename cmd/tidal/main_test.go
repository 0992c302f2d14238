package main

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runTidal runs the CLI in-process with args and returns what it printed and its error.
func runTidal(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	resetFlags(rootCmd)
	err := rootCmd.Execute()
	return out.String(), err
}

func TestBackendsListsGoAndExplainsCUDA(t *testing.T) {
	t.Setenv("TIDAL_PJRT_PLUGIN", "/nonexistent/xla_cuda_plugin.so")
	out, err := runTidal(t, "backends")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "go    available") {
		t.Errorf("go backend not listed as available:\n%s", out)
	}
	if !strings.Contains(out, "cuda  unavailable") || !strings.Contains(out, "/nonexistent/xla_cuda_plugin.so") {
		t.Errorf("cuda should be unavailable with the reason:\n%s", out)
	}
}

func TestUnknownBackendIsAnError(t *testing.T) {
	_, err := runTidal(t, "--backend", "tpu", "version")
	if err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Fatalf("expected an error naming the backend, got %v", err)
	}
}

// resetFlags puts every flag of cmd and its subcommands back to its default, so that in-process runs do
// not inherit flags from earlier ones.
// clearChanged clears the unexported "changed" mark of pflag's slice values: Replace leaves it set, so
// the next --mults 1,2 of another test would be appended to the value Replace restored.
func clearChanged(v pflag.Value) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return
	}
	if c := rv.Elem().FieldByName("changed"); c.IsValid() && c.Kind() == reflect.Bool {
		reflect.NewAt(c.Type(), unsafe.Pointer(c.UnsafeAddr())).Elem().SetBool(false)
	}
}

func resetFlags(cmd *cobra.Command) {
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
		resetFlags(c)
	}
}

// TestResetFlagsClearsSliceFlags: a slice flag set by one in-process run must not be appended to by the
// next (pflag's slice values append once they have been set).
func TestResetFlagsClearsSliceFlags(t *testing.T) {
	var got []int
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().IntSliceVar(&got, "mults", []int{1, 2}, "")
	for i := 0; i < 2; i++ {
		resetFlags(cmd)
		cmd.SetArgs([]string{"--mults", "3,4"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[3 4]" {
			t.Fatalf("run %d: --mults 3,4 gave %v", i+1, got)
		}
	}
}
