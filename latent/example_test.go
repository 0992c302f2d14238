package latent_test

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/train"
)

// Train a tiny VAE on a field series [frames, channels, H, W], then encode frames to scaled latents and
// decode them back into physical units.
func Example() {
	dir, _ := os.MkdirTemp("", "vae-example-")
	defer os.RemoveAll(dir)
	T, C, H, W := 24, 1, 8, 8
	v := make([]float32, T*C*H*W)
	for i := range v {
		f, j := i/(H*W), i%W
		v[i] = float32(10 + math.Sin(float64(j)+0.5*float64(f)))
	}
	frames := data.FromFloat32(v, T, C, H, W)

	c := latent.DefaultConfig()
	c.Channels, c.Mults, c.Blocks, c.Groups = 8, []int{1, 2}, 1, 4
	o := train.Defaults()
	o.Steps, o.BatchSize, o.CheckpointEvery = 10, 4, 10
	vae, err := latent.Train(context.Background(), latent.TrainSpec{Data: frames, Config: c, Options: o, Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer vae.Close()
	z, _ := vae.Encode(context.Background(), frames, 0)
	x, _ := vae.Decode(context.Background(), z)
	fmt.Println("latents", z.Shape, "decoded", x.Shape, "scale > 0:", vae.Record.Scale > 0)
	// Output: latents [24 3 4 4] decoded [24 1 8 8] scale > 0: true
}
