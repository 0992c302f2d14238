package guidance

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// codedSeries returns a series [T, C, H, W] whose value at (f, c, y, x) is 10000f + 1000c + 10y + x,
// so that every value tells where it came from.
func codedSeries(T, C, H, W int) *data.Array {
	v := make([]float32, T*C*H*W)
	for f := range T {
		for c := range C {
			for y := range H {
				for x := range W {
					v[((f*C+c)*H+y)*W+x] = float32(10000*f + 1000*c + 10*y + x)
				}
			}
		}
	}
	return data.FromFloat32(v, T, C, H, W)
}

// TestBatchPicksTheRightFrames checks, on a series whose values encode their position and with
// negligible noise (ln σ ~ N(−30, 0.01²)), that every row's candidate is frame n + l, its conditioning
// frames are n, n − 1, … in the same crop window, that windows wrap along the periodic axis only,
// that positives have l = 1 and label 1, negatives l ≠ 1 inside the series and label 0, and that n
// covers the allowed range.
func TestBatchPicksTheRightFrames(t *testing.T) {
	const T, C, H, W = 12, 2, 8, 10
	for _, ctx := range []int{2, 3} {
		opt := DefaultExampleOptions()
		opt.Context, opt.PMean, opt.PStd = ctx, -30, 0.01
		opt.CropH, opt.CropW, opt.WrapW = 4, 6, true
		e, err := NewExamples("coded", codedSeries(T, C, H, W), opt, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Batch(400)
		if err != nil {
			t.Fatal(err)
		}
		seenN, wrapped := map[int]bool{}, false
		size := C * 4 * 6
		for r := range b.Rows {
			n, l := b.N[r], b.Offset[r]
			seenN[n] = true
			if (r%2 == 0) != (l == 1) || (l == 1) != (b.Label[r] == 1) || (l != 1 && b.Label[r] != 0) {
				t.Fatalf("row %d: offset %d, label %g", r, l, b.Label[r])
			}
			if n < ctx-1 || n > T-2 || n+l < 0 || n+l >= T {
				t.Fatalf("row %d: n = %d, l = %d outside the series of %d frames", r, n, l, T)
			}
			if r%2 == 1 && b.N[r-1] != n {
				t.Fatalf("pair %d: positive n = %d, negative n = %d", r/2, b.N[r-1], n)
			}
			first := b.Cond[0][r*size]
			y0, x0 := int(first)%1000/10, int(first)%10
			if y0+4 > H {
				t.Fatalf("row %d: window starts at row %d, beyond the non-periodic height", r, y0)
			}
			wrapped = wrapped || x0+6 > W
			check := func(what string, got []float32, f int) {
				for c := range C {
					for i := range 4 {
						for j := range 6 {
							want := float32(10000*f + 1000*c + 10*(y0+i) + (x0+j)%W)
							if g := got[(c*4+i)*6+j]; math.Abs(float64(g-want)) > 1e-2 {
								t.Fatalf("row %d %s (c %d, %d, %d): %g, want %g (frame %d, window at %d, %d)", r, what, c, i, j, g, want, f, y0, x0)
							}
						}
					}
				}
			}
			check("candidate", b.Candidate[r*size:][:size], n+l)
			for j := range ctx {
				check("cond", b.Cond[j][r*size:][:size], n-j)
			}
		}
		if len(seenN) != T-1-(ctx-1) || !wrapped {
			t.Errorf("context %d: n took %d values of %d; a window wrapped: %v", ctx, len(seenN), T-ctx, wrapped)
		}
	}
}

// TestBatchNoiseLevels checks the noise on a series of zeros (the candidate is then σε): ln σ has
// mean −1.2 and standard deviation 1.2 over 4000 rows, each row's candidate has standard deviation σ
// (within 25% over 256 pixels), and SharedSigma gives a pair's two rows the same σ.
func TestBatchNoiseLevels(t *testing.T) {
	zeros := data.FromFloat32(make([]float32, 20*1*16*16), 20, 1, 16, 16)
	for _, shared := range []bool{false, true} {
		opt := DefaultExampleOptions()
		opt.SharedSigma = shared
		e, err := NewExamples("zeros", zeros, opt, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Batch(2000)
		if err != nil {
			t.Fatal(err)
		}
		var m, m2 float64
		same := 0
		for r := range b.Rows {
			ls := math.Log(float64(b.Sigma[r]))
			m, m2 = m+ls, m2+ls*ls
			var ss float64
			for _, v := range b.Candidate[r*256:][:256] {
				ss += float64(v) * float64(v)
			}
			if std := math.Sqrt(ss / 256); math.Abs(std/float64(b.Sigma[r])-1) > 0.25 {
				t.Fatalf("row %d: candidate std %g for σ %g", r, std, b.Sigma[r])
			}
			if r%2 == 1 && b.Sigma[r] == b.Sigma[r-1] {
				same++
			}
		}
		n := float64(b.Rows)
		mean, std := m/n, math.Sqrt(m2/n-(m/n)*(m/n))
		t.Logf("shared %v: ln σ mean %.3f, std %.3f", shared, mean, std)
		if math.Abs(mean+1.2) > 0.1 || math.Abs(std-1.2) > 0.1 {
			t.Errorf("shared %v: ln σ has mean %.3f and std %.3f, want −1.2 and 1.2", shared, mean, std)
		}
		if shared && same != b.Rows/2 || !shared && same != 0 {
			t.Errorf("shared %v: %d of %d pairs share σ", shared, same, b.Rows/2)
		}
	}
}

// TestNewExamplesRejectsBadInput checks the errors name the input and what was expected.
func TestNewExamplesRejectsBadInput(t *testing.T) {
	good := codedSeries(6, 1, 8, 8)
	nan := codedSeries(6, 1, 8, 8)
	nan.F32[4*64+3] = float32(math.NaN())
	future := DefaultExampleOptions()
	future.Offsets.FutureOnly = true
	crop := DefaultExampleOptions()
	crop.CropH = 9
	noise := DefaultExampleOptions()
	noise.PStd = 0
	for _, tc := range []struct {
		series *data.Array
		opt    ExampleOptions
		want   string
	}{
		{data.FromFloat32(make([]float32, 64), 1, 8, 8), DefaultExampleOptions(), "[frames, channels, height, width]"},
		{nan, DefaultExampleOptions(), "frame 4"},
		{codedSeries(2, 1, 8, 8), DefaultExampleOptions(), "at least 3 frames"},
		{codedSeries(3, 1, 8, 8), future, "at least 4 frames"},
		{good, crop, "crop 9×0"},
		{good, noise, "PStd"},
	} {
		_, err := NewExamples("val.npy", tc.series, tc.opt, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "val.npy") {
			t.Errorf("error %v, want one naming val.npy and containing %q", err, tc.want)
		}
	}
	e, err := NewExamples("good", good, DefaultExampleOptions(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Batch(0); err == nil || !strings.Contains(err.Error(), "pairs") {
		t.Errorf("0 pairs: error %v", err)
	}
}
