package train

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
)

var (
	drillKills = flag.Int("drill.kills", 20, "kill -9 drill: how many times the training child is killed (make drill: 20)")
	drillSeed  = flag.Uint64("drill.seed", 1, "kill -9 drill: seed of the kill moments")
)

// The drill's child: TIDAL_TRAIN_DRILL_RUN names the run directory, TIDAL_TRAIN_DRILL_DATA the data folder.
const (
	drillRunEnv  = "TIDAL_TRAIN_DRILL_RUN"
	drillDataEnv = "TIDAL_TRAIN_DRILL_DATA"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if dir := os.Getenv(drillRunEnv); dir != "" {
		if err := drillChild(dir, os.Getenv(drillDataEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "drill child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// drillOptions: 120 steps of the tiny UNet, a checkpoint every 4, validation every 8.
func drillOptions() Options {
	o := tinyOptions(120)
	o.ValEvery = 8
	return o
}

// drillChild trains the drill's job in dir to the end.
func drillChild(dir, data string) error {
	tr, va, norm, err := wavesData(data, 8, 40)
	if err != nil {
		return err
	}
	u, err := nets.New(tinyConfig)
	if err != nil {
		return err
	}
	loss, err := newDyDiffLoss(u)
	if err != nil {
		return err
	}
	b, err := tensortest.Shared()
	if err != nil {
		return err
	}
	_, err = Run(context.Background(), Job{Dir: dir, Options: drillOptions(), Config: map[string]any{"net": "tiny"}, Norm: norm,
		Backend: b, Loss: loss, Train: tr, Val: va})
	return err
}

// startChild starts this test binary as a drill child training in dir.
func startChild(t *testing.T, dir, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), drillRunEnv+"="+dir, drillDataEnv+"="+data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// The kill -9 drill: a training process is SIGKILLed at random moments (startup, compilation, steps,
// checkpoint writes alike) and restarted each time; the run then finishes, and its stats.jsonl losses
// and final weights, moments, EMA and random state equal those of a run never interrupted, bit for bit.
func TestKillDrill(t *testing.T) {
	data := t.TempDir()
	ref := t.TempDir()
	t0 := time.Now()
	if out, err := startChildWait(t, ref, data); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	full := time.Since(t0)
	stats, _ := ReadStats(ref)
	train := time.Duration(stats[len(stats)-1].ElapsedS * float64(time.Second))
	startup := full - train
	rng := rand.New(rand.NewPCG(*drillSeed, 0))
	dir := t.TempDir()
	landed := 0
	for k := range *drillKills {
		// One kill in four falls in the startup (loading, compiling, reading the checkpoint), the others
		// uniformly in [0, 1.5·R/k] of training after it, for the loop time R that the uninterrupted run
		// took for the steps not yet checkpointed and k kills left: the run advances between kills without
		// finishing (also when the machine's load changes between the reference run and the drill), and
		// kills land in steps, validation and checkpoint writes alike.
		d := time.Duration(rng.Float64() * float64(startup))
		if k%4 != 0 {
			done := 0
			if steps, _ := listSteps(filepath.Join(dir, checkpointsDir)); len(steps) > 0 {
				done = slices.Max(steps)
			}
			total := drillOptions().Steps
			remaining := float64(train) * float64(total-done) / float64(total)
			d = startup + time.Duration(rng.Float64()*1.5*remaining/float64(*drillKills-k))
		}
		cmd := startChild(t, dir, data)
		time.Sleep(d)
		_ = cmd.Process.Kill()
		err := cmd.Wait()
		hit := false
		if ee, ok := err.(*exec.ExitError); ok {
			ws, _ := ee.Sys().(syscall.WaitStatus)
			hit = ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
		if hit {
			landed++
		} else if err != nil {
			t.Fatalf("kill %d: the child failed by itself: %v", k+1, err)
		}
		steps, _ := listSteps(filepath.Join(dir, checkpointsDir))
		t.Logf("kill %2d after %6.1f ms: landed=%v, checkpoints %v", k+1, float64(d.Microseconds())/1e3, hit, steps)
	}
	if out, err := startChildWait(t, dir, data); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	compareRuns(t, ref, dir)
	t.Logf("kill -9 drill: %d/%d kills landed in a running process; final stats and weights equal the uninterrupted run's (%v per run, %v of it startup)",
		landed, *drillKills, full.Round(time.Millisecond), startup.Round(time.Millisecond))
	if landed < *drillKills/2 {
		t.Fatalf("only %d of %d kills hit a running process; the drill proved little", landed, *drillKills)
	}
}

func startChildWait(t *testing.T, dir, data string) ([]byte, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), drillRunEnv+"="+dir, drillDataEnv+"="+data)
	return cmd.CombinedOutput()
}
