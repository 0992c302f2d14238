package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// runForecastSeries is `tidal forecast` on a time series [T, N]: the windows of the rolling protocol
// (seriesCases), each forecast from its own last --context rows, written as [windows, members, lead,
// N] with the truth [windows, lead, N], in the series' units.
func runForecastSeries(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	in, err := readSeriesInput(b, "data", fl.data, fl.series)
	if err != nil {
		return err
	}
	inputs := []*inputArray{in.array(), runDirInput("model", fl.model)}
	if err := checkOutputs(inputs, [2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut}); err != nil {
		return err
	}
	m, snap, err := dymodel.Load(fl.model, func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+f+"\n", a...) })
	if err != nil {
		return fmt.Errorf("--model %w", err)
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if mc.Net != "series" {
		return fmt.Errorf("--model %s is a model of fields %v; --data %s is a time series [%d, %d] (train one with 'tidal train dydiff --data %s')", fl.model, mc.Frame, fl.data, in.s.T, in.s.N, fl.data)
	}
	if err := m.CheckFrame(in.String(), []int{in.s.N}); err != nil {
		return err
	}
	if err := resolveSampler(&fl, m); err != nil {
		return err
	}
	lead := fl.lead
	if lead == 0 {
		lead = mc.Predict
	}
	cs, err := seriesCases(in, fl.series, mc.Context, lead, fl.cases, "cases")
	if err != nil {
		return err
	}
	B, N := len(cs.Starts), int64(in.s.N)
	fcBytes := guard.Product(int64(B), int64(fl.members), int64(lead), N, 4)
	truthBytes := guard.Product(int64(B), int64(lead), N, 4)
	what := fmt.Sprintf("a forecast [%d windows, %d members, %d lead, %d series] float32", B, fl.members, lead, N)
	if err := b.CheckMemory(what, guard.Sum(guard.Product(int64(in.s.T), N, 8), guard.Product(fcBytes, 3), truthBytes,
		m.SampleBytes(fl.members))); err != nil {
		return err
	}
	if err := b.CheckDisk(what, fl.out, guard.Sum(guard.Product(fcBytes, 2), truthBytes)); err != nil {
		return err
	}
	arr := in.s.Array()
	ctxs, err := forecast.Context(arr, cs)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	truth, err := forecast.Truth(arr, cs)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	contexts := m.Contexts(ctxs, snap.Norm)
	so := dymodel.SamplerOptions{Kind: fl.sampler, Steps: fl.steps, EtaDDIM: fl.ddimEta, ClipX0: fl.clipX0, SigmaMax: fl.sigmaMax}
	ens, name, err := sampleEnsemble(cmd, fl, so, nil, m, snap, contexts, lead, cs.Starts, []int{in.s.T, in.s.N})
	if err != nil {
		return err
	}
	snap.Norm.Denormalize(ens.Float32(), m.Inner())
	truth32 := data.FromFloat32(truth.Float32(), truth.Shape...)
	if err := writeNPYs(inputs, []namedOutput{npyOutput("out", fl.out, ens), npyOutput("truth-out", fl.truthOut, truth32)}); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), windows starting at rows %v; truth %s\n",
		fl.out, ens.Shape, fl.model, snap.Step, fl.sampler, fl.steps, name, cs.Starts, fl.truthOut)
	return nil
}
