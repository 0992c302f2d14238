package main

import "github.com/spf13/cobra"

var trainCmd = &cobra.Command{
	Use:   "train",
	Short: "train a model (a run directory that resumes when the same command is run again)",
	Example: `  tidal train dydiff --data ns_train.npy --steps 2000 --run runs/dydiff
  tidal train idm --data ns_train.npy --steps 20000 --run runs/idm
  tidal train discriminator --data ns_train.npy --steps 20000 --crop 32,32 --run runs/disc`,
}

func init() { rootCmd.AddCommand(trainCmd) }
