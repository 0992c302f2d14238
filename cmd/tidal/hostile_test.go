package main

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
)

// hostileChild marks a run of this test binary as the tidal command itself (see TestMain).
const hostileChild = "TIDAL_HOSTILE_CHILD"

// TestMain lets the tests run this binary as the CLI: with hostileChild set it is `tidal`, its
// arguments those after the binary's name.
func TestMain(m *testing.M) {
	if os.Getenv(hostileChild) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if modelTemplate.dir != "" {
		os.RemoveAll(filepath.Dir(modelTemplate.dir))
	}
	removeGuidedFixture()
	os.Exit(code)
}

// childMemLimit is the GOMEMLIMIT of every hostile run, and maxChildRSS the peak resident memory it may reach.
const (
	childMemLimit = "512MiB"
	maxChildRSS   = 1 << 30
)

// tidalChild prepares the CLI as a child process in dir.
func tidalChild(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), hostileChild+"=1", "GOMEMLIMIT="+childMemLimit, "TIDAL_BACKEND=go")
	return cmd
}

// hostileFixture writes the inputs every case may use into dir and returns their paths by name.
func hostileFixture(t *testing.T, dir string) map[string]string {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	seq := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i)))
		}
		return v
	}
	must(data.WriteNPY(p("series.npy"), data.FromFloat32(seq(12*16), 12, 1, 4, 4)))
	must(data.WriteNPY(p("fc.npy"), data.FromFloat32(seq(2*3*4*16), 2, 3, 4, 4, 4)))
	must(data.WriteNPY(p("obs.npy"), data.FromFloat32(seq(2*4*16), 2, 4, 4, 4)))
	must(data.WriteNPY(p("roll.npy"), data.FromFloat32(seq(20*64), 20, 8, 8)))
	must(data.WriteNPY(p("fc6.npy"), data.FromFloat32(seq(2*2*16), 1, 2, 2, 1, 4, 4)))
	must(data.WriteNPY(p("truth.npy"), data.FromFloat32(seq(2*16), 1, 2, 1, 4, 4)))
	must(data.WriteNPY(p("scalar.npy"), data.FromFloat32([]float32{1})))
	must(data.WriteNPY(p("nan.npy"), data.FromFloat32(append(seq(12*16-1), float32(math.NaN())), 12, 1, 4, 4)))
	must(data.WriteNPY(p("field.npy"), data.FromFloat32(seq(12*128), 12, 2, 8, 8)))
	must(data.WriteNPY(p("fieldnan.npy"), data.FromFloat32(append(seq(12*128-1), float32(math.NaN())), 12, 2, 8, 8)))
	rows := func(T, N int) string { // a positive series of T rows × N columns, LSTNet text
		var b strings.Builder
		for r := range T {
			for n := range N {
				if n > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%.4f", 2+math.Sin(float64(r+3*n)))
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	must(os.WriteFile(p("ts.txt"), []byte(rows(40, 3)), 0o644))
	must(os.WriteFile(p("ts2.txt"), []byte(rows(40, 2)), 0o644))
	must(os.WriteFile(p("tsshort.txt"), []byte(rows(3, 3)), 0o644))
	must(os.WriteFile(p("ragged.txt"), []byte("1,2,3\n4,5\n"), 0o644))
	must(os.WriteFile(p("cells.csv"), []byte("a,b\n1,2\n3,x\n"), 0o644))
	must(os.WriteFile(p("gap.txt"), []byte("1,2\nNaN,3\n4,5\n"), 0o644))
	modelFixtures(t, dir)
	must(data.WriteNPY(p("season.npy"), data.FromFloat64(append(make([]float64, 19), math.NaN()), 20)))
	must(data.WriteNPY(p("fraction.npy"), data.FromFloat64(append(make([]float64, 19), 2.5), 20)))
	must(os.WriteFile(p("script.py"), []byte("print('torch')\n"), 0o644))
	must(os.Mkdir(p("folder.npy"), 0o755))
	must(syscall.Mkfifo(p("pipe.json"), 0o600))
	must(os.Symlink(p("series.npy"), p("link.npy")))
	must(os.Link(p("series.npy"), p("hard.npy")))
	// A valid header claiming 1.7e10 float64 values (136 GB) over a sparse file of that size.
	head := npyHead("{'descr': '<f8', 'fortran_order': False, 'shape': (17000000000,), }\n")
	f, err := os.Create(p("huge.npy"))
	must(err)
	f.Write(head)
	must(f.Truncate(int64(len(head)) + 8*17000000000))
	f.Close()
	// Header claims 4 values but the file holds 2.
	must(os.WriteFile(p("short.npy"), append(npyHead("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n"), make([]byte, 8)...), 0o644))
	// A zip member claiming 1 TiB uncompressed, with an NPY header to match.
	zf, err := os.Create(p("huge.npz"))
	must(err)
	zw := zip.NewWriter(zf)
	body := append(npyHead("{'descr': '<f8', 'fortran_order': False, 'shape': (137438953472,), }\n"), make([]byte, 64)...)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "x.npy", Method: zip.Store, CompressedSize64: uint64(len(body)), UncompressedSize64: 1 << 40})
	must(err)
	w.Write(body)
	must(zw.Close())
	zf.Close()
	guidedFixtureFiles(t, dir)
	names := map[string]string{"dir": dir}
	for k, v := range guidedFixture(t) {
		names[k] = v
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names[e.Name()] = p(e.Name())
	}
	return names
}

// npyHead is an NPY version 1 preamble around dict.
func npyHead(dict string) []byte {
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(dict)))
	return append(b, dict...)
}

// snapshot maps every file under dir (not following links) to its size and a hash of its first MiB:
// the sparse 136 GB input is not read whole.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, _ := d.Info()
		if d.Type() != 0 { // links, folders, pipes: their type and target, never their contents
			target, _ := os.Readlink(path)
			out[rel] = fmt.Sprintf("%v -> %s", d.Type(), target)
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		n, _ := f.Read(buf)
		out[rel] = fmt.Sprintf("%d bytes, %x", info.Size(), sha256.Sum256(buf[:n]))
		return nil
	})
	return out
}

