package main

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// deprecatedAlias keeps old, a name the command line used before its one vocabulary (README.md, "One
// vocabulary"), working as a hidden, deprecated flag that shares the value of the flag now called name.
// Giving it prints cobra's deprecation notice; markAliasesChanged then marks name as given.
func deprecatedAlias(f *pflag.FlagSet, old, name string) {
	nf := f.Lookup(name)
	if nf == nil {
		panic("deprecatedAlias: no flag --" + name)
	}
	f.AddFlag(&pflag.Flag{Name: old, Usage: "deprecated: --" + name, Value: nf.Value, DefValue: nf.DefValue,
		NoOptDefVal: nf.NoOptDefVal})
	_ = f.MarkHidden(old)
	_ = f.MarkDeprecated(old, "use --"+name)
}

// markAliasesChanged marks a flag as given where the command line gave it by a deprecated alias sharing its
// value, so that code asking Changed(name) (and --config, which the command line overrides) sees it.
func markAliasesChanged(cmd *cobra.Command) {
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

// progressWriter is where a command prints its progress: nowhere with --quiet, else standard error.
func progressWriter(cmd *cobra.Command, quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return cmd.ErrOrStderr()
}
