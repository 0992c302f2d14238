package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

func init() { dataCmd.AddCommand(newPushingCmd()) }

func newPushingCmd() *cobra.Command {
	o := pushing.Options{Videos: 64, Frames: 30, Size: 64, Objects: 3, Seed: 1}
	var out string
	cmd := &cobra.Command{
		Use:   "pushing --out FILE.npz [flags]",
		Short: "Generate procedural robot-pushing videos with their actions (BAIR layout)",
		Long: `pushing renders videos of a table seen from above on which a pusher (a robot gripper's tip, red)
moves by a 2D action per step and shoves --objects discs and boxes of several colours and textures
kinematically along the contact normal; objects push each other and stay on the table. A random smooth
policy drives the pusher, mostly toward points just past an object, so that pushes happen.

FILE.npz holds, in the layout of the BAIR robot-pushing data that Dynamical Diffusion's reference reads
(docs/VIDEO.md): frames [videos, frames, size, size, 3] float32 RGB in [0, 1] (BAIR's uint8 / 255) and
actions [videos, frames − 1, 2] float32, row t the pusher's displacement (dx, dy) in table units (the
table is the unit square, y down) from frame t to t + 1, each component within ±--max-step.
'tidal train dydiff --data FILE.npz' conditions the model on the actions.`,
		Example: `  tidal data pushing --out pushing.npz --videos 256 --frames 30 --size 64 --seed 1
  tidal data pushing --out tiny.npz --videos 32 --frames 12 --size 16 --objects 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := cli.Budget()
			if err != nil {
				return err
			}
			if err := pushing.CheckFile(o, out, b); err != nil {
				return err
			}
			v, err := pushing.WriteFile(o, out) // atomic: a temporary name, then renamed
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: frames %v, actions %v\n", out, v.Shape, v.ActionShape)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "output FILE.npz (frames and actions)")
	f.IntVar(&o.Videos, "videos", o.Videos, "number of videos")
	f.IntVar(&o.Frames, "frames", o.Frames, "frames per video (BAIR's have 30)")
	f.IntVar(&o.Size, "size", o.Size, "pixels per side of a frame")
	f.IntVar(&o.Objects, "objects", o.Objects, fmt.Sprintf("pushable objects per video (0 to %d)", pushing.MaxObjects))
	f.Uint64Var(&o.Seed, "seed", o.Seed, "seed of the scenes and the policy (video v is drawn from (seed, v) alone)")
	f.Float64Var(&o.PusherRadius, "pusher-radius", pushing.DefaultPusherRadius, "the pusher's radius in table units")
	f.Float64Var(&o.MaxStep, "max-step", pushing.DefaultMaxStep, "largest action component, table units per step")
	f.BoolVar(&o.Plain, "plain", false, "plain grey table and solid objects (no textures)")
	return cmd
}
