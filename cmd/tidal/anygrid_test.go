package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
)

// TestAnyGridSize trains and forecasts every model on grids its levels cannot halve evenly (issue 25):
// 28×40 and 45×90 lat-lon fields in NetCDF, DyDiff with the UNet (4 levels, multiples of 8) and with the
// video UNet, the image model guided by the discriminator, and the video model (3 levels, multiples
// of 4). Every forecast keeps the grid. Runs are child processes, the command lines as typed.
func TestAnyGridSize(t *testing.T) {
	dir := t.TempDir()
	tidal := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := tidalChild(ctx, dir, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tidal %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tiny := strings.Fields("--steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --blocks 1")
	for _, g := range [][2]int{{28, 40}, {45, 90}} {
		ny, nx := g[0], g[1]
		name := fmt.Sprintf("g%dx%d", ny, nx)
		p := func(s string) string { return filepath.Join(dir, name+s) }
		in := p(".nc")
		const T = 20
		v := make([]float32, T*ny*nx)
		for i := range v {
			v[i] = float32(math.Sin(0.3*float64(i/(ny*nx)) + 0.2*float64(i%nx) + 0.1*float64(i/nx%ny)))
		}
		lat, lon := make([]float64, ny), make([]float64, nx)
		for i := range lat {
			lat[i] = -88 + 176*float64(i)/float64(ny-1)
		}
		for i := range lon {
			lon[i] = 360 * float64(i) / float64(nx)
		}
		spec := &data.NCSpec{Dims: []data.NCDim{{Name: "time", Len: T, Unlimited: true}, {Name: "lat", Len: ny}, {Name: "lon", Len: nx}},
			Vars: []data.NCVar{{Name: "lat", Dims: []string{"lat"}, Type: data.NCDouble}, {Name: "lon", Dims: []string{"lon"}, Type: data.NCDouble},
				{Name: "pr", Dims: []string{"time", "lat", "lon"}, Type: data.NCFloat}}}
		vals := map[string]*data.Array{"lat": data.FromFloat64(lat, ny), "lon": data.FromFloat64(lon, nx), "pr": data.FromFloat32(v, T, ny, nx)}
		if err := data.WriteNC(in, spec, vals); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%d %d]", ny, nx)
		check := func(out string) {
			t.Helper()
			if !strings.Contains(out, want) {
				t.Errorf("%s: the forecast does not keep the grid %d×%d:\n%s", name, ny, nx, out)
			}
		}
		for _, net := range []string{"unet", "video"} {
			run := p("_" + net)
			tidal(append([]string{"train", "dydiff", "--net", net, "--data", in, "--run", run, "--context", "2", "--predict", "2",
				"--channels", "8", "--groups", "4", "--mults", "1,2,2,2"}, tiny...)...)
			check(tidal("forecast", "--run", run, "--data", in, "--out", p("_"+net+".nc"), "--members", "2", "--sampler-steps", "2", "--cases", "1"))
		}
		small := append(append([]string(nil), tiny...), "--channels", "4", "--groups", "2", "--mults", "1,2,2", "--val-fraction", "0.4")
		tidal(append([]string{"train", "idm", "--data", in, "--run", p("_idm")}, small...)...)
		tidal(append([]string{"train", "vdm", "--data", in, "--run", p("_vdm")}, small...)...)
		tidal(append([]string{"train", "discriminator", "--data", in, "--run", p("_disc"), "--head-width", "4"}, small...)...)
		check(tidal("rollout", "--idm", p("_idm"), "--disc", p("_disc"), "--init", in, "--cases", "1", "--lead", "2", "--members", "2", "--sampler-steps", "2", "--out", p("_g.nc")))
		check(tidal("rollout", "--vdm", p("_vdm"), "--init", in, "--cases", "1", "--lead", "2", "--members", "2", "--sampler-steps", "2", "--out", p("_v.nc")))
	}
}
