package latent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/noise"
	"github.com/tidal-forecast/tidal/train"
)

// RecordFile is the file of a VAE run directory that records the measurements of its newest snapshot
// (Record), written after training.
const RecordFile = "vae.json"

// Batch is the number of frames encoded or decoded per call of the network.
const Batch = 16

// Record is what a VAE run measures of its newest snapshot after training.
type Record struct {
	// Step is the snapshot's training step and WeightsHash the SHA-256 of its files (SnapshotHash).
	Step        int    `json:"step"`
	WeightsHash string `json:"weights_sha256"`
	// Scale is the latent scale: 1 / the standard deviation of the encoded training frames' latents (all
	// values pooled), the way latent diffusion chose its 0.18215 (Rombach et al. 2022, §4.3.2 and App. G).
	// LatentMean and LatentStd are their mean and standard deviation; Encode the encoding measured.
	Scale      float64 `json:"scale"`
	LatentMean float64 `json:"latent_mean"`
	LatentStd  float64 `json:"latent_std"`
	Encode     string  `json:"encode"`
	// TrainFrames were encoded for the scale; HeldOut frames (the series' last) were reconstructed
	// (encoded with the posterior mean, decoded) for PSNR, the mean over those frames of metrics.PSNR with
	// the held-out frames' range (max − min over all of them), and RMSE, in physical units. MeanPSNR is the
	// PSNR of the trivial reconstruction (each channel's training mean), for comparison.
	TrainFrames int     `json:"train_frames"`
	HeldOut     int     `json:"held_out_frames"`
	PSNR        float64 `json:"psnr_db"`
	MeanPSNR    float64 `json:"mean_psnr_db"`
	RMSE        float64 `json:"rmse"`
}

func (r *Record) save(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, RecordFile), append(b, '\n'))
}

// VAE is a trained VAE as its run directory holds it: the model, the EMA weights of its newest snapshot,
// the normalisation of its training data and its Record. Encode and Decode work in physical units.
type VAE struct {
	// Dir is the run directory, Model the network of its configuration, Snapshot its newest snapshot
	// (EMA weights and normalisation) and Record that snapshot's measurements.
	Dir      string
	Model    *Model
	Snapshot *train.Snapshot
	Record   Record
	// Backend runs the network; nil creates $TIDAL_BACKEND's (default "go") on first use, released by
	// Close.
	Backend compute.Backend
	own     compute.Backend
	enc     *model.Exec
	dec     *model.Exec
	// Encoded counts the frames Encode has encoded (a test's evidence that a cache was used).
	Encoded int
}

// IsRun reports whether dir records a VAE run (its options.json names Method).
func IsRun(dir string) bool {
	c, err := RunConfig(dir)
	return err == nil && c.Method == Method
}

// RunConfig reads the configuration recorded in dir's options.json without reading weights; a run of
// another method is refused.
func RunConfig(dir string) (Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return Config{}, fmt.Errorf("%s is not a training run directory (no options.json)", dir)
	}
	var rec struct {
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Config{}, fmt.Errorf("%s: options.json: %w", dir, err)
	}
	c, err := Parse(rec.Config)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w; expected a run of 'tidal train vae'", dir, err)
	}
	return c, nil
}

// openSnapshot opens dir's newest snapshot without its Record.
func openSnapshot(dir string) (*VAE, error) {
	if _, err := RunConfig(dir); err != nil {
		return nil, err
	}
	snap, err := train.LatestSnapshot(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (train it first, or a checkpoint is damaged)", dir, err)
	}
	c, err := Parse(snap.Config)
	if err == nil {
		err = snap.Norm.Validate(c.Frame[0])
	}
	var m *Model
	if err == nil {
		m, err = New(c)
	}
	if err != nil {
		snap.Store.Finalize()
		return nil, fmt.Errorf("%s: snapshot step %d: %w", dir, snap.Step, err)
	}
	return &VAE{Dir: dir, Model: m, Snapshot: snap}, nil
}

