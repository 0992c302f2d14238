package cli

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// DeprecatedAlias keeps old, a name the command line used before its one vocabulary (README.md, "One
// vocabulary"), working as a hidden, deprecated flag that shares the value of the flag now called name.
// Giving it prints cobra's deprecation notice; MarkAliasesChanged then marks name as given.
func DeprecatedAlias(f *pflag.FlagSet, old, name string) {
	nf := f.Lookup(name)
	if nf == nil {
		panic("DeprecatedAlias: no flag --" + name)
	}
	f.AddFlag(&pflag.Flag{Name: old, Usage: "deprecated: --" + name, Value: nf.Value, DefValue: nf.DefValue,
		NoOptDefVal: nf.NoOptDefVal})
	_ = f.MarkHidden(old)
	_ = f.MarkDeprecated(old, "use --"+name)
}

// MarkAliasesChanged marks a flag as given where the command line gave it by a deprecated alias sharing its
// value, so that code asking Changed(name) (and --config, which the command line overrides) sees it.
func MarkAliasesChanged(cmd *cobra.Command) {
	f := cmd.Flags()
	f.VisitAll(func(a *pflag.Flag) {
		if a.Deprecated == "" || !a.Changed {
			return
		}
		f.VisitAll(func(n *pflag.Flag) {
			if n != a && n.Deprecated == "" && n.Value == a.Value {
				n.Changed = true
			}
		})
	})
}

// ProgressWriter is where a command prints its progress: nowhere with --quiet, else standard error.
func ProgressWriter(cmd *cobra.Command, quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return cmd.ErrOrStderr()
}
