package rollout_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/internal/testref/unetstep"
	"github.com/tidal-forecast/tidal/rollout"
)

// The tests below re-execute the test binary as a child that runs one rollout (TestMain sees
// childEnv and runs it instead of the tests), to kill it with SIGKILL or to read its resident memory.
const childEnv = "TIDAL_ROLLOUT_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := runChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childSpec is what a child runs: a model, a number of frames, a path, and a pause per step that
// makes it slow enough to be killed halfway.
type childSpec struct {
	Model  string // "ar2" or "unet"
	Frames int
	Path   string
	Pause  time.Duration
	Sync   time.Duration // rollout.Config.SyncEvery
}

// killAR2 and memAR2 are the AR(2) rollouts of the kill and memory tests; memAR2's frames are 64 KiB.
var (
	killAR2 = ar2{members: 3, n: 256, window: 3, seed: 11}
	memAR2  = ar2{members: 4, n: 64 * 64, window: 1, seed: 12}
)

// unetConfig is the tiny UNet of the tests: 2 members of 1×16×16 frames.
var unetConfig = unetstep.Config{Members: 2, Channels: 1, Height: 16, Width: 16, History: 2, Width0: 8, Seed: 4, Noise: 0.05}

// modelFor returns the configuration and step of a child's model, and a function releasing it.
func modelFor(name, path string, frames int) (rollout.Config, rollout.Step, func(), error) {
	switch name {
	case "ar2-kill":
		return killAR2.config(path, frames), killAR2.step, func() {}, nil
	case "ar2-mem":
		return memAR2.config(path, frames), memAR2.step, func() {}, nil
	case "unet":
		b, err := tensortest.Shared()
		if err != nil {
			return rollout.Config{}, nil, nil, err
		}
		s, err := unetstep.New(b, unetConfig)
		if err != nil {
			return rollout.Config{}, nil, nil, err
		}
		c := unetConfig
		n := c.Members * c.Channels * c.Height * c.Width
		init := make([]float32, c.History*n)
		for i := range init {
			init[i] = float32(i%17)/17 - 0.5
		}
		cfg := rollout.Config{Path: path, Frames: frames, Members: c.Members, FrameShape: s.FrameShape(), History: c.History, Initial: init, Identity: "unet"}
		return cfg, s.Step, s.Close, nil
	}
	return rollout.Config{}, nil, nil, fmt.Errorf("unknown child model %q", name)
}

func runChild(spec string) error {
	var s childSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		return err
	}
	cfg, step, done, err := modelFor(s.Model, s.Path, s.Frames)
	if err != nil {
		return err
	}
	defer done()
	cfg.SyncEvery = s.Sync
	paused := func(ctx context.Context, h [][]float32, frame int) ([]float32, error) {
		time.Sleep(s.Pause)
		return step(ctx, h, frame)
	}
	before := procStatusKB("VmRSS")
	if _, err := rollout.Run(context.Background(), cfg, paused); err != nil {
		return err
	}
	fmt.Printf("rss-growth-kb %d\n", procStatusKB("VmHWM")-before)
	return nil
}

// procStatusKB is a field of /proc/self/status in kB, or −1.
func procStatusKB(field string) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return -1
}

// child starts the test binary as a child running s.
func child(t *testing.T, s childSpec) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(s)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	return cmd
}

// framesDone reads the frames a rollout's progress marker records, or −1.
func framesDone(path string) int {
	b, err := os.ReadFile(rollout.ProgressPath(path))
	var m struct {
		Done int `json:"frames_done"`
	}
	if err != nil || json.Unmarshal(b, &m) != nil {
		return -1
	}
	return m.Done
}

