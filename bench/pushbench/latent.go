package pushbench

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/latent"
)

// VAEOptions size the per-frame KL autoencoder of the latent rows (package latent; Rombach et al.
// 2022's first stage): LatentChannels z, a network of base width Channels with the level multipliers
// Mults (latents of Size / 2^(len(Mults) − 1) pixels a side) and one residual block per level, trained
// Steps AdamW steps of Batch frames.
type VAEOptions struct {
	LatentChannels, Channels int
	Mults                    []int
	Steps, Batch             int
}

// VAESummary is what the table reports of the latent rows' VAE: its size, its latent frame and the
// record of its run (latent.Record: the latent scale, the reconstruction PSNR of the held-out frames,
// the test videos' frames, and that of each channel's mean).
type VAESummary struct {
	Params      int           `json:"params"`
	LatentFrame []int         `json:"latent_frame"`
	Record      latent.Record `json:"record"`
}

// vaeConfig is the latent.Config of the options for frames [C, H, W].
func (v VAEOptions) vaeConfig(frame []int) latent.Config {
	c := latent.DefaultConfig()
	c.Frame = append([]int(nil), frame...)
	c.LatentChannels, c.Channels, c.Mults, c.Blocks = v.LatentChannels, v.Channels, append([]int(nil), v.Mults...), 1
	return c
}

// checkVAE builds the VAE of the options for frames [C, H, W], refusing one the grid does not fit
// (the mults' factor must divide it) before anything trains.
func (v VAEOptions) checkVAE(frame []int) error {
	if _, err := latent.New(v.vaeConfig(frame)); err != nil {
		return fmt.Errorf("VAE channels %d, latent channels %d, mults %v on frames %v: %w", v.Channels, v.LatentChannels, v.Mults, frame, err)
	}
	return nil
}

// trainVAE trains (or resumes) the VAE on the training videos' frames in Dir/vae, holding out the test
// videos' frames for its reconstruction PSNR (they never train it), and opens it.
func (o Options) trainVAE(ctx context.Context, tr, te *data.Array) (*latent.VAE, error) {
	a, b := latent.VideoFrames(tr), latent.VideoFrames(te)
	all := data.FromFloat32(append(append([]float32(nil), a.Float32()...), b.Float32()...), append([]int{a.Shape[0] + b.Shape[0]}, a.Shape[1:]...)...)
	to := latent.DefaultTrainOptions()
	to.Steps, to.BatchSize, to.Seed = o.VAE.Steps, o.VAE.Batch, int64(o.Seed)
	to.LogEvery = min(50, o.VAE.Steps)
	to.CheckpointEvery = o.VAE.Steps
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench video %s: training the VAE on the %d frames of the training videos\n", o.Protocol.Name, a.Shape[0])
	}
	v, err := latent.Train(ctx, latent.TrainSpec{Data: all, HoldOut: b.Shape[0], Config: o.VAE.vaeConfig(a.Shape[1:]), Options: to,
		Dir: filepath.Join(o.Dir, "vae"), Backend: o.Backend, Log: o.Log})
	if err != nil {
		return nil, fmt.Errorf("pushbench: the VAE: %w", err)
	}
	return v, nil
}

// encodeVideos maps videos [V, T, C, H, W] to their scaled latents [V, T, z, h, w] (latent.VAE.EncodeVideos).
func encodeVideos(ctx context.Context, v *latent.VAE, videos *data.Array, seed uint64) (*data.Array, error) {
	z, err := v.EncodeVideos(ctx, videos, seed)
	if err != nil {
		return nil, fmt.Errorf("pushbench: encoding the videos: %w", err)
	}
	return z, nil
}

// forecastLatent forecasts every test video te [V, T, C, H, W] with the latent model tm under its
// actions (fo.Actions): each video's first Context frames are encoded, the video forecast in latent
// space and every member decoded back into frames (latent.VAE.ForecastVideos): Ensemble [V, members,
// Predict, C, H, W], Truth the test videos' own predicted frames.
func forecastLatent(ctx context.Context, v *latent.VAE, tm *dymodel.Trained, te *data.Array, p Protocol, fo dymodel.ForecastOptions) (*dymodel.Forecast, error) {
	return v.ForecastVideos(ctx, te, p.Context, fo.Seed, latent.ForecastNames{Data: "the test videos", VAE: "the bench's VAE"},
		func(z *data.Array) (*dymodel.Forecast, error) { return tm.Forecast(ctx, z, fo) })
}
