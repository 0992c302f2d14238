package main

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/rollout"
)

// Issue 21, the second round of hostile inputs (docs/HARDENING.md). Every case runs the CLI as a child
// process under a 3 GB address-space limit (ulimit -v, and no GOMEMLIMIT, so that the budget must find it), in a fixture that holds one tiny
// trained run (model, the template shared with TestHostileInputs) reached by other names too (a
// symbolic link to it, a hard link to its options.json), and must exit non-zero within 60 s with a
// one-line error naming want, leaving every file and folder exactly as it was.

// round2AS is the address-space limit of every child, in KiB (ulimit -v).
const round2AS = 3000000

// round2Fixture adds to the fixture of TestHostileInputs (model, ts.txt, field.npy, ...) what the
// second round needs.
func round2Fixture(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths := hostileFixture(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(p("model"), p("modellink")))
	must(os.Link(p("model/options.json"), p("optshard.json")))
	must(syscall.Mkfifo(p("pipe.yaml"), 0o600))
	must(syscall.Mkfifo(p("pipe.csv"), 0o600))
	must(syscall.Mkfifo(p("pipe.npy"), 0o600))
	must(os.CopyFS(p("datarun"), os.DirFS(p("model"))))
	must(os.Link(p("field.npy"), p("datarun/field.npy")))
	must(os.CopyFS(p("pipemodel"), os.DirFS(p("model"))))
	must(os.Remove(p("pipemodel/norm.json")))
	must(syscall.Mkfifo(p("pipemodel/norm.json"), 0o600))
	must(os.Mkdir(p("junk"), 0o755))
	must(os.WriteFile(p("junk/notes.txt"), []byte("not a run\n"), 0o644))
	must(os.WriteFile(p("nan.yaml"), []byte("lr: .nan\n"), 0o644))
	// A gzipped LSTNet series that inflates to 2.5 GB: 250 gzip members of 10 MiB of the same rows each
	// (a reader takes concatenated members as one stream).
	var member strings.Builder
	gz, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	row := []byte(strings.Repeat("1.0,2.0,3.0\n", 1<<10))
	for written := 0; written < 10<<20; written += len(row) {
		gz.Write(row)
	}
	must(gz.Close())
	must(os.WriteFile(p("bomb.txt.gz"), []byte(strings.Repeat(member.String(), 250)), 0o644))
	for _, n := range []string{"modellink", "optshard.json", "pipe.yaml", "pipe.csv", "pipe.npy", "junk", "datarun", "pipemodel", "nan.yaml", "bomb.txt.gz"} {
		paths[n] = p(n)
	}
	return paths
}

