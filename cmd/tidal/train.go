package main

import "github.com/spf13/cobra"

var trainCmd = &cobra.Command{Use: "train", Short: "train a model (a run directory that resumes when the same command is run again)"}

func init() { rootCmd.AddCommand(trainCmd) }