// hostileCases are bad inputs for every command; want is what the message must name (the flag or file).
var hostileCases = []struct {
	name string
	args string // $name is replaced by the fixture's path of that file
	want string
}{
	// Allocation before verification.
	{"demo frames too few for the cases", "demo --out $dir/demo --frames 40 --cases 12 --lead 8", "--frames"},
	{"demo --size not a multiple of 4", "demo --out $dir/demo --size 18", "--size"},
	{"demo --config with an unknown key", "demo --out $dir/demo --config $bad.yaml", "bogus"},
	{"demo memory of the rollouts over the budget", "--max-memory 1MB demo --out $dir/demo --size 256 --rollout-frames 1000000", "--max-memory"},
	{"baseline 136 GB sparse NPY", "baseline --data $huge.npy --out $dir/f.npy", "huge.npy"},
	{"score 136 GB sparse forecast", "score --forecast $huge.npy --obs $obs.npy", "huge.npy"},
	{"rollout 136 GB sparse truth", "score rollout --forecast $roll.npy --obs $huge.npy", "huge.npy"},
	{"baseline NPZ claiming 1 TiB", "baseline --data $huge.npz --out $dir/f.npy", "huge.npz"},
	{"score truncated NPY", "score --forecast $fc.npy --obs $short.npy", "short.npy"},
	// Flags that imply unbounded work or memory.
	{"baseline --members 1e9", "baseline --data $series.npy --out $dir/f.npy --members 1000000000", "--members"},
	{"baseline members × cases over the budget", "baseline --data $series.npy --out $dir/f.npy --members 2000000 --cases 5 --context 1 --lead 2", "--max-memory"},
	{"baseline --cases -1", "baseline --data $series.npy --out $dir/f.npy --cases -1", "--cases"},
	{"rollout --bins 2e9", "score rollout --forecast $roll.npy --obs $roll.npy --bins 2000000000", "--bins"},
	{"rollout --max-lag -1", "score rollout --forecast $roll.npy --obs $roll.npy --max-lag -1", "--max-lag"},
	{"waves --size 1e6", "data waves --out $dir/w.npy --size 1000000", "--size"},
	{"waves --fields 1e9", "data waves --out $dir/w.npy --fields 1e9", "--fields"},
	{"waves --fields 1000000000", "data waves --out $dir/w.npy --fields 1000000000", "--fields"},
	{"waves over the disk", "data waves --out $dir/w.npy --size 1024 --frames 100000000 --max-memory 100GiB", "--max-disk"},
	{"waves over --max-disk", "data waves --out $dir/w.npy --size 64 --frames 100 --max-disk 1MB", "--max-disk"},
	{"navier-stokes --frames 1e10", "data navier-stokes --out $dir/ns.npy --frames 10000000000", "--frames"},
	{"navier-stokes over the disk", "data navier-stokes --out $dir/ns.npy --size 512 --frames 2000000000 --max-memory 200GiB", "--max-disk"},
	{"navier-stokes over --max-memory", "data navier-stokes --out $dir/ns.npy --size 4096 --frames 2 --max-memory 100MiB", "--max-memory"},
	{"bench conv --batch 0", "bench conv --batch 0", "--batch"},
	{"bench conv --sizes -1", "bench conv --sizes -1", "--sizes"},
	{"bench conv --time -1s", "bench conv --quick --time -1s", "--time"},
	{"bench conv over the budget", "bench conv --batch 4096 --sizes 4096 --widths 64", "--max-memory"},
	{"bench train-step --widths 0", "bench train-step --widths 0", "--widths"},
	{"bench navier-stokes --repeats 0", "bench navier-stokes --repeats 0", "--repeats"},
	{"bench navier-stokes --solver-steps -4", "bench navier-stokes --solver-steps -4", "--solver-steps"},
	{"bench metrics --members 0", "bench metrics --members 0", "--members"},
	{"bench metrics over the budget", "bench metrics --members 1000 --leads 100 --size 1024", "--max-memory"},
	{"bench sampler --sampler-steps 0", "bench sampler --sampler-steps 0", "--sampler-steps"},
	{"bench sampler --batch 1e6", "bench sampler --batch 1000000", "--batch"},
	{"bench sampler --time 1000h", "bench sampler --time 1000h", "--time"},
	{"bench sampler over the budget", "bench sampler --batch 4096 --size 4096 --channels 64", "--max-memory"},
	{"bench rollout --history 0", "bench rollout --history 0", "--history"},
	{"bench rollout --frames 1e12", "bench rollout --frames 1000000000000", "--frames"},
	{"bench rollout over the budget", "bench rollout --members 4096 --size 4096", "--max-memory"},
	{"bench rollout over --max-disk", "bench rollout --frames 100000 --dir $dir --max-disk 1MB", "--max-disk"},
	{"bench series-io --columns 0", "bench series-io --columns 0", "--columns"},
	{"bench series-io --repeats 1e9", "bench series-io --repeats 1000000000", "--repeats"},
	{"bench series-io over the budget", "bench series-io --rows 10000000 --columns 1000000", "--max-memory"},
	{"bench train-loop --size 4", "bench train-loop --size 4", "--size"},
	{"bench train-loop --rounds 0", "bench train-loop --rounds 0", "--rounds"},
	{"bench train-loop over the budget", "bench train-loop --batch 4096 --size 4096", "--max-memory"},
	{"bench train-loop parameters over the budget", "bench train-loop --batch 1 --size 8 --channels 4096", "--max-memory"},
	{"bench train-loop over --max-disk", "bench train-loop --batch 1 --size 4096 --channels 1 --max-memory 1TiB --max-disk 1MB", "--max-disk"},
	{"bench series-net --context = --window-length", "bench series-net --window-length 60 --context 60", "--context"},
	{"bench series-net --series 0", "bench series-net --series 4,0", "--series"},
	{"bench series-net tokens beyond the limit", "bench series-net --series 1000000", "--series"},
	{"bench series-net over the budget", "bench series-net --batch 64 --window-length 1000 --series 16", "--max-memory"},
	{"bench video-step --frames 2", "bench video-step --frames 2", "--frames"},
	{"bench video-step --threads 5000", "bench video-step --threads 1,5000", "--threads"},
	{"bench video-step over the budget", "bench video-step --batch 64 --frames 64 --sizes 256", "--max-memory"},
	{"bench video-step --profile in a missing folder", "bench video-step --sizes 8 --widths 4 --batch 1 --frames 4 --time 1ms --threads 1 --profile $dir/nowhere/p.pprof", "--profile"},
	{"bench video-step --profile a folder", "bench video-step --sizes 8 --widths 4 --batch 1 --frames 4 --time 1ms --threads 1 --profile $folder.npy", "--profile"},
	{"report --delay 0", "report --out $dir/rep --delay 0 --truth $truth.npy $fc6.npy", "--delay"},
	{"report --case beyond the forecast", "report --out $dir/rep --case 1 --truth $truth.npy $fc6.npy", "--case"},
	{"report --channel beyond the forecast", "report --out $dir/rep --channel 3 --truth $truth.npy $fc6.npy", "--channel"},
	{"--max-memory nonsense", "--max-memory lots baseline --data $series.npy --out $dir/f.npy", "--max-memory"},
	// Ranks and shapes.
	{"baseline 0-d --data", "baseline --data $scalar.npy --out $dir/f.npy", "--data"},
	{"baseline 0-d --pool", "baseline --method climatology --data $series.npy --pool $scalar.npy --out $dir/f.npy", "--pool"},
	{"score 0-d forecast", "score --forecast $scalar.npy --obs $obs.npy", "--forecast"},
	{"score 0-d truth", "score --forecast $fc.npy --obs $scalar.npy", "--obs"},
	{"rollout 0-d forecast", "score rollout --forecast $scalar.npy --obs $roll.npy", "--forecast"},
	{"rollout 0-d season", "score rollout --forecast $roll.npy --obs $roll.npy --season $scalar.npy", "--season"},
	{"score --lead-axis 7", "score --forecast $fc.npy --obs $obs.npy --lead-axis 7", "--lead-axis"},
	{"score --member-axis -1", "score --forecast $fc.npy --obs $obs.npy --member-axis -1", "--member-axis"},
	{"score same axes", "score --forecast $fc.npy --obs $obs.npy --member-axis 2", "--member-axis"},
	{"score truth of the wrong rank", "score --forecast $fc.npy --obs $fc.npy", "--obs"},
	// Outputs that would destroy inputs.
	{"baseline --out = --data", "baseline --data $series.npy --out $series.npy", "--data"},
	{"baseline --out symlink to --data", "baseline --data $series.npy --out $link.npy", "--data"},
	{"baseline --out hard link to --data", "baseline --data $series.npy --out $hard.npy", "--data"},
	{"baseline --out via ..", "baseline --data $series.npy --out $dir/folder.npy/../series.npy", "--data"},
	{"baseline --truth-out = --pool", "baseline --method climatology --data $series.npy --pool $hard.npy --out $dir/f.npy --truth-out $series.npy", "--pool"},
	{"baseline --truth-out = --out", "baseline --data $series.npy --out $dir/f.npy --truth-out $dir/f.npy", "--truth-out"},
	{"baseline --truth-out in a missing folder", "baseline --data $series.npy --out $dir/f.npy --truth-out $dir/nowhere/t.npy", "--truth-out"},
	{"score --bias-map in a missing folder", "score --forecast $fc.npy --obs $obs.npy --metrics bias --out $dir/r.json --bias-map $dir/nowhere/b.npy", "--bias-map"},
	{"score --out a named pipe", "score --forecast $fc.npy --obs $obs.npy --out $pipe.json", "pipe.json"},
	{"rollout --out a named pipe", "score rollout --forecast $roll.npy --obs $roll.npy --out $pipe.json", "pipe.json"},
	{"score --out = --forecast", "score --forecast $fc.npy --obs $obs.npy --out $fc.npy", "--forecast"},
	{"score --bias-map hard link to --data", "score --forecast $fc.npy --obs $hard.npy --metrics bias --bias-map $series.npy", "--obs"},
	{"rollout --out = --obs", "score rollout --forecast $roll.npy --obs $link.npy --out $series.npy", "--obs"},
	{"report --out = --truth", "report --out $truth.npy --truth $truth.npy $fc6.npy", "--out"},
	{"report --out the inputs' folder", "report --out $dir --truth $truth.npy $fc6.npy", "--out"},
	{"report --out a file", "report --out $series.npy --truth $truth.npy $fc6.npy", "series.npy"},
	{"bench --profile = --torch-script", "bench train-step --quick --profile $script.py --torch-script $script.py", "--torch-script"},
	// Silently accepted nonsense.
	{"score --metrics unknown", "score --forecast $fc.npy --obs $obs.npy --metrics crps,bogus", "--metrics"},
	{"rollout --band axis 7", "score rollout --forecast $roll.npy --obs $roll.npy --band 7,0,4", "--band"},
	{"rollout --band beyond the image", "score rollout --forecast $roll.npy --obs $roll.npy --band 1,5,100", "--band"},
	{"rollout --band of two values", "score rollout --forecast $roll.npy --obs $roll.npy --band 1,5", "--band"},
	{"rollout --channel 5", "score rollout --forecast $series.npy --obs $series.npy --channel 5", "--channel"},
	{"score --thresholds NaN", "score --forecast $fc.npy --obs $obs.npy --metrics csi --thresholds NaN", "--thresholds"},
	{"score --thresholds 1,Inf", "score --forecast $fc.npy --obs $obs.npy --metrics csi --thresholds 1,+Inf", "--thresholds"},
	{"score --csi-windows 0", "score --forecast $fc.npy --obs $obs.npy --metrics csi --thresholds 0 --csi-windows 0", "--csi-windows"},
	{"score --csi-windows -5", "score --forecast $fc.npy --obs $obs.npy --metrics csi --thresholds 0 --csi-windows -5", "--csi-windows"},
	{"score --fss-windows -3", "score --forecast $fc.npy --obs $obs.npy --metrics fss --thresholds 0 --fss-windows -3", "--fss-windows"},
	{"score --quantiles 1.5", "score --forecast $fc.npy --obs $obs.npy --quantiles 0.5,1.5", "--quantiles"},
	{"score --data-range NaN", "score --forecast $fc.npy --obs $obs.npy --data-range NaN", "--data-range"},
	{"rollout --season NaN", "score rollout --forecast $roll.npy --obs $roll.npy --season $season.npy", "--season"},
	{"rollout --season 2.5", "score rollout --forecast $roll.npy --obs $roll.npy --season $fraction.npy", "--season"},
	{"navier-stokes --dt NaN", "data navier-stokes --out $dir/ns.npy --size 16 --dt NaN", "--dt"},
	{"navier-stokes --nu NaN", "data navier-stokes --out $dir/ns.npy --size 16 --nu NaN", "--nu"},
	{"navier-stokes --drag -Inf", "data navier-stokes --out $dir/ns.npy --size 16 --drag -Inf", "--drag"},
	{"navier-stokes --split NaN", "data navier-stokes --out $dir/ns.npy --size 16 --split 0.5,NaN,0.5", "--split"},
	{"waves --dt Inf", "data waves --out $dir/w.npy --dt Inf", "--dt"},
	{"waves --speed-max NaN", "data waves --out $dir/w.npy --speed-max NaN", "--speed-max"},
	// Messages.
	{"score forecast is a folder", "score --forecast $folder.npy --obs $obs.npy", "folder.npy is a folder"},
	{"baseline data is a folder", "baseline --data $folder.npy --out $dir/f.npy", "folder.npy is a folder"},
	{"navier-stokes out is a folder", "data navier-stokes --out $folder.npy --size 32 --frames 2 --spinup 0", "folder.npy"},
	{"waves out in a missing folder", "data waves --out $dir/nowhere/w.npy", "nowhere"},
	{"baseline missing --data", "baseline --data $dir/absent.npy --out $dir/f.npy", "absent.npy"},
	{"bench rollout --dir missing", "bench rollout --dir $dir/nowhere", "nowhere"},
	{"bench rollout --dir a file", "bench rollout --dir $series.npy", "--dir"},
	{"bench sampler unknown sampler", "bench sampler --samplers ddim,euler", "--samplers"},
	{"report missing input", "report --out $dir/rep $dir/absent.json", "absent.json"},
	{"report input a named pipe", "report --out $dir/rep $pipe.json", "pipe.json"},
	{"report forecast without --truth", "report --out $dir/rep $fc6.npy", "--truth"},
	{"report forecast of rank 5", "report --out $dir/rep --truth $truth.npy $fc.npy", "fc.npy"},
	{"report --truth of rank 1", "report --out $dir/rep --truth $huge.npy $fc6.npy", "--truth"},
	{"report --truth missing", "report --out $dir/rep --truth $dir/absent.npy $fc6.npy", "absent.npy"},
	{"--max-disk NaN on any command", "--max-disk NaN version", "--max-disk"},
	// tidal train dydiff
	{"train dydiff data of rank 5", "train dydiff --data $fc.npy --run $dir/run", "--data"},
	{"train dydiff fewer frames than a window", "train dydiff --data $series.npy --run $dir/run --context 4 --predict 11", "fewer than --context 4 + --predict 11"},
	{"train dydiff NaN in the data", "train dydiff --data $nan.npy --run $dir/run --context 2 --predict 3", "nan.npy"},
	{"train dydiff --eta 1", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --eta 1", "--eta"},
	{"train dydiff --eta -0.5", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --eta -0.5", "--eta"},
	{"train dydiff --noising unknown", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --noising bogus", "--noising"},
	{"train dydiff --net unknown", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --net transformer", "--net"},
	{"train dydiff --val of other frames", "train dydiff --data $series.npy --val $field.npy --run $dir/run --context 2 --predict 3", "--val"},
	{"train dydiff --run is a file", "train dydiff --data $series.npy --run $obs.npy --context 2 --predict 3", "--run"},
	{"train dydiff --checkpoint-every 15", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --checkpoint-every 15", "--checkpoint-every"},
	{"train dydiff --val-every without --val", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --val-every 10", "--val"},
	{"train dydiff --batch 0", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --batch 0", "--batch"},
	{"train dydiff over --max-memory", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --batch 100000 --max-memory 100MiB", "--max-memory"},
	{"train dydiff --config with an unknown key", "train dydiff --config $bad.yaml", "bogus"},
	// time series [T, N] in train dydiff, forecast and baseline
	{"train dydiff series with ragged rows", "train dydiff --data $ragged.txt --run $dir/run --context 2 --predict 1", "ragged.txt: line 2"},
	{"train dydiff series with a non-numeric cell", "train dydiff --data $cells.csv --run $dir/run --context 2 --predict 1", "cells.csv: line 3"},
	{"train dydiff series with a NaN gap and no policy", "train dydiff --data $gap.txt --run $dir/run --context 2 --predict 1", "gap.txt: line 2"},
	{"train dydiff series anchored with one context row", "train dydiff --data $ts.txt --run $dir/run --context 1 --predict 1", "--anchor walk"},
	{"bench series with an unknown --dataset", "bench series --dataset m4 --data $ts.txt", "--dataset"},
	{"train dydiff series shorter than a window", "train dydiff --data $ts.txt --run $dir/run --context 38 --predict 3", "fewer than --context + --predict"},
	{"train dydiff series --train-rows past the data", "train dydiff --data $ts.txt --run $dir/run --context 2 --predict 2 --train-rows 41", "--train-rows"},
	{"train dydiff series --net unet", "train dydiff --data $ts.txt --run $dir/run --context 2 --predict 2 --net unet", "--net series"},
	{"train dydiff fields --net series", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 2 --net series", "--net series"},
	{"train dydiff series --mults", "train dydiff --data $ts.txt --run $dir/run --context 2 --predict 2 --mults 1,2", "--mults"},
	{"train dydiff series --missing bogus", "train dydiff --data $ts.txt --run $dir/run --context 2 --predict 2 --missing bogus", "--missing"},
	{"train dydiff series --input-format bogus", "train dydiff --data $ts.txt --run $dir/run --context 2 --predict 2 --input-format bogus", "--input-format"},
	{"forecast series model on other series", "forecast --run $seriesmodel --data $ts2.txt --out $dir/f.npy", "trained on 3 series"},
	{"forecast series context longer than the series", "forecast --run $seriesmodel --data $tsshort.txt --out $dir/f.npy", "fewer than the model's context"},
	{"forecast series model on fields", "forecast --run $seriesmodel --data $field.npy --out $dir/f.npy", "time-series model"},
	{"forecast field model on a series", "forecast --run $model --data $ts.txt --out $dir/f.npy", "model of fields"},
	{"forecast series --out = --data", "forecast --run $seriesmodel --data $ts.txt --out $ts.txt", "--data"},
	{"forecast series --starts without context", "forecast --run $seriesmodel --data $ts.txt --out $dir/f.npy --starts 2", "--starts"},
	{"forecast series --cases (a count of field cases)", "forecast --run $seriesmodel --data $ts.txt --out $dir/f.npy --cases 2", "--cases"},
	{"forecast series --windows past the data", "forecast --run $seriesmodel --data $ts.txt --out $dir/f.npy --windows 20", "--windows 20"},
	{"forecast series ragged rows", "forecast --run $seriesmodel --data $ragged.txt --out $dir/f.npy", "ragged.txt: line 2"},
	{"forecast series --num-cases", "forecast --run $seriesmodel --data $ts.txt --out $dir/f.npy --num-cases 3", "--cases"},
	{"baseline random-walk on an array", "baseline --data $series.npy --out $dir/f.npy --method random-walk", "random-walk"},
	{"baseline series --method climatology", "baseline --data $ts.txt --out $dir/f.npy --method climatology", "climatology"},
	{"baseline series --method unknown", "baseline --data $ts.txt --out $dir/f.npy --method arima", "--method"},
	{"baseline series --period longer than the data", "baseline --data $ts.txt --out $dir/f.npy --method seasonal-naive --period 45 --lead 2", "45"},
	{"baseline series NaN gap", "baseline --data $gap.txt --out $dir/f.npy", "gap.txt: line 2"},
	{"baseline series --truth-out = --data", "baseline --data $ts.txt --out $dir/f.npy --truth-out $ts.txt --lead 2", "--data"},
	{"baseline series --cases", "baseline --data $ts.txt --out $dir/f.npy --cases 3", "--cases"},
	// tidal forecast
	{"forecast unknown sampler", "forecast --run $model --data $field.npy --out $dir/f.npy --sampler euler", "--sampler"},
	{"forecast model of another method", "forecast --run $othermodel --data $field.npy --out $dir/f.npy", "idm"},
	{"forecast folder that is no run", "forecast --run $folder.npy --data $field.npy --out $dir/f.npy", "options.json"},
	{"forecast corrupted snapshot", "forecast --run $badmodel --data $field.npy --out $dir/f.npy", "no valid snapshot"},
	{"forecast data of other channels and size", "forecast --run $model --data $series.npy --out $dir/f.npy", "trained on frames [2 8 8]"},
	{"forecast data of rank 5", "forecast --run $model --data $fc.npy --out $dir/f.npy", "--data"},
	{"forecast NaN in the data", "forecast --run $model --data $fieldnan.npy --out $dir/f.npy --cases 1", "fieldnan.npy"},
	{"forecast --out = --data", "forecast --run $model --data $field.npy --out $field.npy", "--data"},
	{"forecast --truth-out = --data", "forecast --run $model --data $field.npy --out $dir/f.npy --truth-out $field.npy", "--data"},
	{"forecast --starts without context", "forecast --run $model --data $field.npy --out $dir/f.npy --starts 1", "--starts"},
	{"forecast --cases given start frames", "forecast --run $model --data $field.npy --out $dir/f.npy --cases 2,5", "--starts 2,5"},
	{"forecast --cases and --starts", "forecast --run $model --data $field.npy --out $dir/f.npy --cases 2 --starts 5", "not both"},
	{"baseline --cases given start frames", "baseline --data $series.npy --out $dir/f.npy --cases 3,6", "--starts 3,6"},
	{"forecast --lead past the data", "forecast --run $model --data $field.npy --out $dir/f.npy --lead 20", "too short"},
	{"forecast --sampler-steps 3 (past step 999) on a ddpm-form model", "forecast --run $seriesmodel --data $ts.txt --out $dir/f.npy --sampler-steps 3", "--sampler-steps"},
	{"train dydiff --param ddpm --preview-steps 3", "train dydiff --data $series.npy --run $dir/run --context 2 --predict 3 --param ddpm --preview-steps 3", "--preview-steps"},
	{"forecast --members 0", "forecast --run $model --data $field.npy --out $dir/f.npy --members 0", "--members"},
	{"forecast --ddim-eta 2", "forecast --run $model --data $field.npy --out $dir/f.npy --ddim-eta 2", "--ddim-eta"},
	{"forecast --clip-x0 -1", "forecast --run $model --data $field.npy --out $dir/f.npy --clip-x0 -1", "--clip-x0"},
	{"forecast --clip-x0 with ddpm", "forecast --run $model --data $field.npy --out $dir/f.npy --sampler ddpm --clip-x0 3", "--clip-x0"},
	{"forecast over --max-memory", "forecast --run $model --data $field.npy --out $dir/f.npy --members 4000 --cases 100000 --max-memory 1GiB", "--max-memory"},
	{"forecast --disc of other channels", "forecast --run $model --data $field.npy --out $dir/f.npy --disc $disc8", "--disc"},
	{"forecast --disc names an image model", "forecast --run $model --data $field.npy --out $dir/f.npy --disc $idm8", "--disc"},
	{"forecast --disc on a series", "forecast --run $model --data $ts.txt --out $dir/f.npy --disc $disc8", "--disc"},
	{"forecast --lambda without --disc", "forecast --run $model --data $field.npy --out $dir/f.npy --lambda 14", "--lambda"},
	{"forecast --lambda -1", "forecast --run $model --data $field.npy --out $dir/f.npy --disc $disc8 --lambda -1", "--lambda"},
	{"unknown backend", "--backend tpu version", "tpu"},
	// Guided image diffusion: training and rollouts.
	{"train idm 0-d --data", "train idm --data $scalar.npy --run $dir/run", "--data"},
	{"train idm NaN frames", "train idm --data $gnan.npy --run $dir/run", "gnan.npy"},
	{"train idm --steps 0", "train idm --data $g8.npy --run $dir/run --steps 0", "--steps"},
	{"train idm --crop beyond the field", "train idm --data $g8.npy --run $dir/run --crop 9,3 --mults 1,2", "crop"},
	{"train idm --mults 0", "train idm --data $g8.npy --run $dir/run --mults 0", "--mults"},
	{"train idm --run = --data", "train idm --data $g8.npy --run $g8.npy", "--run"},
	{"train vdm --attn-levels 5", "train vdm --data $g8.npy --run $dir/run --attn-levels 5", "--attn-levels"},
	{"train discriminator odd --batch", "train discriminator --data $g8.npy --run $dir/run --batch 3", "--batch"},
	{"train discriminator --sigma-step 0", "train discriminator --data $g8.npy --run $dir/run --sigma-step 0", "--sigma-step"},
	{"train discriminator too few frames", "train discriminator --data $g1.npy --run $dir/run", "g1.npy"},
	{"rollout init of another size", "rollout --idm $idm8 --init $g16.npy --frames 2 --out $dir/r.npy", "--init"},
	{"rollout disc of another resolution", "rollout --idm $idm8 --disc $disc16 --init $g8.npy --frames 2 --out $dir/r.npy", "--disc"},
	{"rollout disc of other channels", "rollout --idm $idm8 --disc $disc8c2 --init $g8.npy --frames 2 --out $dir/r.npy", "--disc"},
	{"rollout --lambda -1", "rollout --idm $idm8 --disc $disc8 --lambda -1 --init $g8.npy --frames 2 --out $dir/r.npy", "--lambda"},
	{"rollout NaN frames", "rollout --idm $idm8 --init $gnan.npy --frames 2 --out $dir/r.npy", "gnan.npy"},
	{"rollout one initial frame", "rollout --idm $idm8 --init $g1.npy --frames 2 --out $dir/r.npy", "g1.npy"},
	{"rollout --vdm with a disc of another resolution", "rollout --vdm $vdm8 --disc $disc16 --init $g8.npy --frames 2 --out $dir/r.npy", "--disc"},
	{"rollout --idm names a discriminator", "rollout --idm $disc8 --init $g8.npy --frames 2 --out $dir/r.npy", "--idm"},
	{"rollout --idm missing", "rollout --idm $dir/absent --init $g8.npy --frames 2 --out $dir/r.npy", "absent"},
	{"rollout --out = --init", "rollout --idm $idm8 --init $g8.npy --frames 2 --out $g8.npy", "--init"},
	{"rollout --frames 0", "rollout --idm $idm8 --init $g8.npy --frames 0 --out $dir/r.npy", "--frames"},
	{"rollout --members 1e9", "rollout --idm $idm8 --init $g8.npy --members 1000000000 --out $dir/r.npy", "--members"},
	{"rollout over --max-memory", "rollout --idm $idm8 --init $g8.npy --members 60000 --out $dir/r.npy --max-memory 10MB", "--max-memory"},
	{"rollout over --max-disk", "rollout --idm $idm8 --init $g8.npy --frames 10000000 --out $dir/r.npy --max-disk 1MB", "--max-disk"},
	{"rollout --cases beyond the frames", "rollout --idm $idm8 --init $g8.npy --cases 2 --lead 20 --out $dir/r.npy", "--init"},
	{"rollout --truth-out without --cases", "rollout --idm $idm8 --init $g8.npy --out $dir/r.npy --truth-out $dir/t.npy", "--truth-out"},
	{"rollout --sigma-max below --sigma-min", "rollout --idm $idm8 --init $g8.npy --out $dir/r.npy --sigma-max 0.001", "--sigma-max"},
	{"bench guided --size 6", "bench guided --quick --size 6", "--size"},
	{"bench guided --size 8 (below the forcing)", "bench guided --quick --size 8", "--size"},
	{"bench guided --frames 4 (too short for the ACF)", "bench guided --quick --frames 4", "--frames"},
}

// expand replaces $name by the fixture's path and splits on spaces.
func expand(args string, paths map[string]string) []string {
	var out []string
	for _, a := range strings.Fields(args) {
		for strings.Contains(a, "$") {
			i := strings.Index(a, "$")
			j := i + 1
			for j < len(a) && (a[j] == '.' || a[j] == '_' || a[j] >= 'a' && a[j] <= 'z' || a[j] >= '0' && a[j] <= '9') {
				j++
			}
			name := strings.TrimSuffix(a[i+1:j], ".")
			a = a[:i] + paths[name] + a[i+1+len(name):]
		}
		out = append(out, a)
	}
	return out
}

// TestHostileInputs runs every hostile case as a child process under GOMEMLIMIT and checks that it
// exits non-zero, without a panic, with a message naming the input, within bounded memory, leaving the
// folder exactly as it was: no output, no temporary, every input unchanged.
func TestHostileInputs(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := hostileFixture(t, dir)
			before := snapshot(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := tidalChild(ctx, dir, expand(c.args, paths)...)
			var stderr strings.Builder
			cmd.Stderr, cmd.Stdout = &stderr, &stderr
			err := cmd.Run()
			msg := stderr.String()
			if ctx.Err() != nil {
				t.Fatalf("still running after 30 s: %s", msg)
			}
			if err == nil || cmd.ProcessState.ExitCode() == 0 {
				t.Errorf("exit status 0, expected a refusal:\n%s", msg)
			}
			if strings.Contains(msg, "panic:") || strings.Contains(msg, "goroutine ") {
				t.Errorf("panicked:\n%s", msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("message does not name %q:\n%s", c.want, msg)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > maxChildRSS {
				t.Errorf("peak RSS %d MiB, expected under %d MiB", ru.Maxrss/1024, maxChildRSS>>20)
			}
			after := snapshot(t, dir)
			for name, h := range after {
				switch b, ok := before[name]; {
				case strings.Contains(name, atomicfile.TempSuffix):
					t.Errorf("temporary %s left behind", name)
				case !ok:
					t.Errorf("output %s written by a failed run", name)
				case b != h:
					t.Errorf("input %s changed: %s -> %s", name, b, h)
				}
			}
			for name := range before {
				if _, ok := after[name]; !ok {
					t.Errorf("input %s removed", name)
				}
			}
		})
	}
}

// flagBase gives, for every command of the tree that has numeric flags, arguments that make a quick
// valid run (tiny sizes, --quick), so that a refusal in the flag tests is the flag's doing. A command
// added later without an entry here fails TestEveryFloatFlagRefusesNaN and TestEveryIntFlagRefusesOutOfRange.
var flagBase = map[string]string{
	"tidal demo":                "demo --out $dir/demo --print-config",
	"tidal data navier-stokes":  "data navier-stokes --out $dir/ns.npy --size 16 --kf 2 --frames 2 --spinup 0 --quiet",
	"tidal data waves":          "data waves --out $dir/w.npy --size 8 --kmax 2 --frames 2",
	"tidal data pushing":        "data pushing --out $dir/p.npz --videos 1 --frames 2 --size 8",
	"tidal bench video":         "bench video --quick --size 12 --videos 2 --test-videos 1 --steps 1 --members 1 --sampler-steps 1 --channels 4 --batch 2 --vae-steps 1 --vae-channels 4 --vae-batch 2 --hidden 8 --depth 1 --dir $dir/bv",
	"tidal baseline":            "baseline --data $series.npy --out $dir/f.npy --cases 2 --lead 2",
	"tidal score":               "score --forecast $fc.npy --obs $obs.npy --metrics crps,csi --thresholds 0",
	"tidal score rollout":       "score rollout --forecast $roll.npy --obs $roll.npy",
	"tidal bench conv":          "bench conv --batch 1 --sizes 8 --widths 4 --time 1ms",
	"tidal bench metrics":       "bench metrics --no-numpy --cases 1 --members 2 --leads 1 --size 4",
	"tidal bench navier-stokes": "bench navier-stokes --sizes 32 --solver-steps 1 --repeats 1",
	"tidal bench rollout":       "bench rollout --frames 2 --repeats 1 --members 1 --size 8 --channels 4 --dir $dir",
	"tidal bench sampler":       "bench sampler --batch 1 --size 8 --channels 4 --sampler-steps 1 --time 1ms",
	"tidal bench series":        "bench series --quick --data $ts.txt --context 4 --predict 3 --steps 1 --members 2 --sampler-steps 1 --channels 4 --blocks 1 --batch 2 --windows 1",
	"tidal bench series-io":     "bench series-io --rows 4 --columns 2 --repeats 1",
	"tidal bench train-step":    "bench train-step --batch 1 --sizes 8 --channels 4 --time 1ms --nets unet --threads 1",
	"tidal train vae":           "train vae --data $field.npy --run $dir/vae --channels 4 --groups 4 --mults 1,2 --blocks 1 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --quiet",
	"tidal train dydiff":        "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2",
	"tidal bench dydiff":        "bench dydiff --quick --size 8 --frames 40 --channels 8 --steps 1 --cases 1 --members 2 --sampler-steps 1",
	"tidal forecast":            "forecast --run $model --data $field.npy --out $dir/f.npy --members 2 --sampler-steps 2 --cases 1",
	"tidal bench train-loop":    "bench train-loop --batch 1 --size 8 --channels 4 --steps 1 --rounds 1 --log-every 1",
	"tidal bench series-net":    "bench series-net --batch 1 --window-length 4 --context 2 --series 2 --repeats 1",
	"tidal bench video-step":    "bench video-step --batch 1 --frames 4 --sizes 8 --widths 4 --time 1ms --threads 1",
	"tidal report":              "report --out $dir/rep --truth $truth.npy $fc6.npy",
	"tidal bench guided":        "bench guided --quick --size 16 --steps 1 --frames 12 --members 1 --sampler-steps 1 --lambdas 1",
	"tidal train idm":           "train idm --data $g8.npy --run $dir/run " + tinyTrain,
	"tidal train vdm":           "train vdm --data $g8.npy --run $dir/run " + tinyTrain,
	"tidal train discriminator": "train discriminator --data $g8.npy --run $dir/run --head-width 4 " + tinyTrain,
	"tidal rollout":             "rollout --idm $idm8 --disc $disc8 --init $g8.npy --frames 1 --sampler-steps 2 --out $dir/r.npy",
}

// numericFlags walks the whole command tree and returns, per runnable command, its local flags whose
// type is one of types (pflag's names: "float64", "intSlice", ...).
func numericFlags(types ...string) map[*cobra.Command][]*pflag.Flag {
	out := map[*cobra.Command][]*pflag.Flag{}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			visit(sub)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			for _, typ := range types {
				if f.Value.Type() == typ && c.Runnable() {
					out[c] = append(out[c], f)
				}
			}
		})
	}
	visit(rootCmd)
	return out
}

// checkFlagRefusals runs, for each command with flags in cmds, its base arguments alone (which must
// succeed) and then with each flag set to each of bad (which must fail naming the flag, without a
// panic). It returns the number of refusals checked.
func checkFlagRefusals(t *testing.T, cmds map[*cobra.Command][]*pflag.Flag, bad func(f *pflag.Flag) []string) int {
	checked := 0
	for c, flags := range cmds {
		path := c.CommandPath()
		base, ok := flagBase[path]
		if !ok {
			t.Errorf("%s has numeric flags but no base arguments in flagBase", path)
			continue
		}
		child := func(t *testing.T, extra ...string) ([]string, string, error) {
			dir := t.TempDir()
			args := append(expand(base, hostileFixture(t, dir)), extra...)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := tidalChild(ctx, dir, args...).CombinedOutput()
			return args, string(out), err
		}
		t.Run(path+" control", func(t *testing.T) {
			if args, out, err := child(t); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
		})
		for _, f := range flags {
			for _, v := range bad(f) {
				checked++
				t.Run(path+" --"+f.Name+" "+v, func(t *testing.T) {
					args, out, err := child(t, "--"+f.Name, v)
					if err == nil || !strings.Contains(out, "--"+f.Name) || strings.Contains(out, "panic:") {
						t.Errorf("%v: %v, expected a refusal naming --%s:\n%s", args, err, f.Name, out)
					}
				})
			}
		}
	}
	return checked
}

// TestEveryFloatFlagRefusesNaN finds every floating-point flag of every command (so that flags and
// commands added later are covered too) and checks that NaN and +Inf are refused with the flag's name.
func TestEveryFloatFlagRefusesNaN(t *testing.T) {
	n := checkFlagRefusals(t, numericFlags("float64", "float64Slice"), func(*pflag.Flag) []string { return []string{"NaN", "+Inf"} })
	if n < 20 {
		t.Errorf("only %d refusals checked; expected the 11 float flags of data, score and rollout, twice", n)
	}
}

// TestEveryIntFlagRefusesOutOfRange finds every integer and duration flag of every command and checks
// that an absurd value is refused with the flag's name before any work starts: 2⁴⁰ (a count, size, axis
// or window no run can honour) and −1 for the integers; −1s and 10⁶ h for the durations. Seeds (unsigned)
// take any value and are not checked.
func TestEveryIntFlagRefusesOutOfRange(t *testing.T) {
	n := checkFlagRefusals(t, numericFlags("int", "intSlice", "duration"), func(f *pflag.Flag) []string {
		if f.Value.Type() == "duration" {
			return []string{"-1s", "1000000h"}
		}
		return []string{"-1", "1099511627776"}
	})
	if n < 60 {
		t.Errorf("only %d refusals checked; expected the 30-odd integer and duration flags, twice", n)
	}
}

// modelTemplate is a tiny `tidal train dydiff` run, trained once per test binary (in a child process)
// and copied into each fixture.
var modelTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// modelFixtures puts into dir: model (a tiny DyDiff run trained on field.npy [12, 2, 8, 8]),
// othermodel (a run directory of another method), badmodel (model with its snapshot's tensors
// damaged) and bad.yaml (a config with an unknown key).
func modelFixtures(t *testing.T, dir string) {
	t.Helper()
	modelTemplate.once.Do(func() {
		tmp, err := os.MkdirTemp("", "tidal-hostile-model-")
		if err != nil {
			modelTemplate.err = err
			return
		}
		modelTemplate.dir = filepath.Join(tmp, "model")
		seq := make([]float32, 12*128)
		for i := range seq {
			seq[i] = float32(math.Sin(float64(i)))
		}
		if err := data.WriteNPY(filepath.Join(tmp, "field.npy"), data.FromFloat32(seq, 12, 2, 8, 8)); err != nil {
			modelTemplate.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := tidalChild(ctx, tmp, "train", "dydiff", "--data", "field.npy", "--run", "model", "--context", "2", "--predict", "3",
			"--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--steps", "2", "--batch", "2",
			"--log-every", "1", "--checkpoint-every", "2").CombinedOutput()
		if err != nil {
			modelTemplate.err = fmt.Errorf("training the fixture model: %v\n%s", err, out)
			return
		}
		var ts strings.Builder
		for r := range 40 {
			fmt.Fprintf(&ts, "%.4f,%.4f,%.4f\n", 2+math.Sin(float64(r)), 2+math.Sin(float64(r+3)), 2+math.Sin(float64(r+6)))
		}
		if err := os.WriteFile(filepath.Join(tmp, "ts.txt"), []byte(ts.String()), 0o644); err != nil {
			modelTemplate.err = err
			return
		}
		// The ddpm form (series default to edm since issue 23), for the τ-rule case of --sampler-steps.
		out, err = tidalChild(ctx, tmp, "train", "dydiff", "--data", "ts.txt", "--run", "seriesmodel", "--context", "4", "--predict", "3",
			"--param", "ddpm", "--anchor", "none",
			"--channels", "8", "--blocks", "1", "--steps", "2", "--batch", "2", "--log-every", "1", "--checkpoint-every", "2").CombinedOutput()
		if err != nil {
			modelTemplate.err = fmt.Errorf("training the fixture series model: %v\n%s", err, out)
		}
	})
	if modelTemplate.err != nil {
		t.Fatal(modelTemplate.err)
	}
	for _, name := range []string{"model", "badmodel", "seriesmodel"} {
		src := modelTemplate.dir
		if name == "seriesmodel" {
			src = filepath.Join(filepath.Dir(src), "seriesmodel")
		}
		if err := os.CopyFS(filepath.Join(dir, name), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	bins, _ := filepath.Glob(filepath.Join(dir, "badmodel", "snapshots", "*", "tensors.bin"))
	if len(bins) == 0 {
		t.Fatal("the fixture model has no snapshot")
	}
	for _, b := range bins {
		f, err := os.OpenFile(b, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{0xde, 0xad, 0xbe, 0xef}, 16)
		f.Close()
	}
	if err := os.Mkdir(filepath.Join(dir, "othermodel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "othermodel", "options.json"), []byte(`{"options":{},"config":{"method":"idm"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("data: x.npy\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
