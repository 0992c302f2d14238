package main

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

func init() { scoreCmd.AddCommand(newScoreRolloutCmd()) }

// newScoreRolloutCmd is `tidal score rollout`.
func newScoreRolloutCmd() *cobra.Command {
	var (
		forecast, obs, latWeights, season, out string
		maxLag, bins, window, channel, member  int
		band                                   []int
		asJSON                                 bool
		spectrum                               string
	)
	cmd := &cobra.Command{
		Use: "rollout",
		Example: `  tidal score rollout --forecast guided.npy --obs ns_test.npy --json --out roll.json
  tidal score rollout --forecast roll.npy --obs ns_test.npy --member 0 --max-lag 50`,
		Short: "Compare the time consistency of a long rollout with the truth: ACF, Hovmöller W1, drift, spectrum",
		Long: `rollout reads a forecast rollout and a truth sequence, each an NPY of shape [T, H, W] or [T, channels, H, W]
(their lengths may differ), and compares their time-consistency diagnostics (docs/METRICS.md). The forecast
may also be the output of 'tidal rollout', [T, members, channels, H, W]: --member K scores member K, and
without --member every member is scored in turn (a table each; --json and --out write
{"members": [report, ...]}, one report per member; a single member's report is what 'tidal report' reads).
  acf        autocorrelation of each standardised grid-point series at lags 0..--max-lag
  hovmoller  distribution of the Wasserstein-1 distance between consecutive Hovmöller rows
  drift      spatial mean over time: its mean, least-squares slope and running mean
  spectrum   time-mean radially averaged power spectrum, and log10(forecast/truth) per wavenumber;
             on a lat-lon grid (NetCDF with lat and lon coordinates) the zonal spectrum instead: FFT along
             longitude per latitude row, averaged over latitudes with cos-latitude weights (--spectrum)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := guard.First(
				guard.Int("max-lag", maxLag, 1, maxCount), guard.Int("bins", bins, 1, 1<<20),
				guard.Int("window", window, 0, maxCount), guard.Int("channel", channel, 0, maxCount), guard.Int("member", member, 0, maxCount),
			); err != nil {
				return err
			}
			b, err := runBudget()
			if err != nil {
				return err
			}
			const layout = "[T, H, W] or [T, channels, H, W]"
			fi, err := statInput("forecast", forecast, 3, 5, layout+", or [T, members, channels, H, W] as 'tidal rollout' writes")
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("member") {
				member = -1 // every member
			}
			members, err := rolloutMembers(fi, member)
			if err != nil {
				return err
			}
			view := fi // the diagnostics see one member's [T, channels, H, W] at a time
			if len(fi.shape) == 5 {
				view = &inputArray{flag: fi.flag, path: fi.path, shape: append([]int{fi.shape[0]}, fi.shape[2:]...), dtype: fi.dtype}
			}
			oi, err := statInput("obs", obs, 3, 4, layout)
			if err != nil {
				return err
			}
			if err := checkRolloutLengths(view, oi, maxLag, window); err != nil {
				return err
			}
			inputs := []*inputArray{fi, oi, {flag: "lat-weights", path: latWeights}, {flag: "season", path: season}}
			if err := checkOutputs(inputs, [2]string{"out", out}); err != nil {
				return err
			}
			// Both series as float64, and the diagnostics' work arrays of the same order.
			// A forecast with members is also copied member by member.
			need := guard.Sum(guard.Product(fi.Float64Bytes(), 3), guard.Product(oi.Float64Bytes(), 3), guard.Product(int64(bins), 64))
			if view != fi {
				need = guard.Sum(need, fi.Float64Bytes())
			}
			if err := b.CheckMemory(fmt.Sprintf("rollout diagnostics of forecast %v and truth %v", fi.shape, oi.shape), need); err != nil {
				return err
			}
			fa, err := fi.read(b)
			if err != nil {
				return err
			}
			per := splitMembers(fa, members)
			oa, err := oi.read(b)
			if err != nil {
				return err
			}
			opt := metrics.RolloutOptions{MaxLag: maxLag, Bins: bins, Window: window, Channel: channel}
			if opt.ZonalRows, err = zonalRows(spectrum, fi, oi); err != nil {
				return err
			}
			if err := checkRolloutAxes(view, band, channel); err != nil {
				return err
			}
			if len(band) > 0 {
				opt.Band = &metrics.HovmollerBand{Axis: band[0], From: band[1], To: band[2]}
			}
			if latWeights != "" {
				wa, err := data.ReadNPY(latWeights)
				if err != nil {
					return fmt.Errorf("--lat-weights: %w", err)
				}
				n := len(fa.Shape)
				if n < 2 {
					return fmt.Errorf("forecast %s: shape %v is not a rollout of images", forecast, fa.Shape)
				}
				if opt.Weights, err = metrics.PointWeights(fa.Shape[n-2:], wa.Float64(), wa.Shape); err != nil {
					return fmt.Errorf("--lat-weights %s: %w", latWeights, err)
				}
			}
			if season != "" {
				if opt.Season, err = readSeason(season, b); err != nil {
					return err
				}
			}
			reps := make([]*metrics.RolloutReport, len(per))
			for i, m := range per {
				if reps[i], err = metrics.ScoreRollout(m.Float64(), m.Shape, oa.Float64(), oa.Shape, opt); err != nil {
					return fmt.Errorf("forecast %s%s, truth %s: %w", forecast, memberName(members, i), obs, err)
				}
			}
			js, err := rolloutJSON(reps)
			if err != nil {
				return err
			}
			if err := writeNPYs(inputs, []namedOutput{bytesOutput("out", out, append(js, '\n'))}); err != nil {
				return err
			}
			if asJSON {
				fmt.Fprintln(cmd.OutOrStdout(), string(js))
				return nil
			}
			for i, r := range reps {
				if len(reps) > 1 {
					fmt.Fprintf(cmd.OutOrStdout(), "member %d:\n", members[i])
				}
				fmt.Fprint(cmd.OutOrStdout(), r.Table())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&forecast, "forecast", "", "forecast rollout NPY, [T, H, W] or [T, channels, H, W] (required)")
	f.StringVar(&obs, "obs", "", "truth sequence NPY, same layout (required)")
	f.IntVar(&maxLag, "max-lag", 9, "largest ACF lag, frames")
	f.IntVar(&channel, "channel", 0, "channel to score when the files have a channel axis")
	f.IntVar(&member, "member", 0, "the member to score of a forecast [T, members, channels, H, W] ('tidal rollout' writes it); not given: every member in turn")
	f.StringVar(&latWeights, "lat-weights", "", "NPY of weights: [H] per row or [H, W]; normalised to mean 1")
	f.StringVar(&season, "season", "", "NPY of one integer label per frame (e.g. month 0..11): subtract each label's mean before the ACF")
	f.IntSliceVar(&band, "band", nil, "Hovmöller band axis,from,to: axis 1 averages columns from..to-1, axis 0 rows (default: the 10 centre columns)")
	f.IntVar(&bins, "bins", 50, "bins of the W1 histograms")
	f.IntVar(&window, "window", 0, "running-mean window of the drift series, frames (0: T/20)")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a summary table")
	f.StringVar(&spectrum, "spectrum", "auto", "isotropic (radially averaged 2-D spectrum), zonal (FFT along longitude per latitude row, cos-latitude weighted) or auto (zonal for NetCDF inputs on a lat-lon grid)")
	f.StringVar(&out, "out", "", "also write the JSON report to this file")
	cmd.MarkFlagRequired("forecast")
	cmd.MarkFlagRequired("obs")
	return cmd
}

// readSeason reads --season: one integer label per frame, each finite, whole and in [0, 2^31).
func readSeason(path string, b guard.Budget) ([]int, error) {
	si, err := statInput("season", path, 1, 1, "[frames] of integer labels")
	if err != nil {
		return nil, err
	}
	sa, err := si.read(b)
	if err != nil {
		return nil, err
	}
	labels := make([]int, 0, sa.Len())
	for i, v := range sa.Float64() {
		if math.IsNaN(v) || v < 0 || v >= 1<<31 || v != math.Trunc(v) {
			return nil, fmt.Errorf("--season %s: label %d is %v, expected a whole number in [0, 2^31)", path, i, v)
		}
		labels = append(labels, int(v))
	}
	return labels, nil
}

// checkRolloutAxes refuses a --band that does not fit the forecast's images and a --channel it lacks.
func checkRolloutAxes(fi *inputArray, band []int, channel int) error {
	n := len(fi.shape)
	if n == 4 && channel >= fi.shape[1] {
		return fmt.Errorf("--channel %d: expected a channel of %s, whose shape %v has channels 0 to %d", channel, fi, fi.shape, fi.shape[1]-1)
	}
	if len(band) == 0 {
		return nil
	}
	if len(band) != 3 {
		return fmt.Errorf("--band %v: expected three integers axis,from,to", band)
	}
	if band[0] != 0 && band[0] != 1 {
		return fmt.Errorf("--band axis %d: expected 0 (average rows) or 1 (average columns)", band[0])
	}
	size := fi.shape[n-2+band[0]] // axis 0 indexes rows (H), axis 1 columns (W)
	if band[1] < 0 || band[1] >= band[2] || band[2] > size {
		return fmt.Errorf("--band %d,%d,%d: expected 0 ≤ from < to ≤ %d, the images' size along the band of %s", band[0], band[1], band[2], size, fi)
	}
	return nil
}

// checkRolloutLengths refuses a --max-lag or --window that the shorter of the two series cannot hold:
// a lag of T or more frames has no pair of frames, a running mean of more than T frames no value.
func checkRolloutLengths(fi, oi *inputArray, maxLag, window int) error {
	short := fi
	if oi.shape[0] < fi.shape[0] {
		short = oi
	}
	T := short.shape[0]
	if maxLag >= T {
		return fmt.Errorf("--max-lag %d: expected a lag below the %d frames of %s", maxLag, T, short)
	}
	if window > T {
		return fmt.Errorf("--window %d: expected at most the %d frames of %s", window, T, short)
	}
	return nil
}

// zonalRows resolves --spectrum: nil for the isotropic spectrum, else the latitude rows' weights of the
// zonal one: cos(latitude) of the first input on a recognised lat-lon grid, or equal weights when
// --spectrum zonal is asked of inputs without coordinates.
func zonalRows(spectrum string, ins ...*inputArray) ([]float64, error) {
	w, _ := gridLatWeights(ins...)
	switch spectrum {
	case "isotropic":
		return nil, nil
	case "auto":
		return w, nil
	case "zonal":
		if w == nil {
			r := len(ins[0].shape)
			w = make([]float64, ins[0].shape[r-2])
			for i := range w {
				w[i] = 1
			}
		}
		return w, nil
	}
	return nil, fmt.Errorf("--spectrum %q: expected auto, isotropic or zonal", spectrum)
}

// rolloutMembers are the members of the forecast fi to score: [-1] (the whole file) for a rollout
// without a member axis, else --member K, or every member when K is -1 (--member not given). A
// forecast without a member axis refuses a --member.
func rolloutMembers(fi *inputArray, member int) ([]int, error) {
	if len(fi.shape) != 5 {
		if member >= 0 {
			return nil, fmt.Errorf("--member %d: %s has shape %v, no member axis (a forecast of 'tidal rollout' is [T, members, channels, H, W])", member, fi, fi.shape)
		}
		return []int{-1}, nil
	}
	M := fi.shape[1]
	if member >= M {
		return nil, fmt.Errorf("--member %d: %s has %d members (shape %v [T, members, channels, H, W]), 0 to %d", member, fi, M, fi.shape, M-1)
	}
	if member >= 0 {
		return []int{member}, nil
	}
	out := make([]int, M)
	for i := range out {
		out[i] = i
	}
	return out, nil
}

// splitMembers is the forecast a [T, members, frame...] as one array [T, frame...] per member of
// members, or a itself when members is [-1] (no member axis).
func splitMembers(a *data.Array, members []int) []*data.Array {
	if len(members) == 1 && members[0] < 0 {
		return []*data.Array{a}
	}
	T, M := a.Shape[0], a.Shape[1]
	F := data.NumElements(a.Shape[2:])
	shape := append([]int{T}, a.Shape[2:]...)
	out := make([]*data.Array, len(members))
	for i, m := range members {
		if a.DType == data.Float64 {
			out[i] = data.FromFloat64(memberValues(a.F64, T, M, F, m), shape...)
		} else {
			out[i] = data.FromFloat32(memberValues(a.Float32(), T, M, F, m), shape...)
		}
	}
	return out
}

// memberValues gathers member m of values [T, M, F] into [T, F].
func memberValues[V float32 | float64](v []V, T, M, F, m int) []V {
	w := make([]V, 0, T*F)
	for t := range T {
		w = append(w, v[(t*M+m)*F:(t*M+m+1)*F]...)
	}
	return w
}

// memberName is " member K" for the i-th scored member, "" for a file without a member axis.
func memberName(members []int, i int) string {
	if members[i] < 0 {
		return ""
	}
	return fmt.Sprintf(" member %d", members[i])
}

// rolloutJSON is one report's JSON, or {"members": [...]} for several.
func rolloutJSON(reps []*metrics.RolloutReport) ([]byte, error) {
	if len(reps) == 1 {
		return reps[0].JSON()
	}
	parts := make([]json.RawMessage, len(reps))
	for i, r := range reps {
		js, err := r.JSON()
		if err != nil {
			return nil, err
		}
		parts[i] = js
	}
	return json.MarshalIndent(map[string]any{"members": parts}, "", "  ")
}
