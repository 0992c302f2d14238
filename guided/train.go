package guided

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/train"
)

// TrainSpec is one training run of an IDM, a VDM or a discriminator.
type TrainSpec struct {
	Kind string
	// Series is the training series [T, C, H, W] in physical units; its last ValFraction is held out.
	Series dataset.Series
	// Options are the loop's (steps, batch, learning rate, EMA, seed, ...).
	Options train.Options
	// UNet is the image/video network; InChannels and OutChannels are filled in from the data.
	UNet nets.Config
	// DiT, when not nil, is the image/video network instead of the UNet: a DiT on the one frame of
	// the noisy field and its conditioning channels (nets.DiTConfig.InChannels and DataChannels are
	// filled in from the data; docs/NETS.md, "DiT").
	DiT *nets.DiTConfig
	// Disc is the discriminator; FrameChannels and Context are filled in.
	Disc guidance.Config
	// SigmaData, PMean and PStd: EDM's σ_data and training noise distribution.
	SigmaData, PMean, PStd float64
	// Crop [h, w] trains on random crops (nil: whole fields).
	Crop []int
	// Static holds time-invariant conditioning fields [S, H, W] on the series' grid, which the network
	// sees, normalised per channel, beside its input (nil: none). Whole fields only: not with Crop.
	Static *dataset.Static
	// SigmaStep and FutureOnly shape the discriminator's negatives (guidance.Offsets).
	SigmaStep  float64
	FutureOnly bool
	// ValFraction is the share of the series held out (frames at its end).
	ValFraction float64
	// DataSeed fixes the data order, crops and the discriminator's examples.
	DataSeed uint64
	// ValPairs is the number of held-out discriminator pairs scored for the accuracy per noise level
	// (default 128).
	ValPairs int

	Dir       string
	Backend   compute.Backend
	Log       io.Writer
	StartOver bool
}

// Summary is what summary.json in a run directory holds after a training command.
type Summary struct {
	Kind   string  `json:"kind"`
	Step   int     `json:"step"`
	Params int     `json:"params"`
	Loss   float64 `json:"loss"`
	// Accuracy is the discriminator's held-out accuracy, overall and per noise-level bin.
	Accuracy     float64       `json:"accuracy,omitempty"`
	AccuracyBins []AccuracyBin `json:"accuracy_by_noise,omitempty"`
	Result       train.Result  `json:"result"`
}

// String is the summary as the training commands print it after the run directory: the kind, the
// parameters, the last step and loss, and a discriminator's held-out accuracy per noise-level bin.
func (sum Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d parameters) at step %d, loss %.4g", sum.Kind, sum.Params, sum.Step, sum.Loss)
	if sum.AccuracyBins != nil {
		fmt.Fprintf(&b, ", held-out accuracy %.3f (", sum.Accuracy)
		for i, bin := range sum.AccuracyBins {
			if i > 0 {
				b.WriteString(", ")
			}
			hi := "∞"
			if bin.Hi > 0 {
				hi = fmt.Sprint(bin.Hi)
			}
			fmt.Fprintf(&b, "σ∈[%g,%s): %.3f of %d", bin.Lo, hi, bin.Accuracy, bin.Count)
		}
		b.WriteString(")")
	}
	return b.String()
}

