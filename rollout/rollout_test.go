package rollout_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/rollout"
)

// TestMatchesDirectLoop checks the file against the same recursion run in memory without the driver,
// for one frame per call and for windows of 3 frames that do not divide the number of frames, and that the
// progress goes to Config.Progress as log lines off a terminal.
func TestMatchesDirectLoop(t *testing.T) {
	for _, window := range []int{1, 3} {
		a := ar2{members: 3, n: 5, window: window, seed: 7}
		cfg := a.config(filepath.Join(t.TempDir(), "out.npy"), 10)
		var log bytes.Buffer
		cfg.Progress = &log
		res, err := rollout.Run(context.Background(), cfg, a.step)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "10/10 frames (100%)") {
			t.Fatalf("progress log %q lacks the last line", log.String())
		}
		if res.Made != 10 || res.Resumed != 0 {
			t.Fatalf("window %d: made %d, resumed %d; want 10, 0", window, res.Made, res.Resumed)
		}
		got, err := data.ReadNPY(cfg.Path)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{10, 3, 1, 5}; !slices.Equal(got.Shape, want) {
			t.Fatalf("shape %v, want %v", got.Shape, want)
		}
		if want := a.direct(cfg.Initial, 10); !slices.Equal(got.F32, want) {
			t.Fatalf("window %d: the rollout differs from the direct loop", window)
		}
		for _, p := range []string{rollout.PartialPath(cfg.Path), rollout.ProgressPath(cfg.Path)} {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s left behind after a complete rollout", p)
			}
		}
	}
}

// TestHistoryLongerThanWindow checks the history a step sees when k exceeds the frames made: the tail
// of the initial frames followed by the frames made, oldest first.
func TestHistoryLongerThanWindow(t *testing.T) {
	const k = 4
	init := []float32{-4, -3, -2, -1}
	cfg := rollout.Config{Path: filepath.Join(t.TempDir(), "h.npy"), Frames: 6, Members: 1, FrameShape: []int{1}, History: k, Initial: init}
	var seen [][]float32
	step := func(_ context.Context, h [][]float32, frame int) ([]float32, error) {
		var flat []float32
		for _, f := range h {
			flat = append(flat, f...)
		}
		seen = append(seen, flat)
		return []float32{float32(frame)}, nil
	}
	if _, err := rollout.Run(context.Background(), cfg, step); err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{-4, -3, -2, -1}, {-3, -2, -1, 0}, {-2, -1, 0, 1}, {-1, 0, 1, 2}, {0, 1, 2, 3}, {1, 2, 3, 4}}
	for i := range want {
		if !slices.Equal(seen[i], want[i]) {
			t.Fatalf("call %d saw history %v, want %v", i, seen[i], want[i])
		}
	}
}

// TestNaNStopsResumably checks that a non-finite value stops the rollout with an error naming the
// frame and member, that the final name stays empty, and that a new run resumes from the frames made
// before it, to the file an uninterrupted run writes, byte for byte, even when the partial file ends
// with bytes of a frame that was never recorded as done.
func TestNaNStopsResumably(t *testing.T) {
	a := ar2{members: 2, n: 6, window: 2, seed: 3}
	cfg := a.config(filepath.Join(t.TempDir(), "out.npy"), 40)
	bad := func(ctx context.Context, h [][]float32, frame int) ([]float32, error) {
		out, _ := a.step(ctx, h, frame)
		if frame == 20 {
			out[len(out)/2+a.n+1] = float32(math.NaN()) // frame 21, member 1
		}
		return out, nil
	}
	_, err := rollout.Run(context.Background(), cfg, bad)
	if err == nil || !strings.Contains(err.Error(), "frame 21, member 1") {
		t.Fatalf("error %v, want one naming frame 21, member 1", err)
	}
	if _, err := os.Stat(cfg.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the final path exists after a failed rollout")
	}
	f, err := os.OpenFile(rollout.PartialPath(cfg.Path), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("a torn frame"))
	f.Close()
	res, err := rollout.Run(context.Background(), cfg, a.step)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 20 || res.Made != 20 {
		t.Fatalf("resumed %d and made %d frames, want 20 and 20", res.Resumed, res.Made)
	}
	sameBytes(t, cfg.Path, reference(t, cfg, a.step))
}

// TestCancelResumes checks that a cancelled context stops the rollout resumably.
func TestCancelResumes(t *testing.T) {
	a := ar2{members: 1, n: 3, window: 1, seed: 5}
	cfg := a.config(filepath.Join(t.TempDir(), "out.npy"), 30)
	ctx, cancel := context.WithCancel(context.Background())
	stopAt := func(c context.Context, h [][]float32, frame int) ([]float32, error) {
		if frame == 11 {
			cancel()
		}
		return a.step(c, h, frame)
	}
	if _, err := rollout.Run(ctx, cfg, stopAt); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "frame 12") {
		t.Fatalf("error %v, want a cancellation before frame 12", err)
	}
	res, err := rollout.Run(context.Background(), cfg, a.step)
	if err != nil || res.Resumed != 12 {
		t.Fatalf("resumed %d frames (error %v), want 12", res.Resumed, err)
	}
	sameBytes(t, cfg.Path, reference(t, cfg, a.step))
}

