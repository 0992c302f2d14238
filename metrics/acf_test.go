package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ar1Rollout returns nt frames of np independent AR(1) series x_n = φ x_{n−1} + ε_n (stationary start),
// plus season(n) added to every point.
func ar1Rollout(seed uint64, nt, np int, phi float64, season func(n int) float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 5))
	out := make([]float32, nt*np)
	for p := 0; p < np; p++ {
		x := rng.NormFloat64() / math.Sqrt(1-phi*phi)
		for n := 0; n < nt; n++ {
			if n > 0 {
				x = phi*x + rng.NormFloat64()
			}
			out[n*np+p] = float32(x + season(n))
		}
	}
	return out
}

// TestACFOfAR1MatchesPhiPowK is a statistical test: the ACF of 400 AR(1) series of 4000 steps with φ = 0.8
// matches φ^k within 0.01 for lags 0..9 (the standard error at these lags is below 0.002, the estimator's
// bias about k·φ^k/N < 0.002). With a strong 12-step seasonal cycle added, the raw ACF is far from φ^k and
// the seasonally adjusted one matches again.
func TestACFOfAR1MatchesPhiPowK(t *testing.T) {
	const nt, np, phi = 4000, 400, 0.8
	check := func(name string, acf []float64, wantMatch bool) {
		t.Helper()
		worst := 0.0
		for k, v := range acf {
			worst = math.Max(worst, math.Abs(v-math.Pow(phi, float64(k))))
		}
		if wantMatch && worst > 0.01 {
			t.Errorf("%s: ACF %v differs from φ^k by %v", name, acf, worst)
		}
		if !wantMatch && worst < 0.1 {
			t.Errorf("%s: ACF %v unexpectedly close to φ^k", name, acf)
		}
	}
	frames := ar1Rollout(1, nt, np, phi, func(int) float64 { return 0 })
	acf, err := ACF(frames, nt, ACFOptions{MaxLag: 9})
	if err != nil {
		t.Fatal(err)
	}
	if acf[0] != 1 && math.Abs(acf[0]-1) > 1e-12 {
		t.Errorf("ACF(0) = %v", acf[0])
	}
	check("AR(1)", acf, true)

	seasonal := ar1Rollout(2, nt, np, phi, func(n int) float64 { return 4 * math.Sin(2*math.Pi*float64(n%12)/12) })
	labels := make([]int, nt)
	for n := range labels {
		labels[n] = n % 12
	}
	raw, _ := ACF(seasonal, nt, ACFOptions{MaxLag: 9})
	check("seasonal, raw", raw, false)
	adj, err := ACF(seasonal, nt, ACFOptions{MaxLag: 9, Season: labels})
	if err != nil {
		t.Fatal(err)
	}
	check("seasonal, adjusted", adj, true)
}

// TestHovmollerW1 checks the diagram on a hand-made rollout and W1 against its closed form: a unit mass
// moving by s cells along a row of K cells has W1 = s/K.
func TestHovmollerW1(t *testing.T) {
	const h, w = 4, 6
	frames := make([]float64, 3*h*w)
	// frame n has value 1 in column n+1 of every row: the row-band (axis 0) mean is a spike at column n+1.
	for n := 0; n < 3; n++ {
		for i := 0; i < h; i++ {
			frames[n*h*w+i*w+n+1] = -2 // sign is dropped by |row|
		}
	}
	rows, err := Hovmoller(frames, 3, h, w, HovmollerBand{Axis: 0, From: 1, To: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != w || rows[1][2] != -2 || rows[1][1] != 0 {
		t.Fatalf("rows %v", rows)
	}
	w1, err := HovmollerW1(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range w1 {
		if !near(v, 1.0/w, 1e-15) {
			t.Fatalf("W1 %v, want %v", w1, 1.0/w)
		}
	}
	cols, _ := Hovmoller(frames, 3, h, w, CentreColumns(w))
	if len(cols[0]) != h || !near(cols[2][0], -2.0/6, 1e-15) { // columns 0..5 averaged; one of them is −2
		t.Fatalf("centre band %v", cols)
	}
	d, err := Histogram([]float64{0.1, 0.2, 0.25, 0.9, 1.5}, 4, 0, 1)
	// counts 2, 1, 0, 1 (1.5 is outside), density = count / (5 values · 0.25 width)
	if err != nil || !near(d[0], 1.6, 1e-12) || !near(d[1], 0.8, 1e-12) || d[2] != 0 || !near(d[3], 0.8, 1e-12) {
		t.Fatalf("histogram %v %v", d, err)
	}
}

// TestDrift checks the spatial mean, running mean and linear trend on a rollout with a known drift.
func TestDrift(t *testing.T) {
	const nt, np = 50, 8
	frames := make([]float64, nt*np)
	for n := 0; n < nt; n++ {
		for p := 0; p < np; p++ {
			frames[n*np+p] = 0.3*float64(n) + 2 + float64(p%2*2-1) // ±1 around the trend
		}
	}
	m, err := SpatialMean(frames, nt, nil)
	if err != nil || !near(m[10], 5, 1e-14) {
		t.Fatalf("spatial mean %v %v", m, err)
	}
	r, _ := RunningMean(m, 5)
	if len(r) != nt-4 || !near(r[0], 2.6, 1e-14) {
		t.Fatalf("running mean %v", r)
	}
	slope, icept, err := LinearTrend(m)
	if err != nil || !near(slope, 0.3, 1e-12) || !near(icept, 2, 1e-12) {
		t.Fatalf("trend %v %v %v", slope, icept, err)
	}
}

// TestIsotropicSpectrum checks a single Fourier mode lands in its shell with the right power, and that
// ShellSum obeys Parseval for a band-limited random field.
func TestIsotropicSpectrum(t *testing.T) {
	const h, w = 16, 16
	x := make([]float64, h*w)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			x[i*w+j] = math.Cos(2 * math.Pi * (3*float64(j)/w + 4*float64(i)/h)) // |k| = 5
		}
	}
	s, err := IsotropicSpectrum(x, h, w, ShellSum)
	if err != nil {
		t.Fatal(err)
	}
	for r, v := range s {
		want := 0.0
		if r == 5 {
			want = float64(h*w) / 2 // Σ x² = h·w/2, all at |k| = 5
		}
		if math.Abs(v-want) > 1e-9 {
			t.Fatalf("shell %d: %v, want %v", r, v, want)
		}
	}
	// Band-limited random field: modes with |k| ≤ 5 only, so nothing falls in the corners.
	rng := rand.New(rand.NewPCG(9, 9))
	clear(x)
	for ky := -5; ky <= 5; ky++ {
		for kx := -5; kx <= 5; kx++ {
			if kx*kx+ky*ky > 25 {
				continue
			}
			a, ph := rng.NormFloat64(), rng.Float64()*2*math.Pi
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					x[i*w+j] += a * math.Cos(2*math.Pi*(float64(kx*j)/w+float64(ky*i)/h)+ph)
				}
			}
		}
	}
	s, _ = IsotropicSpectrum(x, h, w, ShellSum)
	var total, energy float64
	for _, v := range s {
		total += v
	}
	for _, v := range x {
		energy += v * v
	}
	if !near(total, energy, 1e-10) {
		t.Fatalf("Parseval: Σ shells %v, Σ x² %v", total, energy)
	}
	mean, _ := IsotropicSpectrum(x, h, w, ShellMean)
	if !near(mean[0], s[0], 1e-12) { // shell 0 holds one mode
		t.Fatalf("shell 0: mean %v sum %v", mean[0], s[0])
	}
}