// AccuracyBin is one noise-level bin of the held-out accuracy: σ in [Lo, Hi) (Hi 0: no upper bound).
type AccuracyBin struct {
	Lo       float64 `json:"sigma_lo"`
	Hi       float64 `json:"sigma_hi,omitempty"`
	Count    int     `json:"count"`
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"bce"`
}

// Trainer is a prepared training run.
type Trainer struct {
	Job    train.Job
	Config ModelConfig
	Params int
	// heldOut scores the discriminator on the held-out batch (nil for image models).
	heldOut func(store *model.Store) (float64, []guidance.NoiseBin, error)
	static  *dataset.Static // kept in the run directory by Run, for Open
}

// NewTrainer checks the spec against the data and prepares the job.
func NewTrainer(s TrainSpec) (*Trainer, error) {
	sh := s.Series.Shape
	if len(sh) != 4 {
		return nil, fmt.Errorf("%s: shape %v: expected a series of fields [frames, channels, height, width]", s.Series.Name, sh)
	}
	T, C, H, W := sh[0], sh[1], sh[2], sh[3]
	if len(s.Crop) == 0 {
		s.Crop = nil
	}
	cfg := ModelConfig{Kind: s.Kind, Channels: C, Height: H, Width: W, SigmaData: s.SigmaData, PMean: s.PMean, PStd: s.PStd,
		Crop: s.Crop, ValFraction: s.ValFraction, DataSeed: s.DataSeed}
	if len(s.Crop) == 2 && s.Crop[0] == H && s.Crop[1] == W {
		cfg.Crop = nil
	}
	S := 0
	if s.Static != nil {
		if err := s.Static.CheckGrid("static fields", H, W); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Series.Name, err)
		}
		if cfg.Crop != nil {
			return nil, fmt.Errorf("static fields with a crop %v: the network would need the static fields cropped alike; train on whole %d×%d fields", cfg.Crop, H, W)
		}
		cfg.Static, S = s.Static.Config(), s.Static.Channels
	}
	static := func(cond []*Node, like *Node) []*Node { return withStatic(cond, cfg.Static, s.Static, like) }
	lopt := diffusion.LossOptions{PMean: s.PMean, PStd: s.PStd, SigmaData: s.SigmaData}
	t := &Trainer{}
	switch s.Kind {
	case KindIDM, KindVDM:
		in, frames := C+S, 1
		if s.Kind == KindVDM {
			in, frames = (Context+1)*C+S, Context+1
		}
		var u denoiserNet
		if s.DiT != nil {
			dc := *s.DiT
			dc.InChannels, dc.DataChannels = in, C
			d, err := nets.NewDiT(dc)
			if err != nil {
				return nil, err
			}
			full := d.Config()
			cfg.DiT, u = &full, d
		} else {
			uc := s.UNet
			uc.InChannels, uc.OutChannels = in, C
			un, err := nets.New(uc)
			if err != nil {
				return nil, err
			}
			full := un.Config()
			cfg.UNet, u = &full, un
		}
		if err := fitsCrop(H, W, cfg.Crop); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Series.Name, err)
		}
		tr, val, norm, err := dataset.Split([]dataset.Series{s.Series}, dataset.Options{Frames: frames, ValFraction: s.ValFraction, Crop: cfg.Crop, Seed: s.DataSeed})
		if err != nil {
			return nil, err
		}
		pre := diffusion.Precondition(u.Apply, s.SigmaData)
		loss := func(scope *model.Scope, batch []*Node) *Node {
			x := batch[0] // [B, k, C, h, w]
			d := x.Shape().Dimensions
			frame := func(i int) *Node { return Reshape(Slice(x, AxisRange(), AxisRange(i, i+1)), d[0], d[2], d[3], d[4]) }
			if frames == 1 {
				return diffusion.RandomLoss(scope, pre, lopt, frame(0), static(nil, x))
			}
			return diffusion.RandomLoss(scope, pre, lopt, frame(2), static([]*Node{frame(1), frame(0)}, x))
		}
		t.Params = u.NumParams()
		t.Job = train.Job{Options: s.Options, Norm: norm, Loss: loss, Train: tr}
		if val != nil && val.Len() > 0 {
			t.Job.Val = val
		}
	case KindDiscriminator:
		dc := s.Disc
		dc.FrameChannels, dc.Context, dc.StaticChannels = C, Context, S
		d, err := guidance.New(dc)
		if err != nil {
			return nil, err
		}
		if err := fitsCrop(H, W, cfg.Crop); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Series.Name, err)
		}
		full := d.Config()
		cfg.Disc, cfg.SigmaStep, cfg.FutureOnly = &full, s.SigmaStep, s.FutureOnly
		logit := func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
			return d.Logit(scope, x, sigma, static(cond, x))
		}
		if s.Options.BatchSize%2 != 0 {
			return nil, fmt.Errorf("batch %d: a discriminator batch holds pairs (a positive and a negative): expected an even number", s.Options.BatchSize)
		}
		cut := int(float64(T) * (1 - s.ValFraction))
		if cut < Context+2 || T-cut < Context+2 {
			return nil, fmt.Errorf("%s: %d frames split at %d (val fraction %g): the discriminator needs at least %d frames on each side",
				s.Series.Name, T, cut, s.ValFraction, Context+2)
		}
		norm, err := dataset.ComputeNorm([]dataset.Series{s.Series}, []int{cut})
		if err != nil {
			return nil, err
		}
		all := append([]float32(nil), s.Series.Data...)
		norm.Normalize(all, H*W)
		F := C * H * W
		trainArr := data.FromFloat32(all[:cut*F], cut, C, H, W)
		valArr := data.FromFloat32(all[cut*F:], T-cut, C, H, W)
		opt := guidance.DefaultExampleOptions()
		opt.Offsets = guidance.Offsets{SigmaStep: s.SigmaStep, FutureOnly: s.FutureOnly}
		opt.PMean, opt.PStd = s.PMean, s.PStd
		if cfg.Crop != nil {
			opt.CropH, opt.CropW = cfg.Crop[0], cfg.Crop[1]
			opt.WrapH, opt.WrapW = dc.PadH != 0, dc.PadW != 0
		}
		src := &discSource{name: s.Series.Name, arr: trainArr, opt: opt, seed: s.DataSeed}
		if _, err := src.Batch(0, 2); err != nil { // the options against the data, before training
			return nil, err
		}
		vopt := opt
		vopt.CropH, vopt.CropW = 0, 0
		vex, err := guidance.NewExamples(s.Series.Name+" (held out)", valArr, vopt, s.DataSeed^0x5eed)
		if err != nil {
			return nil, err
		}
		pairs := s.ValPairs
		if pairs <= 0 {
			pairs = 128
		}
		vb, err := vex.Batch(pairs)
		if err != nil {
			return nil, err
		}
		t.heldOut = func(store *model.Store) (float64, []guidance.NoiseBin, error) {
			logits, err := guidance.Evaluate(t.Job.Backend, store, logit, vb, 64)
			if err != nil {
				return 0, nil, err
			}
			labels, sigmas := guidance.Float64s(vb.Label), guidance.Float64s(vb.Sigma)
			bins, err := guidance.AccuracyByNoise(logits, labels, sigmas, guidance.DefaultNoiseEdges)
			if err != nil {
				return 0, nil, err
			}
			all, err := guidance.AccuracyByNoise(logits, labels, sigmas, nil)
			if err != nil {
				return 0, nil, err
			}
			return all[0].Accuracy, bins, nil
		}
		t.Params = d.NumParams()
		t.Job = train.Job{Options: s.Options, Norm: norm, Loss: guidance.LossFn(logit), Train: src}
		if t.Job.Options.PreviewEvery == 0 { // the held-out accuracy goes with every checkpoint
			t.Job.Options.PreviewEvery = s.Options.CheckpointEvery
		}
		t.Job.Preview = func(ema *model.Store, step int) (map[string]float64, error) {
			acc, bins, err := t.heldOut(ema)
			if err != nil {
				return nil, err
			}
			return accuracyScores(acc, bins), nil
		}
	default:
		return nil, fmt.Errorf("unknown model kind %q: expected %s, %s or %s", s.Kind, KindIDM, KindVDM, KindDiscriminator)
	}
	t.Config = cfg
	t.Job.Config, t.Job.Dir, t.Job.Backend, t.Job.Log, t.Job.StartOver = cfg, s.Dir, s.Backend, s.Log, s.StartOver
	t.static = s.Static
	return t, nil
}

// accuracyScores names the held-out accuracies as stats.jsonl's preview holds them.
func accuracyScores(acc float64, bins []guidance.NoiseBin) map[string]float64 {
	m := map[string]float64{"accuracy": acc}
	for _, b := range bins {
		if b.Count > 0 {
			name := fmt.Sprintf("accuracy_sigma_%g_%g", b.Lo, b.Hi)
			if math.IsInf(b.Hi, 1) {
				name = fmt.Sprintf("accuracy_sigma_%g_up", b.Lo)
			}
			m[name] = b.Accuracy
		}
	}
	return m
}

// Run keeps the static fields in the run directory (if any), trains (or resumes) the run, then writes
// summary.json into its directory.
func (t *Trainer) Run(ctx context.Context) (Summary, error) {
	if t.static != nil { // Open reads them back (dataset.KeepStatic: the same fields as before, unless started over)
		if err := dataset.KeepStatic(t.Job.Dir, t.static, t.Job.StartOver); err != nil {
			return Summary{}, err
		}
	}
	res, err := train.Run(ctx, t.Job)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Kind: t.Config.Kind, Step: res.Step, Params: t.Params, Result: res}
	if st, err := train.ReadStats(t.Job.Dir); err == nil && len(st) > 0 {
		sum.Loss = st[len(st)-1].Loss
	}
	if t.heldOut != nil {
		snap, err := train.LatestSnapshot(t.Job.Dir, nil)
		if err != nil {
			return Summary{}, err
		}
		acc, bins, err := t.heldOut(snap.Store)
		snap.Store.Finalize()
		if err != nil {
			return Summary{}, fmt.Errorf("held-out accuracy: %w", err)
		}
		sum.Accuracy = acc
		for _, b := range bins {
			hi := b.Hi
			if math.IsInf(hi, 1) {
				hi = 0
			}
			sum.AccuracyBins = append(sum.AccuracyBins, AccuracyBin{Lo: b.Lo, Hi: hi, Count: b.Count, Accuracy: b.Accuracy, Loss: b.Loss})
		}
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return Summary{}, err
	}
	return sum, atomicfile.WriteFile(filepath.Join(t.Job.Dir, "summary.json"), append(b, '\n'))
}

// discSource draws the discriminator's training pairs (guidance.Examples) so that batch index i depends
// only on (seed, i): a resumed run sees the same examples.
type discSource struct {
	name string
	arr  *data.Array
	opt  guidance.ExampleOptions
	seed uint64
}

func (s *discSource) Batch(index, size int) ([]*tensors.Tensor, error) {
	if size < 2 || size%2 != 0 {
		return nil, fmt.Errorf("discriminator batch %d: expected an even number of rows (pairs)", size)
	}
	ex, err := guidance.NewExamples(s.name, s.arr, s.opt, mix(s.seed, uint64(index)))
	if err != nil {
		return nil, err
	}
	b, err := ex.Batch(size / 2)
	if err != nil {
		return nil, err
	}
	return b.Tensors(), nil
}

// mix is SplitMix64 of a and b: independent seeds for every (seed, index).
func mix(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 + b + 0x632be59bd9b4e019
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fitsCrop refuses a crop larger than the field. Fields and crops of any size fit the networks, which
// pad them to their levels' multiple (nets.PadToMultiple).
func fitsCrop(H, W int, crop []int) error {
	h, w := H, W
	if len(crop) == 2 {
		h, w = crop[0], crop[1]
		if h < 1 || w < 1 || h > H || w > W {
			return fmt.Errorf("crop %d×%d: expected at most the field's %d×%d", h, w, H, W)
		}
	}
	return nil
}