// Open opens the VAE run directory dir: its newest snapshot and its Record, which must describe that
// snapshot (same step and weights hash); otherwise the run has been trained further without being
// measured, and `tidal train vae` run again measures it. Close it when done.
func Open(dir string) (*VAE, error) {
	v, err := openSnapshot(dir)
	if err != nil {
		return nil, err
	}
	fail := func(f string, a ...any) (*VAE, error) {
		v.Close()
		return nil, fmt.Errorf(f, a...)
	}
	b, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if err != nil {
		return fail("%s has no %s (its latent scale): run 'tidal train vae' on it again to measure it", dir, RecordFile)
	}
	if err := json.Unmarshal(b, &v.Record); err != nil {
		return fail("%s: %s: %w", dir, RecordFile, err)
	}
	h, err := SnapshotHash(dir, v.Snapshot.Step)
	if err != nil {
		return fail("%s: %w", dir, err)
	}
	if v.Record.Step != v.Snapshot.Step || v.Record.WeightsHash != h {
		return fail("%s: %s measured step %d, but the newest snapshot is step %d (or its weights changed): run 'tidal train vae' on it again to measure it",
			dir, RecordFile, v.Record.Step, v.Snapshot.Step)
	}
	if !(v.Record.Scale > 0) || math.IsInf(v.Record.Scale, 0) {
		return fail("%s: %s: latent scale %v: expected a finite number > 0", dir, RecordFile, v.Record.Scale)
	}
	return v, nil
}