// round2Cases are the cases of issue 21; want is what the one-line error must name.
var round2Cases = []struct {
	name, args, want string // args may start with more limits for the child's shell: "[-f 40] forecast ..."
}{
	// 1. Data loss: a run directory is an input under every name.
	{"forecast --out a snapshot's tensors", "forecast --run $model --data $field.npy --out $model/snapshots/step-00000002/tensors.bin", "--run"},
	{"forecast --out the run's options.json", "forecast --run $model --data $field.npy --out $model/options.json", "--run"},
	{"forecast --out a new file in the run", "forecast --run $model --data $field.npy --out $model/f.npy", "--run"},
	{"forecast --out via ..", "forecast --run $model --data $field.npy --out $dir/junk/../model/options.json", "--run"},
	{"forecast --out via a symlink to the run", "forecast --run $model --data $field.npy --out $modellink/options.json", "--run"},
	{"forecast --run a symlink, --out in the run", "forecast --run $modellink --data $field.npy --out $model/f.npy", "--run"},
	{"forecast --out a hard link to options.json", "forecast --run $model --data $field.npy --out $optshard.json", "--run"},
	{"forecast series --out in the run", "forecast --run $seriesmodel --data $ts.txt --out $seriesmodel/options.json", "--run"},
	{"forecast --truth-out in the run", "forecast --run $model --data $field.npy --out $dir/f.npy --truth-out $model/norm.json", "--run"},
	{"forecast --out in the --disc run", "forecast --run $model --data $field.npy --disc $disc8 --out $disc8/x.npy", "--disc"},
	{"rollout --out in the --idm run", "rollout --idm $idm8 --init $g8.npy --frames 1 --out $idm8/options.json", "--idm"},
	{"rollout --out in the --disc run", "rollout --idm $idm8 --disc $disc8 --init $g8.npy --frames 1 --out $disc8/r.npy", "--disc"},
	{"rollout --out in the --vdm run", "rollout --vdm $vdm8 --init $g8.npy --frames 1 --out $vdm8/r.npy", "--vdm"},
	{"report --out inside the run it reads", "report --out $model/report $model", "--out"},
	{"report --out via a symlink into the run", "report --out $modellink/report $model", "--out"},
	{"report --out the folder holding its inputs", "report --out $dir $model", "--out"},
	{"baseline --out = --config", "baseline --data $series.npy --out $bad.yaml --config $bad.yaml", "--config"},
	{"train dydiff --run an unrelated non-empty folder", "train dydiff --data $field.npy --run $junk --context 2 --predict 3 --steps 1", "not a tidal run"},
	{"train dydiff --run the data's folder", "train dydiff --data $field.npy --run $dir --context 2 --predict 3 --steps 1", "not a tidal run"},
	{"train dydiff --run holding --data", "train dydiff --data $datarun/field.npy --run $datarun --context 2 --predict 3 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2", "--data"},
	{"train dydiff --run holding a hard link of --data", "train dydiff --data $field.npy --run $datarun --context 2 --predict 3 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2", "--data"},
	{"train idm --run an unrelated non-empty folder", "train idm --data $g8.npy --run $junk", "not a tidal run"},
	// 2. Hangs: pipes, devices and folders are refused before a byte is read, naming the flag.
	{"train dydiff --config a named pipe", "train dydiff --config $pipe.yaml", "--config"},
	{"baseline --config a named pipe", "baseline --config $pipe.yaml", "--config"},
	{"forecast --config a folder", "forecast --config $junk", "--config"},
	{"baseline series --data a named pipe", "baseline --data $pipe.csv --out $dir/f.npy", "--data"},
	{"train dydiff series --data a named pipe", "train dydiff --data $pipe.csv --run $dir/run", "--data"},
	{"forecast series --data a named pipe", "forecast --run $seriesmodel --data $pipe.csv --out $dir/f.npy", "--data"},
	{"baseline --data an NPY named pipe", "baseline --data $pipe.npy --out $dir/f.npy", "--data"},
	{"score --obs an NPY named pipe", "score --forecast $fc.npy --obs $pipe.npy", "--obs"},
	{"train dydiff --val a named pipe", "train dydiff --data $field.npy --val $pipe.npy --run $dir/run --context 2 --predict 3", "--val"},
	{"forecast --run holding a named pipe", "forecast --run $pipemodel --data $field.npy --out $dir/f.npy", "--run"},
	{"rollout --idm holding a named pipe", "rollout --idm $pipemodel --init $g8.npy --frames 1 --out $dir/r.npy", "--idm"},
	{"report of a run holding a named pipe", "report --out $dir/rep $pipemodel", "pipemodel"},
	{"rollout --init a named pipe", "rollout --idm $idm8 --init $pipe.npy --frames 1 --out $dir/r.npy", "--init"},
	// 3. Files left behind on a full disk (ulimit -f: a write past the limit fails as it would on a full disk).
	{"forecast on a full disk", "[-f 40] forecast --run $model --data $field.npy --out $dir/f.npy --members 8 --sampler-steps 2 --quiet", "too large"},
	{"rollout on a full disk", "[-f 40] rollout --idm $idm8 --init $g8.npy --frames 4 --members 64 --sampler-steps 2 --out $dir/r.npy", "too large"},
	{"train dydiff on a full disk", "[-f 40] train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2", "too large"},
	{"train idm on a full disk", "[-f 40] train idm --data $g8.npy --run $dir/run " + tinyTrain, "too large"},
	// 4. Memory: one budget, the smallest of MemAvailable, the cgroup's limit, RLIMIT_AS (here 3 GB) and
	// RLIMIT_DATA, and --max-memory; decompressed text counted as it streams.
	{"rollout --cases 1000 over a 12-frame init", "rollout --idm $idm8 --init $g8.npy --cases 1000 --out $dir/r.npy", "--cases"},
	{"baseline --members 1e6 under ulimit -v", "baseline --data $field.npy --out $dir/f.npy --members 1000000 --cases 1 --context 2", "RLIMIT_AS"},
	{"baseline gzip bomb with --max-memory 1GiB", "baseline --data $bomb.txt.gz --out $dir/f.npy --max-memory 1GiB", "bomb.txt.gz"},
	{"train dydiff gzip bomb under ulimit -v", "train dydiff --data $bomb.txt.gz --run $dir/run", "bomb.txt.gz"},
	// 5. The right flag: the kind of --data comes from its content, and errors name flags, not quantities.
	{"train dydiff --input-format bogus on an NPY", "train dydiff --data $field.npy --run $dir/run --input-format bogus --mults 1,2", "--input-format bogus"},
	{"forecast --format csv (a series format)", "forecast --run $model --data $field.npy --out $dir/f.npy --format csv", "--input-format csv"},
	{"baseline --data a folder with --cases", "baseline --data $junk --out $dir/f.npy --cases 2 --context 1", "--data"},
	{"baseline --data /dev/zero with --cases", "baseline --data /dev/zero --out $dir/f.npy --cases 2 --context 1", "--data"},
	{"baseline --data file.npy/ with --cases", "baseline --data $field.npy/ --out $dir/f.npy --cases 2 --context 1", "--data"},
	{"baseline series --starts past the rows", "baseline --data $ts.txt --out $dir/f.npy --starts 39", "--starts 39"},
	{"baseline series --starts with --windows", "baseline --data $ts.txt --out $dir/f.npy --starts 20 --windows 2", "--starts"},
	{"navier-stokes --size 15", "data navier-stokes --out $dir/ns.npy --size 15", "--size 15"},
	{"navier-stokes --dt 0", "data navier-stokes --out $dir/ns.npy --dt 0", "--dt 0"},
	{"navier-stokes --kf 100", "data navier-stokes --out $dir/ns.npy --kf 100", "--kf 100"},
	{"navier-stokes --delta-f 0", "data navier-stokes --out $dir/ns.npy --delta-f 0", "--delta-f 0"},
	{"train dydiff --groups 0", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --groups 0", "--groups 0"},
	{"train dydiff --heads 3", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --heads 3 --attn-levels 1", "--heads 3"},
	{"train idm --crop 100,100", "train idm --data $g8.npy --run $dir/run --crop 100,100", "--crop 100,100: expected at most the field's 8×8 of --data"},
	{"train dydiff lr: .nan in --config", "train dydiff --config $nan.yaml --data $field.npy --run $dir/run", "nan.yaml"},
	{"train idm lr: .nan in --config", "train idm --config $nan.yaml --data $g8.npy --run $dir/run", "nan.yaml"},
	// The training form and the samplers of the one diffusion core (issue 20).
	{"train dydiff --param bogus", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --param bogus", "--param"},
	{"train dydiff --anchor bogus", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --anchor bogus", "--anchor"},
	{"train dydiff --sigma-data with --param ddpm", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --param ddpm --sigma-data 0.5", "--sigma-data"},
	{"train dydiff --edm-output with --param ddpm", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --param ddpm --edm-output window", "--edm-output"},
	{"train dydiff --edm-output bogus", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --edm-output bogus", "--edm-output"},
	{"train dydiff --p-std 0", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --p-std 0", "--p-std"},
	{"train dydiff --param edm with independent noise", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --noising independent", "--param edm"},
	{"train dydiff --context-noise -1", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --context-noise -1", "--context-noise -1"},
	{"train dydiff --context-noise on a series", "train dydiff --data $ts.txt --run $dir/run --context 4 --predict 2 --context-noise 0.1", "--context-noise"},
	{"bench guided --disc-channels -8", "bench guided --quick --disc-channels -8", "--disc-channels"},
	{"bench guided --dydiff-context-noise -1", "bench guided --quick --dydiff-context-noise -1", "--dydiff-context-noise"},
	{"forecast --sampler bogus", "forecast --run $model --data $field.npy --out $dir/f.npy --sampler bogus", "--sampler"},
	{"forecast --sigma-max below σ_min", "forecast --run $model --data $field.npy --out $dir/f.npy --sigma-max 0.001", "--sigma-max"},
	{"forecast --clip-x0 on an edm model", "forecast --run $model --data $field.npy --out $dir/f.npy --clip-x0 3", "--clip-x0"},
	{"forecast --ddim-eta with heun", "forecast --run $model --data $field.npy --out $dir/f.npy --sampler heun --ddim-eta 0.5", "--ddim-eta"},
	{"bench dydiff --samplers bogus", "bench dydiff --quick --samplers bogus:10", "--samplers"},
	{"bench dydiff --samplers 0 steps", "bench dydiff --quick --samplers heun:0", "--samplers"},
	{"bench guided --dydiff-param bogus", "bench guided --quick --dydiff-param bogus", "--dydiff-param"},
	{"bench guided --clip-x0 with the edm model", "bench guided --quick --clip-x0 1", "--clip-x0"},
	// 6. Silent accepts.
	{"navier-stokes --max-memory 0", "data navier-stokes --out $dir/ns.npy --size 16 --kf 2 --frames 2 --spinup 0 --quiet --max-memory 0", "--max-memory"},
	{"baseline --max-disk 0", "baseline --data $series.npy --out $dir/f.npy --max-disk 0", "--max-disk"},
	{"score rollout --window 1e6", "score rollout --forecast $roll.npy --obs $roll.npy --window 1000000", "--window"},
	{"score rollout --max-lag past the series", "score rollout --forecast $roll.npy --obs $roll.npy --max-lag 20", "--max-lag"},
	{"bench conv --sizes -1", "bench conv --sizes -1", "--sizes"},
	{"bench train-step --widths 0", "bench train-step --widths 0", "--widths"},
	{"bench metrics --members 0", "bench metrics --members 0", "--members"},
	{"bench sampler --sampler-steps 0", "bench sampler --sampler-steps 0", "--sampler-steps"},
	{"bench train-loop --rounds 0", "bench train-loop --rounds 0", "--rounds"},
	// 7. Help that lied: only a non-zero --preview-every needs --val (TestRound2PreviewEveryZero runs 0).
	{"train dydiff --preview-every 10 without --val", "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --preview-every 10", "--preview-every 10 needs --val"},
}

// TestRound2PreviewEveryZero trains without --val with --preview-every 0 and --val-every 0, which the
// help documents as "none" and which were refused.
func TestRound2PreviewEveryZero(t *testing.T) {
	dir := t.TempDir()
	paths := hostileFixture(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := expand(flagBase["tidal train dydiff"]+" --preview-every 0 --val-every 0", paths)
	if out, err := tidalChild(ctx, dir, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// TestHostileRound2 runs the cases of issue 21.
func TestHostileRound2(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	paths := round2Fixture(t, dir)
	for _, c := range round2Cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			args, ulimit := c.args, ""
			if rest, ok := strings.CutPrefix(args, "["); ok {
				ulimit, args, _ = strings.Cut(rest, "] ")
			}
			msg, code, d := runRound2(t, dir, ulimit, expand(args, paths))
			if code == 0 {
				t.Errorf("exit status 0, expected a refusal:\n%s", msg)
			}
			if d > 60*time.Second {
				t.Errorf("took %v, expected under 60 s", d)
			}
			if strings.Contains(msg, "panic:") || strings.Contains(msg, "goroutine ") || strings.Contains(msg, "fatal error") {
				t.Errorf("crashed:\n%s", msg)
			}
			// Progress and log lines may come first; the error is the last line, and the only one.
			lines := strings.Split(strings.TrimSpace(msg), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "tidal: ") || !strings.Contains(last, c.want) || strings.Count(msg, "tidal: ") != 1 {
				t.Errorf("expected the last line, and the only error, to name %q:\n%s", c.want, msg)
			}
			sameFolder(t, before, snapshot(t, dir))
		})
	}
	t.Logf("%d cases in %v", len(round2Cases), time.Since(start))
}

// runRound2 runs the CLI with args in dir under the address-space limit; it returns the output, the
// exit status and the time taken.
func runRound2(t *testing.T, dir, ulimit string, args []string) (string, int, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 65*time.Second)
	defer cancel()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	limits := "ulimit -v " + strconv.Itoa(round2AS)
	if ulimit != "" {
		limits += " && ulimit " + ulimit
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", limits+" && exec \"$0\" "+strings.Join(quoted, " "), os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), hostileChild+"=1", "GOMEMLIMIT=", "TIDAL_BACKEND=go") // the address-space limit binds
	cmd.WaitDelay = time.Second
	start := time.Now()
	out, _ := cmd.CombinedOutput()
	d := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("still running after 65 s: %v\n%s", args, out)
	}
	return string(out), cmd.ProcessState.ExitCode(), d
}

// sameFolder fails the test for every file added, removed or changed between two snapshots.
func sameFolder(t *testing.T, before, after map[string]string) {
	t.Helper()
	for name, h := range after {
		switch b, ok := before[name]; {
		case strings.Contains(name, atomicfile.TempSuffix):
			t.Errorf("temporary %s left behind", name)
		case !ok:
			t.Errorf("%s written by a failed run", name)
		case b != h:
			t.Errorf("input %s changed: %s -> %s", name, b, h)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s removed", name)
		}
	}
}

// TestRound2SignalsLeaveNothing interrupts a forecast (SIGINT, SIGTERM) while it writes its working
// rollout beside --out and a training run before its first step: each must exit 130 / 143 and leave
// its folder as it was (forecast's working files are no resume state: it is not documented to resume).
func TestRound2SignalsLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	paths := round2Fixture(t, dir)
	interrupt := func(t *testing.T, sig syscall.Signal, args, appears string) {
		before := snapshot(t, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := tidalChild(ctx, dir, expand(args, paths)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cmd, &stderr, 30*time.Second, appears, func() bool {
			_, err := os.Stat(filepath.Join(dir, appears))
			return err == nil
		})
		cmd.Process.Signal(sig)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) {
			t.Errorf("exit status %d, expected %d: %s", code, 128+int(sig), stderr.String())
		}
		sameFolder(t, before, snapshot(t, dir))
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run("train before its first step "+sig.String(), func(t *testing.T) {
			interrupt(t, sig, "train dydiff --data $field.npy --run $dir/run --context 2 --predict 3 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 100000 --batch 2 --log-every 1000 --checkpoint-every 100000", "run/options.json")
		})
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run("forecast "+sig.String(), func(t *testing.T) {
			interrupt(t, sig, "forecast --run $model --data $field.npy --out $dir/f.npy --members 64 --sampler-steps 1000 --quiet", ".f.npy.rollout.npy.partial")
		})
	}
}

// TestRound2RolloutResumeState: after a failure, a rollout's working files that record finished frames
// are kept for `tidal rollout` (documented to resume; the error says where) and removed for forecast's
// working rollout; files that hold no finished frame are removed for both.
func TestRound2RolloutResumeState(t *testing.T) {
	for _, c := range []struct {
		resumable bool
		done      int
		kept      bool
	}{{true, 3, true}, {true, 0, false}, {false, 3, false}} {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.npy")
		finish := cli.TrackRollout(out, c.resumable, !c.resumable)
		os.WriteFile(rollout.PartialPath(out), []byte("frames"), 0o644)
		os.WriteFile(rollout.ProgressPath(out), []byte(`{"frames_done":`+strconv.Itoa(c.done)+`}`), 0o644)
		err := finish(errors.New("disk full"))
		_, statErr := os.Stat(rollout.PartialPath(out))
		if kept := statErr == nil; kept != c.kept || (c.kept && !strings.Contains(err.Error(), "kept in")) {
			t.Errorf("resumable %v, %d frames done: kept %v (%v), expected %v", c.resumable, c.done, kept, err, c.kept)
		}
		if !c.kept && len(leftovers(dir)) != 0 {
			t.Errorf("resumable %v, %d frames done: left %v", c.resumable, c.done, leftovers(dir))
		}
	}
}
