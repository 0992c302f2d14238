package latent

import (
	"context"
	"fmt"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// VideoFrames lays videos [V, T, C, H, W] end to end as frames [V·T, C, H, W], sharing their values:
// the VAE, like latent diffusion's first stage (Rombach et al. 2022), encodes and decodes frames one by
// one, so a video is a series of frames to it.
func VideoFrames(videos *data.Array) *data.Array {
	s := videos.Shape
	return data.FromFloat32(videos.Float32(), append([]int{s[0] * s[1]}, s[2:]...)...)
}

// checkVideos refuses an array that is not videos [V, T, C, H, W] of float32 frames.
func checkVideos(what string, videos *data.Array) error {
	if videos == nil || len(videos.Shape) != 5 || videos.DType != data.Float32 {
		return fmt.Errorf("%s: expected float32 videos [videos, frames, channels, H, W]", what)
	}
	return nil
}

// EncodeVideos maps videos [V, T, C, H, W] to their scaled latents [V, T, z, h, w]: Encode of every
// frame (the posterior mean, or a sample from seed with the sampling encoding).
func (v *VAE) EncodeVideos(ctx context.Context, videos *data.Array, seed uint64) (*data.Array, error) {
	if err := checkVideos("latent: EncodeVideos", videos); err != nil {
		return nil, err
	}
	z, err := v.Encode(ctx, VideoFrames(videos), seed)
	if err != nil {
		return nil, err
	}
	return data.FromFloat32(z.Float32(), append(videos.Shape[:2:2], z.Shape[1:]...)...), nil
}

// EncodeVideosCached is EncodeCached for the videos [V, T, C, H, W] of the data file path: their latents
// [V, T, z, h, w], read from dir's cache when its key (the file's identity and the VAE's) matches, else
// encoded frame by frame and written there; reused says which.
func EncodeVideosCached(ctx context.Context, v *VAE, videos *data.Array, path, dir string, seed uint64) (z *data.Array, reused bool, err error) {
	if err := checkVideos(path, videos); err != nil {
		return nil, false, err
	}
	z, reused, err = EncodeCached(ctx, v, VideoFrames(videos), path, dir, seed)
	if err != nil {
		return nil, false, err
	}
	return data.FromFloat32(z.Float32(), append(videos.Shape[:2:2], z.Shape[1:]...)...), reused, nil
}

// ForecastVideos makes a latent DyDiff forecast of videos [V, T, C, H, W] in their pixel units: latent
// diffusion (Rombach et al. 2022) with Dynamical Diffusion's action-conditioned video prediction (Guo et
// al. 2025, §4.3) as the model (docs/LATENT.md, docs/VIDEO.md). The first nContext frames of every video
// are encoded (EncodeVideos; the latents after them are zero, for the sampler reads only each video's
// context), sample forecasts the latent videos [V, T, z, h, w] (dymodel.Trained.Forecast of videos,
// which reports its cases: video i from frame i·T + nContext of the videos laid end to end) and every
// member is decoded back into frames: Ensemble [cases, members, lead, C, H, W]. The truth is each
// case's own frames of the videos.
func (v *VAE) ForecastVideos(ctx context.Context, videos *data.Array, nContext int, seed uint64, names ForecastNames,
	sample func(z *data.Array) (*dymodel.Forecast, error)) (*dymodel.Forecast, error) {
	if err := checkVideos(names.Data, videos); err != nil {
		return nil, err
	}
	V, T := videos.Shape[0], videos.Shape[1]
	if nContext < 1 || nContext > T {
		return nil, fmt.Errorf("%s: context %d: expected 1 to the videos' %d frames", names.Data, nContext, T)
	}
	fe := data.NumElements(videos.Shape[2:])
	ctxFrames := make([]float32, 0, V*nContext*fe)
	for i := range V {
		ctxFrames = append(ctxFrames, videos.F32[i*T*fe:(i*T+nContext)*fe]...)
	}
	zc, err := v.EncodeVideos(ctx, data.FromFloat32(ctxFrames, append([]int{V, nContext}, videos.Shape[2:]...)...), seed)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding with %s: %w", names.Data, names.VAE, err)
	}
	ze := data.NumElements(zc.Shape[2:])
	z := make([]float32, V*T*ze)
	for i := range V {
		copy(z[i*T*ze:], zc.F32[i*nContext*ze:(i+1)*nContext*ze])
	}
	f, err := sample(data.FromFloat32(z, append([]int{V, T}, zc.Shape[2:]...)...))
	if err != nil {
		return nil, err
	}
	return v.decodeForecast(ctx, f, VideoFrames(videos), f.Cases, names)
}

// decodeForecast decodes every member of the latent forecast f [cases, members, lead, z, h, w] into
// frames of phys's shape and sets its truth to the physical frames of the cases cs.
func (v *VAE) decodeForecast(ctx context.Context, f *dymodel.Forecast, phys *data.Array, cs forecast.Cases, names ForecastNames) (*dymodel.Forecast, error) {
	ld := f.Ensemble.Shape
	if len(ld) != 6 {
		return nil, fmt.Errorf("latent forecast of shape %v: expected [cases, members, lead, z, h, w]", ld)
	}
	flat := data.FromFloat32(f.Ensemble.Float32(), append([]int{ld[0] * ld[1] * ld[2]}, ld[3:]...)...)
	dec, err := v.Decode(ctx, flat)
	if err != nil {
		return nil, fmt.Errorf("decoding the forecast with %s: %w", names.VAE, err)
	}
	f.Ensemble = data.FromFloat32(dec.F32, append(append([]int(nil), ld[:3]...), phys.Shape[1:]...)...)
	if f.Truth, err = forecast.Truth(phys, cs); err != nil {
		return nil, err
	}
	return f, nil
}
