package rollout_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/rollout"
)

// ar2 is a deterministic-plus-noise step on frames of n values per member:
//
//	x_{t+1} = 1.2·x_t − 0.5·x_{t−1} + 0.1·ξ(t, m, i)
//
// with ξ drawn from a stream keyed by the frame t and the member m. It makes window frames per call.
type ar2 struct {
	members, n, window int
	seed               uint64
}

// noise is ξ(t, m, ·) for the n values of member m's frame t.
func (a ar2) noise(t, m int) []float32 {
	r := rand.New(rand.NewPCG(a.seed, uint64(t)<<16|uint64(m)))
	v := make([]float32, a.n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// next is frame t from the two before it (each members·n values).
func (a ar2) next(prev, last []float32, t int) []float32 {
	out := make([]float32, len(last))
	for m := 0; m < a.members; m++ {
		xi := a.noise(t, m)
		for i := 0; i < a.n; i++ {
			j := m*a.n + i
			out[j] = 1.2*last[j] - 0.5*prev[j] + 0.1*xi[i]
		}
	}
	return out
}

// step is a as a rollout.Step with History 2.
func (a ar2) step(_ context.Context, h [][]float32, frame int) ([]float32, error) {
	prev, last := h[0], h[1]
	out := make([]float32, 0, a.window*len(last))
	for w := 0; w < a.window; w++ {
		x := a.next(prev, last, frame+w)
		out = append(out, x...)
		prev, last = last, x
	}
	return out, nil
}

// direct rolls a forward for frames frames in memory, without the driver: the reference.
func (a ar2) direct(initial []float32, frames int) []float32 {
	fl := a.members * a.n
	prev, last := initial[:fl], initial[fl:2*fl]
	var all []float32
	for t := 0; t < frames; t++ {
		x := a.next(prev, last, t)
		all = append(all, x...)
		prev, last = last, x
	}
	return all
}

// initial is two deterministic starting frames.
func (a ar2) initial() []float32 {
	v := make([]float32, 2*a.members*a.n)
	r := rand.New(rand.NewPCG(a.seed, 99))
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// config is the rollout of a over frames frames to path.
func (a ar2) config(path string, frames int) rollout.Config {
	return rollout.Config{Path: path, Frames: frames, Members: a.members, FrameShape: []int{1, a.n}, History: 2,
		Window: a.window, Initial: a.initial(), Identity: "ar2"}
}

// mustRead returns the bytes of path.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameBytes fails the test unless the files at a and b are equal byte for byte.
func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	x, y := mustRead(t, a), mustRead(t, b)
	if len(x) != len(y) {
		t.Fatalf("%s has %d bytes, %s %d", a, len(x), b, len(y))
	}
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("%s and %s differ first at byte %d of %d", a, b, i, len(x))
		}
	}
}

// reference runs cfg uninterrupted to a file of its own in dir and returns its path.
func reference(t *testing.T, cfg rollout.Config, step rollout.Step) string {
	t.Helper()
	cfg.Path = filepath.Join(t.TempDir(), "reference.npy")
	if _, err := rollout.Run(context.Background(), cfg, step); err != nil {
		t.Fatal(err)
	}
	return cfg.Path
}
