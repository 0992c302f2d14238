package latent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
)

// Files a latent DyDiff run directory holds beside package train's.
const (
	// LinkFile records the VAE run the DyDiff run works in (Link).
	LinkFile = "latent.json"
	// CacheFile holds the encoding of the training file, CacheKeyFile the CacheKey it was made for.
	CacheFile    = "latent_cache.npy"
	CacheKeyFile = "latent_cache.json"
)

// Link is what a latent DyDiff run records of its VAE: the run, the identity of its weights, its latent
// scale and the frames on both sides.
type Link struct {
	VAERun      string  `json:"vae_run"`
	WeightsHash string  `json:"weights_sha256"`
	Step        int     `json:"step"`
	Scale       float64 `json:"scale"`
	Encode      string  `json:"encode"`
	Frame       []int   `json:"frame"`
	LatentFrame []int   `json:"latent_frame"`
}

// LinkOf is the link to the VAE v.
func LinkOf(v *VAE) (Link, error) {
	abs, err := filepath.Abs(v.Dir)
	if err != nil {
		return Link{}, err
	}
	return Link{VAERun: abs, WeightsHash: v.Record.WeightsHash, Step: v.Record.Step, Scale: v.Record.Scale,
		Encode: v.Model.Config.Encode, Frame: v.Model.Config.Frame, LatentFrame: v.LatentFrame()}, nil
}

// ReadLink reads the link of the run directory dir; nil when the run is not a latent one.
func ReadLink(dir string) (*Link, error) {
	b, err := os.ReadFile(filepath.Join(dir, LinkFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l Link
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", dir, LinkFile, err)
	}
	return &l, nil
}

// Check refuses the VAE v for a run linked to another one (other weights, or another scale).
func (l *Link) Check(v *VAE) error {
	if l.WeightsHash != v.Record.WeightsHash || l.Scale != v.Record.Scale {
		return fmt.Errorf("the run works in the latent space of the VAE run %s (step %d, weights %.12s…, scale %g); %s is step %d, weights %.12s…, scale %g",
			l.VAERun, l.Step, l.WeightsHash, l.Scale, v.Dir, v.Record.Step, v.Record.WeightsHash, v.Record.Scale)
	}
	return nil
}

// WriteLink records v as the VAE of the run directory dir, refusing (unless replace) a run already
// linked to another VAE and a run that already holds a model of the fields themselves (options.json
// without a link).
func WriteLink(dir string, v *VAE, replace bool) error {
	l, err := LinkOf(v)
	if err != nil {
		return err
	}
	old, err := ReadLink(dir)
	if err != nil && !replace {
		return err
	}
	if !replace {
		if old != nil {
			return old.Check(v)
		}
		if _, err := os.Stat(filepath.Join(dir, "options.json")); err == nil {
			return fmt.Errorf("%s holds a run trained on the fields themselves, not in a VAE's latent space", dir)
		}
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, LinkFile), append(b, '\n'))
}

// CacheKey identifies an encoding of a data file: the VAE's weights, scale and encoding, the seed of a
// sampled encoding, and the file's path, size, modification time and SHA-256.
type CacheKey struct {
	WeightsHash string  `json:"weights_sha256"`
	Scale       float64 `json:"scale"`
	Encode      string  `json:"encode"`
	Seed        uint64  `json:"seed"`
	Data        string  `json:"data"`
	Size        int64   `json:"size"`
	ModTimeNS   int64   `json:"mtime_ns"`
	DataHash    string  `json:"data_sha256"`
}

// KeyOf is the cache key of the data file path encoded with v and seed.
func KeyOf(v *VAE, path string, seed uint64) (CacheKey, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return CacheKey{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return CacheKey{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return CacheKey{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return CacheKey{}, fmt.Errorf("%s: %w", path, err)
	}
	k := CacheKey{WeightsHash: v.Record.WeightsHash, Scale: v.Record.Scale, Encode: v.Model.Config.Encode, Data: abs,
		Size: st.Size(), ModTimeNS: st.ModTime().UnixNano(), DataHash: hex.EncodeToString(h.Sum(nil))}
	if k.Encode == EncodeSample {
		k.Seed = seed
	}
	return k, nil
}

// EncodeCached returns the scaled latents of a, the contents of the data file path, encoded with v and
// seed (VAE.Encode): read from dir's CacheFile when its CacheKeyFile matches (reused), else encoded and
// written there (the array first, then the key, both atomically), so that training and resuming a run
// encode the data once.
func EncodeCached(ctx context.Context, v *VAE, a *data.Array, path, dir string, seed uint64) (z *data.Array, reused bool, err error) {
	key, err := KeyOf(v, path, seed)
	if err != nil {
		return nil, false, err
	}
	want := append([]int{0}, v.LatentFrame()...)
	if len(a.Shape) > 0 {
		want[0] = a.Shape[0]
	}
	kp, cp := filepath.Join(dir, CacheKeyFile), filepath.Join(dir, CacheFile)
	if b, err := os.ReadFile(kp); err == nil {
		var old CacheKey
		if json.Unmarshal(b, &old) == nil && old == key {
			if z, err := data.ReadNPY(cp); err == nil && fmt.Sprint(z.Shape) == fmt.Sprint(want) && z.DType == data.Float32 {
				return z, true, nil
			}
		}
	}
	if z, err = v.Encode(ctx, a, seed); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, err
	}
	_ = os.Remove(kp) // a key must never describe an array it was not written with
	if err := data.WriteNPY(cp, z); err != nil {
		return nil, false, err
	}
	b, err := json.MarshalIndent(key, "", "  ")
	if err != nil {
		return nil, false, err
	}
	if err := atomicfile.WriteFile(kp, append(b, '\n')); err != nil {
		return nil, false, err
	}
	return z, false, nil
}
