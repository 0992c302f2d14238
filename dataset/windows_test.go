package dataset

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/data"
)

// field makes a [T, C, H, W] series whose value encodes its position: 1000·t + 100·c + 10·y + x
// plus an offset per series.
func field(name string, T, C, H, W int, off float32) Series {
	v := make([]float32, T*C*H*W)
	for i := range v {
		x, y, c, t := i%W, (i/W)%H, (i/(W*H))%C, i/(W*H*C)
		v[i] = off + float32(1000*t+100*c+10*y+x)
	}
	return Series{Name: name, Shape: []int{T, C, H, W}, Data: v}
}

func flat(t *testing.T, ts []*tensors.Tensor) []float32 {
	t.Helper()
	return tensors.MustCopyFlatData[float32](ts[0])
}

// The split is by time: training windows lie in the first ⌊T(1−f)⌋ frames of each series, validation
// windows after, none crosses the cut, and with stride 1 every fitting start is present.
func TestSplitByTime(t *testing.T) {
	ss := []Series{field("a", 20, 1, 2, 2, 0), field("b", 10, 1, 2, 2, 0)}
	tr, va, _, err := Split(ss, Options{Frames: 3, ValFraction: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	// a: cut 14 → train starts 0..11 (12), val starts 14..17 (4); b: cut 7 → 0..4 (5), val 7 (1).
	if tr.Len() != 17 || va.Len() != 5 {
		t.Fatalf("train %d, val %d windows, want 17 and 5", tr.Len(), va.Len())
	}
	for _, w := range tr.starts {
		cut := []int{14, 7}[w.s]
		if w.t+3 > cut {
			t.Errorf("training window %v crosses the cut %d", w, cut)
		}
	}
	for _, w := range va.starts {
		cut := []int{14, 7}[w.s]
		if w.t < cut {
			t.Errorf("validation window %v starts before the cut %d", w, cut)
		}
	}
}

// Batches depend only on (index, size): each epoch visits every window once, consecutive batches
// tile the stream, and another seed gives another order.
func TestBatchOrder(t *testing.T) {
	ss := []Series{field("a", 30, 1, 1, 1, 0)}
	tr, _, n, err := Split(ss, Options{Frames: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	orig := func(v float32) int { return int(math.Round(float64(v)*n.Std[0]+n.Mean[0])) / 1000 }
	b, _ := tr.Batch(0, 30)
	seen := map[int]bool{}
	for _, v := range flat(t, b) {
		seen[orig(v)] = true
	}
	if len(seen) != 30 {
		t.Fatalf("epoch 0 visits %d distinct windows, want 30", len(seen))
	}
	big, _ := tr.Batch(0, 8)
	half, _ := tr.Batch(1, 4)
	fb, fh := flat(t, big), flat(t, half)
	for i := range 4 {
		if fb[4+i] != fh[i] {
			t.Fatalf("Batch(1,4) is not the second half of Batch(0,8): %v vs %v", fh, fb[4:])
		}
	}
	again, _ := tr.Batch(0, 8)
	if fa := flat(t, again); fa[3] != fb[3] || fa[7] != fb[7] {
		t.Fatal("the same batch twice differs")
	}
	other, _, _, _ := Split(ss, Options{Frames: 1, Seed: 8})
	ob, _ := other.Batch(0, 8)
	same := true
	for i, v := range flat(t, ob) {
		same = same && v == fb[i]
	}
	if same {
		t.Fatal("seeds 7 and 8 give the same order")
	}
}

// A crop is a contiguous h×w patch of every frame and channel, at a position inside the grid; the
// validation crop is central.
func TestCrops(t *testing.T) {
	s := field("a", 12, 2, 8, 6, 0)
	tr, va, n, err := Split([]Series{s}, Options{Frames: 2, ValFraction: 0.25, Crop: []int{3, 4}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.ExampleShape(); len(got) != 4 || got[2] != 3 || got[3] != 4 {
		t.Fatalf("example shape %v", got)
	}
	check := func(w *Windows, central bool) {
		b, err := w.Batch(0, 5)
		if err != nil {
			t.Fatal(err)
		}
		v := flat(t, b)
		per := 2 * 2 * 3 * 4
		for e := range 5 {
			x := append([]float32(nil), v[e*per:(e+1)*per]...)
			n.Denormalize(x, 12)
			r := func(i int) int { return int(math.Round(float64(x[i]))) }
			y0, x0 := (r(0)/10)%10, r(0)%10
			if y0+3 > 8 || x0+4 > 6 {
				t.Fatalf("crop at (%d,%d) leaves the grid", y0, x0)
			}
			if central && (y0 != 2 || x0 != 1) {
				t.Fatalf("validation crop at (%d,%d), want (2,1)", y0, x0)
			}
			for i := range per {
				xx, yy, c, f := i%4, (i/4)%3, (i/12)%2, i/24
				want := r(0) + 1000*f + 100*c + 10*yy + xx
				if r(i) != want {
					t.Fatalf("example %d value %d = %d, want %d", e, i, r(i), want)
				}
			}
		}
	}
	check(tr, false)
	check(va, true)
}

// A [T, N] time series: every variable is a channel.
func TestTimeSeries(t *testing.T) {
	v := make([]float32, 40*3)
	for i := range v {
		v[i] = float32(i%3) * 10
		if (i/3)%2 == 1 {
			v[i] += 2
		}
	}
	s, err := FromArray("ts.npy", data.FromFloat32(v, 40, 3))
	if err != nil {
		t.Fatal(err)
	}
	tr, _, n, err := Split([]Series{s}, Options{Frames: 4, ValFraction: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		if math.Abs(n.Mean[c]-(10*float64(c)+1)) > 1e-9 || math.Abs(n.Std[c]-1) > 1e-9 {
			t.Errorf("channel %d: %v, %v", c, n.Mean[c], n.Std[c])
		}
	}
	b, _ := tr.Batch(0, 2)
	if d := b[0].Shape().Dimensions; len(d) != 3 || d[0] != 2 || d[1] != 4 || d[2] != 3 {
		t.Fatalf("batch shape %v, want [2 4 3]", d)
	}
	for _, x := range flat(t, b) {
		if math.Abs(math.Abs(float64(x))-1) > 1e-6 {
			t.Fatalf("normalised value %v, want ±1", x)
		}
	}
}