// TestRefusesOtherRun checks that a partial file is resumed only by the rollout that wrote it, and that
// an existing output is never overwritten.
func TestRefusesOtherRun(t *testing.T) {
	a := ar2{members: 2, n: 4, window: 1, seed: 1}
	cfg := a.config(filepath.Join(t.TempDir(), "out.npy"), 20)
	fail := func(_ context.Context, _ [][]float32, frame int) ([]float32, error) { return nil, errors.New("boom") }
	if _, err := rollout.Run(context.Background(), cfg, fail); err == nil || !strings.Contains(err.Error(), "frame 0: boom") {
		t.Fatalf("error %v, want the step's, naming frame 0", err)
	}
	panics := func(_ context.Context, _ [][]float32, frame int) ([]float32, error) { panic("shape mismatch") }
	if _, err := rollout.Run(context.Background(), cfg, panics); err == nil || !strings.Contains(err.Error(), "frame 0: panic: shape mismatch") {
		t.Fatalf("error %v, want the step's panic, naming frame 0", err)
	}
	other := cfg
	other.Identity = "another model"
	if _, err := rollout.Run(context.Background(), other, a.step); err == nil || !strings.Contains(err.Error(), `identity "ar2"`) {
		t.Fatalf("error %v, want a refusal naming the stored identity", err)
	}
	other = cfg
	other.Initial = slices.Clone(cfg.Initial)
	other.Initial[3]++
	if _, err := rollout.Run(context.Background(), other, a.step); err == nil || !strings.Contains(err.Error(), "initial frames") {
		t.Fatalf("error %v, want a refusal naming the initial frames", err)
	}
	other = cfg
	other.Frames = 21
	if _, err := rollout.Run(context.Background(), other, a.step); err == nil || !strings.Contains(err.Error(), "output shape") {
		t.Fatalf("error %v, want a refusal naming the shape", err)
	}
	if _, err := rollout.Run(context.Background(), cfg, a.step); err != nil {
		t.Fatal(err)
	}
	if _, err := rollout.Run(context.Background(), cfg, a.step); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("error %v, want a refusal to overwrite", err)
	}
}

// TestValidation checks that bad configurations and step outputs are refused with errors naming what
// was expected.
func TestValidation(t *testing.T) {
	dir := t.TempDir()
	a := ar2{members: 2, n: 3, window: 1, seed: 1}
	good := a.config(filepath.Join(dir, "v.npy"), 5)
	cases := []struct {
		name string
		edit func(*rollout.Config)
		want string
	}{
		{"no path", func(c *rollout.Config) { c.Path = "" }, "Path is empty"},
		{"frames", func(c *rollout.Config) { c.Frames = 0 }, "Frames must be ≥ 1, got 0"},
		{"members", func(c *rollout.Config) { c.Members = -1 }, "Members must be ≥ 1, got -1"},
		{"history", func(c *rollout.Config) { c.History = 0 }, "History (k) must be ≥ 1, got 0"},
		{"window", func(c *rollout.Config) { c.Window = -2 }, "Window must be ≥ 1, got -2"},
		{"shape", func(c *rollout.Config) { c.FrameShape = []int{1, 0} }, "dimension < 1"},
		{"huge", func(c *rollout.Config) { c.FrameShape = []int{1 << 20, 1 << 20, 1 << 20} }, "GiB allowed"},
		{"long", func(c *rollout.Config) { c.Frames = 1 << 55 }, "TiB allowed"},
		{"initial size", func(c *rollout.Config) { c.Initial = c.Initial[1:] }, "Initial holds 11 values, expected"},
		{"initial NaN", func(c *rollout.Config) { c.Initial = slices.Clone(c.Initial); c.Initial[8] = float32(math.Inf(1)) }, "Initial frame 1 holds +Inf at index 2"},
		{"no folder", func(c *rollout.Config) { c.Path = filepath.Join(dir, "missing", "x.npy") }, "does not exist"},
	}
	for _, tc := range cases {
		c := good
		tc.edit(&c)
		if _, err := rollout.Run(context.Background(), c, a.step); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	short := func(context.Context, [][]float32, int) ([]float32, error) { return make([]float32, 5), nil }
	if _, err := rollout.Run(context.Background(), good, short); err == nil || !strings.Contains(err.Error(), "returned 5 values, expected") {
		t.Fatalf("error %v, want one about the step's output size", err)
	}
}
