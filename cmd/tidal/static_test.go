package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
)

// TestStaticFieldsCLI trains DyDiff with --static (issue 25, item 5): the run keeps the fields as
// static.npy, a forecast uses them without the flag (and takes only the same ones), a run trained
// without static fields refuses --static, a resumed run refuses other fields, and bad files are refused
// at the boundary naming the flag, what was expected and what was found.
func TestStaticFieldsCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W = 12, 8, 12
	v := make([]float32, T*H*W)
	for i := range v {
		v[i] = float32(math.Sin(0.4*float64(i/(H*W)) + 0.3*float64(i%W) + 0.2*float64(i/W%H)))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(data.WriteNPY(p("x.npy"), data.FromFloat32(v, T, 1, H, W)))
	st := make([]float32, 2*H*W)
	for i := range st {
		st[i] = float32(i%7) + 100*float32(i/(H*W)) // a second channel on another scale: normalised per channel
	}
	must(data.WriteNPY(p("static.npy"), data.FromFloat32(st, 2, H, W)))
	other := slices.Clone(st)
	other[5]++
	must(data.WriteNPY(p("other.npy"), data.FromFloat32(other, 2, H, W)))
	must(data.WriteNPY(p("wrong.npy"), data.FromFloat32(st[:2*(H-1)*W], 2, H-1, W)))
	nan := slices.Clone(st)
	nan[H*W+3] = float32(math.NaN())
	must(data.WriteNPY(p("nan.npy"), data.FromFloat32(nan, 2, H, W)))

	train := func(run string, extra ...string) (string, error) {
		args := []string{"train", "dydiff", "--data", p("x.npy"), "--run", run, "--context", "2", "--predict", "2",
			"--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--steps", "2", "--batch", "2",
			"--log-every", "1", "--checkpoint-every", "2"}
		return runTidal(t, append(args, extra...)...)
	}
	forecast := func(run string, extra ...string) (string, error) {
		args := []string{"forecast", "--run", run, "--data", p("x.npy"), "--out", p("fc.npy"), "--members", "2",
			"--sampler-steps", "2", "--num-cases", "1"}
		return runTidal(t, append(args, extra...)...)
	}
	wantErr := func(out string, err error, parts ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("expected an error containing %q, got success:\n%s", parts, out)
		}
		for _, s := range parts {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not name %q", err, s)
			}
		}
	}

	out, err := train(p("wrongrun"), "--static", p("wrong.npy"))
	wantErr(out, err, "--static", "7×12", "8×12")
	out, err = train(p("nanrun"), "--static", p("nan.npy"))
	wantErr(out, err, "--static", "NaN", "channel 1, row 0, column 3")

	run := p("run")
	if out, err := train(run, "--static", p("static.npy")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	kept, err := data.ReadNPY(filepath.Join(run, dataset.StaticFile))
	must(err)
	if !slices.Equal(kept.Shape, []int{2, H, W}) || !slices.Equal(kept.Float32(), st) {
		t.Fatalf("the run keeps static fields %v, not the --static file's", kept.Shape)
	}
	if out, err := forecast(run); err != nil {
		t.Fatalf("a run trained with --static forecasts with its own fields: %v\n%s", err, out)
	}
	fc1, err := os.ReadFile(p("fc.npy"))
	must(err)
	if out, err := forecast(run, "--static", p("static.npy")); err != nil {
		t.Fatalf("the same --static is accepted: %v\n%s", err, out)
	}
	fc2, err := os.ReadFile(p("fc.npy"))
	must(err)
	if string(fc1) != string(fc2) {
		t.Error("forecasts with the run's static fields and with the same --static differ")
	}
	out, err = forecast(run, "--static", p("other.npy"))
	wantErr(out, err, "--static", "other static fields")
	out, err = train(run, "--static", p("other.npy"), "--steps", "4")
	wantErr(out, err, "--static", "other static fields")

	must(os.Remove(filepath.Join(run, dataset.StaticFile)))
	out, err = forecast(run)
	wantErr(out, err, "static channels", dataset.StaticFile)

	plain := p("plain")
	if out, err := train(plain); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = forecast(plain, "--static", p("static.npy"))
	wantErr(out, err, "--static", "without static fields")
	out, err = train(plain, "--static", p("static.npy"), "--steps", "4")
	wantErr(out, err, "--static", "without static fields")
}