// SnapshotHash is the SHA-256 of the files of the run's snapshot of step (names and contents, in name
// order): the identity of the weights, their configuration and normalisation.
func SnapshotHash(run string, step int) (string, error) {
	dir := filepath.Join(run, "snapshots", fmt.Sprintf("step-%08d", step))
	es, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(es))
	for _, e := range es {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", n)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Close releases the weights, the compiled graphs and the backend VAE made.
func (v *VAE) Close() {
	for _, e := range []*model.Exec{v.enc, v.dec} {
		if e != nil {
			e.Finalize()
		}
	}
	v.enc, v.dec = nil, nil
	if v.Snapshot != nil && v.Snapshot.Store != nil {
		v.Snapshot.Store.Finalize()
		v.Snapshot.Store = nil
	}
	if v.own != nil {
		v.own.Finalize()
		v.own = nil
	}
}

func (v *VAE) backend() (compute.Backend, error) {
	if v.Backend != nil {
		return v.Backend, nil
	}
	if v.own == nil {
		name, err := backend.Resolve("")
		if err != nil {
			return nil, err
		}
		if v.own, err = backend.New(name); err != nil {
			return nil, err
		}
	}
	return v.own, nil
}

// LatentFrame is the latent frame [z, H/f, W/f].
func (v *VAE) LatentFrame() []int { return v.Model.Config.LatentFrame() }

// checkFrames refuses a series whose frames are not the model's.
func (v *VAE) checkFrames(what string, a *data.Array, frame []int) error {
	if a == nil || len(a.Shape) != 4 || fmt.Sprint(a.Shape[1:]) != fmt.Sprint(frame) {
		var shape []int
		if a != nil {
			shape = a.Shape
		}
		return fmt.Errorf("latent: %s of shape %v: expected [frames, %d, %d, %d]", what, shape, frame[0], frame[1], frame[2])
	}
	return nil
}

// Moments encodes the physical frames a [T, C, H, W] (normalised with the run's statistics first) and
// returns the posterior means and log-variances, each [T, z, h, w], unscaled.
func (v *VAE) Moments(ctx context.Context, a *data.Array) (mean, logVar *data.Array, err error) {
	if err := v.checkFrames("frames to encode", a, v.Model.Config.Frame); err != nil {
		return nil, nil, err
	}
	if v.enc == nil {
		b, err := v.backend()
		if err != nil {
			return nil, nil, err
		}
		if v.enc, err = model.NewExec(b, v.Snapshot.Store, func(scope *model.Scope, x *Node) (*Node, *Node) {
			return v.Model.Net.Encode(scope, x)
		}); err != nil {
			return nil, nil, err
		}
	}
	c := v.Model.Config
	T, F := a.Shape[0], data.NumElements(c.Frame)
	lf := v.LatentFrame()
	Z := data.NumElements(lf)
	src := a.Float32()
	mean = data.FromFloat32(make([]float32, T*Z), append([]int{T}, lf...)...)
	logVar = data.FromFloat32(make([]float32, T*Z), append([]int{T}, lf...)...)
	for s := 0; s < T; s += Batch {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n := min(Batch, T-s)
		x := append([]float32(nil), src[s*F:(s+n)*F]...)
		v.Snapshot.Norm.Normalize(x, c.Frame[1]*c.Frame[2])
		outs, err := v.enc.Call(tensors.FromFlatDataAndDimensions(x, append([]int{n}, c.Frame...)...))
		if err != nil {
			return nil, nil, fmt.Errorf("latent: encoding frames %d..%d: %w", s, s+n-1, err)
		}
		tensors.MustConstFlatData(outs[0], func(m []float32) { copy(mean.F32[s*Z:], m) })
		tensors.MustConstFlatData(outs[1], func(l []float32) { copy(logVar.F32[s*Z:], l) })
		outs[0].FinalizeAll()
		outs[1].FinalizeAll()
		v.Encoded += n
	}
	return mean, logVar, nil
}

// Encode maps the physical frames a [T, C, H, W] to scaled latents [T, z, h, w]: the posterior mean, or
// with the EncodeSample encoding one posterior sample μ + σ·ε with ε of frame i drawn from the stream
// (seed, i) (noise.Initial), times the run's latent scale.
func (v *VAE) Encode(ctx context.Context, a *data.Array, seed uint64) (*data.Array, error) {
	mean, logVar, err := v.Moments(ctx, a)
	if err != nil {
		return nil, err
	}
	if v.Model.Config.Encode == EncodeSample {
		Z := data.NumElements(v.LatentFrame())
		for i := range mean.Shape[0] {
			e, err := noise.Initial(seed^(uint64(i)*0x9e3779b97f4a7c15), append([]int{1}, v.LatentFrame()...)...)
			if err != nil {
				return nil, err
			}
			tensors.MustConstFlatData(e, func(ev []float32) {
				m, l := mean.F32[i*Z:(i+1)*Z], logVar.F32[i*Z:(i+1)*Z]
				for j := range m {
					m[j] += float32(math.Exp(0.5*float64(l[j]))) * ev[j]
				}
			})
			e.FinalizeAll()
		}
	}
	s := float32(v.Record.Scale)
	for i := range mean.F32 {
		mean.F32[i] *= s
	}
	return mean, nil
}

// Decode maps scaled latents [N, z, h, w] back to physical frames [N, C, H, W]: divided by the latent
// scale, decoded, and denormalised with the run's statistics.
func (v *VAE) Decode(ctx context.Context, z *data.Array) (*data.Array, error) {
	if err := v.checkFrames("latents to decode", z, v.LatentFrame()); err != nil {
		return nil, err
	}
	return v.decode(ctx, z, v.Record.Scale)
}

func (v *VAE) decode(ctx context.Context, z *data.Array, scale float64) (*data.Array, error) {
	if v.dec == nil {
		b, err := v.backend()
		if err != nil {
			return nil, err
		}
		if v.dec, err = model.NewExec(b, v.Snapshot.Store, func(scope *model.Scope, z *Node) *Node {
			return v.Model.Net.Decode(scope, z)
		}); err != nil {
			return nil, err
		}
	}
	c := v.Model.Config
	N, F := z.Shape[0], data.NumElements(c.Frame)
	Z := data.NumElements(v.LatentFrame())
	src := z.Float32()
	out := data.FromFloat32(make([]float32, N*F), append([]int{N}, c.Frame...)...)
	for s := 0; s < N; s += Batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(Batch, N-s)
		x := make([]float32, n*Z)
		for i, u := range src[s*Z : (s+n)*Z] {
			x[i] = float32(float64(u) / scale)
		}
		outs, err := v.dec.Call(tensors.FromFlatDataAndDimensions(x, append([]int{n}, v.LatentFrame()...)...))
		if err != nil {
			return nil, fmt.Errorf("latent: decoding frames %d..%d: %w", s, s+n-1, err)
		}
		tensors.MustConstFlatData(outs[0], func(y []float32) { copy(out.F32[s*F:], y) })
		outs[0].FinalizeAll()
	}
	v.Snapshot.Norm.Denormalize(out.F32, c.Frame[1]*c.Frame[2])
	return out, nil
}

