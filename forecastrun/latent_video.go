package forecastrun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/trainrun"
)

// forecastLatentVideo forecasts a video file with a latent DyDiff run trained on videos with actions
// (docs/VIDEO.md, docs/LATENT.md): the first Context frames of each video are encoded with the run's
// VAE, the videos forecast in latent space under the file's actions or --actions (--cases N: the first
// N videos), and every member decoded back into frames (latent.VAE.ForecastVideos). The forecast and
// its truth are written as a pixel video run's are, in the videos' own units.
func forecastLatentVideo(o Options) error {
	shape, fileA, ins, err := videoInputs(o)
	if err != nil {
		return err
	}
	in := ins[0]
	v, dir, err := openLatentOfRun(o)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := trainrun.CheckLatentFrames(v, "data", in); err != nil {
		return err
	}
	ins = append(ins, cli.RunDirInput("latent", dir)) // the outputs must spare the VAE run too
	if err := cli.CheckOutputs(ins, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return err
	}
	m, snap, err := loadRun(&o)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if err := m.CheckFrame("the VAE's latent frames", v.LatentFrame()); err != nil {
		return fmt.Errorf("--run %s: %w", o.Run, err)
	}
	cases, lead, err := videoCasesLead(o, m, in, shape)
	if err != nil {
		return err
	}
	acts, err := videoActions(o, mc, in, fileA)
	if err != nil {
		return err
	}
	if err := m.CheckForecastSize(o.Budget, o.Out, dymodel.ForecastSize{Unit: "videos", Cases: cases, Members: o.Members, Lead: lead,
		Frame: fmt.Sprintf("frame %v → %v", mc.Frame, shape[2:]), FrameElems: int64(data.NumElements(mc.Frame)), Decoded: int64(data.NumElements(shape[2:])),
		Held: guard.Sum(guard.Product(in.Bytes(), 3), trainrun.FrameBytes(shape[0]*shape[1], mc.Frame))}); err != nil {
		return err
	}
	videos, err := trainrun.ReadVideoFlag("data", o.Data, o.Budget)
	if err != nil {
		return err
	}
	name, backend := o.backendNamed()
	f, err := v.ForecastVideos(o.ctx(), videos.Frames, mc.Context, o.Seed, latent.ForecastNames{Data: "--data " + o.Data, VAE: "--latent " + dir},
		func(z *data.Array) (*dymodel.Forecast, error) {
			j := dymodel.Job{Trained: &dymodel.Trained{Dir: o.Run, Model: m, Snapshot: snap}, Backend: backend, Cases: forecast.Cases{Context: mc.Context, Lead: lead}, Videos: cases,
				Options: dymodel.ForecastOptions{Members: o.Members, Sampler: o.samplerOptions(), Seed: o.Seed, Actions: acts, Progress: o.progress()}, Out: o.Out, Budget: o.Budget,
				Name: fmt.Sprintf("--run %s on %s", o.Run, in), // size checked above, with the decoding
				Read: func() (*data.Array, *data.Array, error) { return z, videos.Actions, nil }}
			return j.Run(o.ctx())
		})
	if err != nil {
		return err
	}
	if err := writeForecast(o, ins, f); err != nil { // NPY: --format nc is refused for videos
		return err
	}
	fmt.Fprintf(o.stdout(), "%s: forecast %v of %s step %d in the latent space of %s (%s, %d steps, backend %s), decoded; videos 0..%d from frame %d; truth %s\n",
		o.Out, f.Ensemble.Shape, o.Run, snap.Step, v.Dir, o.Sampler, o.Steps, *name, cases-1, mc.Context, o.TruthOut)
	return nil
}