// TestStaticFieldsGuidedCLI: the image model, the video model and the discriminator train with --static
// (kept as static.npy in each run), a rollout of the guided image model and of the video model, and a
// DyDiff forecast guided by the discriminator, use them without being told, --static with --crop is refused, and a rollout refuses --static for a model
// trained without static fields and other fields for one trained with them.
func TestStaticFieldsGuidedCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W = 20, 8, 8
	v := make([]float32, T*H*W)
	for i := range v {
		v[i] = float32(math.Sin(0.3*float64(i/(H*W)) + 0.2*float64(i%W) + 0.1*float64(i/W%H)))
	}
	st := make([]float32, H*W)
	for i := range st {
		st[i] = float32(i%5) * 10
	}
	other := slices.Clone(st)
	other[0] = -1
	for name, a := range map[string]*data.Array{"x.npy": data.FromFloat32(v, T, 1, H, W), "static.npy": data.FromFloat32(st, H, W), "other.npy": data.FromFloat32(other, H, W)} {
		if err := data.WriteNPY(p(name), a); err != nil {
			t.Fatal(err)
		}
	}
	small := strings.Fields("--steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --blocks 1 --channels 4 --groups 2 --mults 1,2 --val-fraction 0.4")
	tidal := func(args ...string) (string, error) { return runTidal(t, args...) }
	mustRun := func(args ...string) {
		t.Helper()
		if out, err := tidal(args...); err != nil {
			t.Fatalf("tidal %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	withStatic := append([]string{"--data", p("x.npy"), "--static", p("static.npy")}, small...)
	mustRun(append([]string{"train", "idm", "--run", p("idm")}, withStatic...)...)
	mustRun(append([]string{"train", "vdm", "--run", p("vdm")}, withStatic...)...)
	mustRun(append([]string{"train", "discriminator", "--run", p("disc"), "--head-width", "4"}, withStatic...)...)
	for _, run := range []string{"idm", "vdm", "disc"} {
		if _, err := os.Stat(filepath.Join(p(run), dataset.StaticFile)); err != nil {
			t.Errorf("%s: %v", run, err)
		}
	}
	roll := []string{"--init", p("x.npy"), "--cases", "1", "--lead", "2", "--members", "2", "--steps", "2"}
	mustRun(append([]string{"rollout", "--idm", p("idm"), "--disc", p("disc"), "--out", p("g.npy")}, roll...)...)
	mustRun(append([]string{"rollout", "--vdm", p("vdm"), "--out", p("v.npy"), "--static", p("static.npy")}, roll...)...)
	// DyDiff guided by the discriminator: each brings its own static fields.
	mustRun("train", "dydiff", "--data", p("x.npy"), "--static", p("static.npy"), "--run", p("dy"), "--context", "2", "--predict", "2",
		"--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--steps", "2", "--batch", "2", "--log-every", "1", "--checkpoint-every", "2")
	mustRun("forecast", "--run", p("dy"), "--disc", p("disc"), "--lambda", "1", "--data", p("x.npy"), "--out", p("dy.npy"),
		"--members", "2", "--sampler-steps", "2", "--num-cases", "1")
	_, err := tidal(append([]string{"rollout", "--vdm", p("vdm"), "--out", p("v2.npy"), "--static", p("other.npy")}, roll...)...)
	if err == nil || !strings.Contains(err.Error(), "other static fields") {
		t.Errorf("rollout with other --static: %v", err)
	}
	_, err = tidal(append(append([]string{"train", "idm", "--run", p("crop")}, withStatic...), "--crop", "4,4")...)
	if err == nil || !strings.Contains(err.Error(), "--crop") {
		t.Errorf("--static with --crop: %v", err)
	}
	mustRun(append([]string{"train", "vdm", "--run", p("plain"), "--data", p("x.npy")}, small...)...)
	_, err = tidal(append([]string{"rollout", "--vdm", p("plain"), "--out", p("v3.npy"), "--static", p("static.npy")}, roll...)...)
	if err == nil || !strings.Contains(err.Error(), "without static fields") {
		t.Errorf("rollout --static of a model trained without: %v", err)
	}
}