// Measure computes the snapshot's Record: the latent scale from the encoding of trainFrames (the run's
// encoding, seed 0) and the reconstruction PSNR and RMSE of heldOut (posterior mean, decoded), both
// [frames, C, H, W] in physical units.
func (v *VAE) Measure(ctx context.Context, trainFrames, heldOut *data.Array) (*Record, error) {
	h, err := SnapshotHash(v.Dir, v.Snapshot.Step)
	if err != nil {
		return nil, err
	}
	r := &Record{Step: v.Snapshot.Step, WeightsHash: h, Encode: v.Model.Config.Encode, Scale: 1}
	v.Record.Scale = 1
	z, err := v.Encode(ctx, trainFrames, 0)
	if err != nil {
		return nil, err
	}
	r.TrainFrames = trainFrames.Shape[0]
	r.LatentMean, r.LatentStd = meanStd(z.F32)
	if !(r.LatentStd > 0) || math.IsInf(r.LatentStd, 0) || math.IsNaN(r.LatentStd) {
		return nil, fmt.Errorf("latent: the training frames' latents have standard deviation %v: no latent scale (did training diverge?)", r.LatentStd)
	}
	r.Scale = 1 / r.LatentStd
	mean, _, err := v.Moments(ctx, heldOut)
	if err != nil {
		return nil, err
	}
	rec, err := v.decode(ctx, mean, 1)
	if err != nil {
		return nil, err
	}
	r.HeldOut = heldOut.Shape[0]
	r.PSNR, r.RMSE = reconstructionScores(rec.F32, heldOut.Float32(), heldOut.Shape)
	trivial := make([]float32, len(rec.F32))
	v.Snapshot.Norm.Denormalize(trivial, heldOut.Shape[2]*heldOut.Shape[3]) // zeros in normalised units: each channel's mean
	r.MeanPSNR, _ = reconstructionScores(trivial, heldOut.Float32(), heldOut.Shape)
	v.Record = *r
	return r, nil
}

// meanStd is the mean and (population) standard deviation of x, in float64.
func meanStd(x []float32) (mean, std float64) {
	for _, u := range x {
		mean += float64(u)
	}
	mean /= float64(len(x))
	var ss float64
	for _, u := range x {
		d := float64(u) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(x)))
}

// reconstructionScores are the mean over frames of metrics.PSNR of got against want ([frames, ...]),
// with want's range over all frames, and the root-mean-square error over all values.
func reconstructionScores(got, want []float32, shape []int) (psnr, rmse float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, u := range want {
		lo, hi = min(lo, float64(u)), max(hi, float64(u))
	}
	T := shape[0]
	F := len(want) / T
	var ss float64
	for i := range T {
		x, y := make([]float64, F), make([]float64, F)
		for j := range F {
			x[j], y[j] = float64(got[i*F+j]), float64(want[i*F+j])
			ss += (x[j] - y[j]) * (x[j] - y[j])
		}
		psnr += metrics.PSNR(x, y, hi-lo)
	}
	return psnr / float64(T), math.Sqrt(ss / float64(len(want)))
}
