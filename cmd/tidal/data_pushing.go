package main

import (
	"fmt"
	"github.com/tidal-forecast/tidal/cli"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

func init() { dataCmd.AddCommand(newPushingCmd()) }

// maxPushingBytes bounds what `data pushing` generates, whatever the memory: 64 GiB of frames.
const maxPushingBytes = 64 << 30

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
			if err := checkPushingFlags(o, out); err != nil {
				return err
			}
			v, err := pushing.Generate(o)
			if err != nil {
				return err
			}
			arrays := map[string]*data.Array{"frames": data.FromFloat32(v.Frames, v.Shape...), "actions": data.FromFloat32(v.Actions, v.ActionShape...)}
			if err := data.WriteNPZ(out, arrays, true); err != nil { // atomic: a temporary name, then renamed
				return fmt.Errorf("--out %s: %w", out, err)
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

// checkPushingFlags refuses bad flags of `data pushing`, naming the flag, and a data set beyond the
// memory or disk budget, before anything is allocated.
func checkPushingFlags(o pushing.Options, out string) error {
	if out == "" {
		return fmt.Errorf("--out FILE.npz is required")
	}
	if !strings.HasSuffix(out, ".npz") {
		return fmt.Errorf("--out %s: expected a FILE.npz (frames and actions)", out)
	}
	if err := guard.First(
		guard.Int("videos", o.Videos, 1, math.MaxInt32), guard.Int("frames", o.Frames, 2, math.MaxInt32),
		guard.Int("size", o.Size, 4, 1024), guard.Int("objects", o.Objects, 0, pushing.MaxObjects),
		guard.Between("pusher-radius", o.PusherRadius, 0, 0.25), guard.Between("max-step", o.MaxStep, 0, 0.5),
	); err != nil {
		return err
	}
	switch {
	case !(o.PusherRadius > 0 && o.PusherRadius < 0.25):
		return fmt.Errorf("--pusher-radius %v: expected a radius in (0, 0.25) table units", o.PusherRadius)
	case !(o.MaxStep > 0 && o.MaxStep < 0.5):
		return fmt.Errorf("--max-step %v: expected a step in (0, 0.5) table units", o.MaxStep)
	}
	need, err := pushing.Bytes(o)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("--videos %d × --frames %d of --size %d² RGB", o.Videos, o.Frames, o.Size)
	if need > maxPushingBytes {
		return fmt.Errorf("%s: %d bytes, more than the %d GiB a pushing data set may take; lower --videos, --frames or --size", what, need, maxPushingBytes>>30)
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	if err := b.CheckMemory(what, guard.Product(need, 2)); err != nil { // the values, and the archive's buffers
		return err
	}
	return b.CheckDisk(what, out, need)
}