// TestResumeAfterKill kills a child halfway through a rollout with SIGKILL, resumes the rollout here,
// and checks that the file is byte for byte the one an uninterrupted run writes: for the AR(2) model
// (2 000 frames in windows of 3) and for a UNet with random weights.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, tc := range []struct {
		model  string
		frames int
		pause  time.Duration
	}{{"ar2-kill", 2000, time.Millisecond}, {"unet", 200, 2 * time.Millisecond}} {
		t.Run(tc.model, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.npy")
			cmd := child(t, childSpec{Model: tc.model, Frames: tc.frames, Path: path, Pause: tc.pause, Sync: time.Millisecond})
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for framesDone(path) < tc.frames/2 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			killedAt := framesDone(path)
			if killedAt < tc.frames/2 || killedAt >= tc.frames {
				t.Fatalf("the child was killed with %d of %d frames recorded, want about half", killedAt, tc.frames)
			}
			if _, err := os.Stat(path); err == nil {
				t.Fatal("the final path exists after the kill")
			}
			cfg, step, done, err := modelFor(tc.model, path, tc.frames)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			res, err := rollout.Run(context.Background(), cfg, step)
			if err != nil {
				t.Fatal(err)
			}
			if res.Resumed != killedAt || res.Resumed+res.Made != tc.frames {
				t.Fatalf("resumed from %d and made %d frames; the marker said %d of %d", res.Resumed, res.Made, killedAt, tc.frames)
			}
			sameBytes(t, path, reference(t, cfg, step))
		})
	}
}

// TestFlatMemory runs AR(2) rollouts of 200 and 2 000 frames of 64 KiB in children and checks that their
// peak resident memory grows by the same few MiB, while the longer file holds 112 MiB more.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	frameBytes := 4 * memAR2.members * memAR2.n
	growth := map[int]int{}
	for _, n := range []int{200, 2000} {
		path := filepath.Join(t.TempDir(), "out.npy")
		out, err := child(t, childSpec{Model: "ar2-mem", Frames: n, Path: path}).Output()
		if err != nil {
			t.Fatalf("child of %d frames: %v", n, err)
		}
		var kb int
		if _, err := fmt.Sscanf(string(out), "rss-growth-kb %d", &kb); err != nil {
			t.Fatalf("child printed %q", out)
		}
		growth[n] = kb
		if st, err := os.Stat(path); err != nil || st.Size() < int64(n*frameBytes) {
			t.Fatalf("the child of %d frames left %v (%v)", n, st, err)
		}
	}
	t.Logf("peak RSS growth: %d kB for 200 frames, %d kB for 2000 frames (the file holds %d kB more)", growth[200], growth[2000], 1800*frameBytes/1024)
	// Keeping the frames would add the file's 112 MiB; a tenth of it allows for the collector's pacing,
	// which moves the peak by a few MiB from run to run on a loaded machine.
	if extra := 1800 * frameBytes / 1024; growth[2000] > growth[200]+extra/10 || growth[2000] > 32<<10 {
		t.Fatalf("peak RSS grew by %d kB over 2000 frames against %d kB over 200: memory is not flat", growth[2000], growth[200])
	}
}

// TestFlatMemoryUNet rolls a UNet with random weights forward for 2 000 frames and checks that the live
// heap (after a collection) at frame 2 000 exceeds the one at frame 1 000 (in the steady state, after the
// driver's periodic syncs and progress lines have started) by less than a tenth of the frames written
// in between: neither the driver nor the compiled step keeps the frames.
func TestFlatMemoryUNet(t *testing.T) {
	cfg, step, done, err := modelFor("unet", filepath.Join(t.TempDir(), "out.npy"), 2000)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	heap := map[int]uint64{}
	sampled := func(ctx context.Context, h [][]float32, frame int) ([]float32, error) {
		if frame == 1000 || frame == 1999 {
			var ms runtime.MemStats
			runtime.GC() // twice: tensors are released by finalizers, which the first collection queues
			runtime.GC()
			runtime.ReadMemStats(&ms)
			heap[frame] = ms.HeapAlloc
		}
		return step(ctx, h, frame)
	}
	if _, err := rollout.Run(context.Background(), cfg, sampled); err != nil {
		t.Fatal(err)
	}
	written := uint64(999 * 4 * cfg.Members * unetConfig.Height * unetConfig.Width)
	t.Logf("live heap %d kB at frame 1000, %d kB at frame 1999; %d kB written in between", heap[1000]>>10, heap[1999]>>10, written>>10)
	if heap[1999] > heap[1000]+written/10 {
		t.Fatalf("the live heap grew from %d to %d bytes while %d bytes were written: memory is not flat", heap[1000], heap[1999], written)
	}
}
