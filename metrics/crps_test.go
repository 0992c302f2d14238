package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// pairwiseCRPS is the direct O(M²) definition, the reference for the sorted estimators.
func pairwiseCRPS(x []float64, y float64, fair bool) float64 {
	m := float64(len(x))
	var a, b float64
	for _, xi := range x {
		a += math.Abs(xi - y)
		for _, xj := range x {
			b += math.Abs(xi - xj)
		}
	}
	if fair {
		return a/m - b/(2*m*(m-1))
	}
	return a/m - b/(2*m*m)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

// TestEstimatorsAgreeWithPairwise checks the sorted estimators against the pairwise definition on random
// ensembles of many sizes, with ties, and checks that PWM equals Fair.
func TestEstimatorsAgreeWithPairwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, m := range []int{1, 2, 3, 7, 8, 33, 50, 101} {
		for trial := 0; trial < 50; trial++ {
			x := make([]float64, m)
			for i := range x {
				x[i] = rng.NormFloat64()*3 + 1
				if trial%5 == 0 {
					x[i] = math.Round(x[i]) // ties
				}
			}
			y := rng.NormFloat64()*3 + 1
			if got, want := CRPSEnsemble(x, y, Empirical), pairwiseCRPS(x, y, false); !near(got, want, 1e-12) {
				t.Fatalf("M=%d empirical: sorted %v, pairwise %v", m, got, want)
			}
			if m < 2 {
				if !math.IsNaN(CRPSEnsemble(x, y, Fair)) {
					t.Fatalf("fair CRPS of one member should be NaN")
				}
				if got := CRPSEnsemble(x, y, PWM); got != math.Abs(x[0]-y) {
					t.Fatalf("PWM of one member: %v, want |x−y| = %v", got, math.Abs(x[0]-y))
				}
				continue
			}
			fair := pairwiseCRPS(x, y, true)
			if got := CRPSEnsemble(x, y, Fair); !near(got, fair, 1e-12) {
				t.Fatalf("M=%d fair: sorted %v, pairwise %v", m, got, fair)
			}
			if got := CRPSEnsemble(x, y, PWM); !near(got, fair, 1e-12) {
				t.Fatalf("M=%d PWM %v differs from fair %v", m, got, fair)
			}
		}
	}
}

// TestCRPSGaussianClosedForm checks the closed form against a golden value and against the integral
// definition ∫ (F(t) − 1{t ≥ y})² dt evaluated by quadrature.
func TestCRPSGaussianClosedForm(t *testing.T) {
	// CRPS(N(0,1), 0) = 2φ(0) − 1/√π = (√2 − 1)/√π
	if got, want := CRPSGaussian(0, 1, 0), (math.Sqrt2-1)/math.SqrtPi; !near(got, want, 1e-15) {
		t.Fatalf("CRPS(N(0,1), 0) = %v, want %v", got, want)
	}
	for _, c := range []struct{ mu, sigma, y float64 }{{0, 1, 0.3}, {2, 0.5, -1}, {-3, 4, 5}, {1, 2, 1}} {
		cdf := func(v float64) float64 { return 0.5 * math.Erfc(-(v-c.mu)/(c.sigma*math.Sqrt2)) }
		lo, hi := c.mu-12*c.sigma, c.mu+12*c.sigma
		lo, hi = math.Min(lo, c.y-1), math.Max(hi, c.y+1)
		// midpoint rule on each side of the jump at y
		const n = 200000
		var integral float64
		for _, part := range []struct{ a, b, step float64 }{{lo, c.y, 0}, {c.y, hi, 1}} {
			h := (part.b - part.a) / n
			for i := 0; i < n; i++ {
				d := cdf(part.a+(float64(i)+0.5)*h) - part.step
				integral += d * d * h
			}
		}
		if got := CRPSGaussian(c.mu, c.sigma, c.y); !near(got, integral, 1e-6) {
			t.Fatalf("%+v: closed form %v, quadrature %v", c, got, integral)
		}
	}
	if CRPSGaussian(1, 0, 3) != 2 || !math.IsNaN(CRPSGaussian(0, -1, 0)) {
		t.Fatal("degenerate sigma")
	}
}

// TestLargeEnsembleConvergesToGaussian: with M = 200 000 members drawn from N(mu, sigma²), every estimator
// is within 0.004·sigma of the closed form (the estimators' sampling standard deviation is ≈ 0.6·sigma/√M
// ≈ 0.0013·sigma, so the tolerance is 3 of them; the seed is fixed).
func TestLargeEnsembleConvergesToGaussian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const m = 200000
	x := make([]float64, m)
	for _, c := range []struct{ mu, sigma, y float64 }{{0, 1, 0.3}, {5, 2, 1}, {-1, 0.5, -1.2}} {
		for i := range x {
			x[i] = c.mu + c.sigma*rng.NormFloat64()
		}
		want := CRPSGaussian(c.mu, c.sigma, c.y)
		for _, est := range []Estimator{Empirical, Fair, PWM} {
			if got := CRPSEnsemble(x, c.y, est); math.Abs(got-want) > 0.004*c.sigma {
				t.Errorf("%+v %v: %v, closed form %v", c, est, got, want)
			}
		}
	}
}

// TestFairIsUnbiasedAcrossEnsembleSizes is a statistical test. For each ensemble size M it draws R
// independent M-member ensembles from N(0,1) and an observation y from N(0,1), and compares the mean score
// with the expected CRPS of N(0,1) for such observations, E[CRPS] = 1/√π. The fair estimator must agree
// within 4 standard errors for every M; the empirical estimator must instead show its known excess
// E|X−X'|/(2M) = 1/(√π M), also within 4 standard errors. With the fixed seed the test is deterministic.
func TestFairIsUnbiasedAcrossEnsembleSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const r = 40000
	want := 1 / math.SqrtPi
	for _, m := range []int{2, 3, 5, 10, 50} {
		x := make([]float64, m)
		var sf, sf2, se, se2 float64
		for i := 0; i < r; i++ {
			for k := range x {
				x[k] = rng.NormFloat64()
			}
			y := rng.NormFloat64()
			slices.Sort(x)
			f, e := CRPSSorted(x, y, Fair), CRPSSorted(x, y, Empirical)
			sf, sf2, se, se2 = sf+f, sf2+f*f, se+e, se2+e*e
		}
		meanF, meanE := sf/r, se/r
		seF := math.Sqrt((sf2/r - meanF*meanF) / r)
		seE := math.Sqrt((se2/r - meanE*meanE) / r)
		if math.Abs(meanF-want) > 4*seF {
			t.Errorf("M=%d: fair mean %.5f, expected %.5f ± %.5f (4 SE)", m, meanF, want, 4*seF)
		}
		bias := 1 / (math.SqrtPi * float64(m))
		if math.Abs(meanE-(want+bias)) > 4*seE {
			t.Errorf("M=%d: empirical mean %.5f, expected %.5f + %.5f ± %.5f", m, meanE, want, bias, 4*seE)
		}
	}
}

// referenceCRPS is CRPS over fields computed point by point with the pairwise definition, the mask and the
// weights applied by hand.
func referenceCRPS(f, o *Fields[float64], w []float64, fair, mask bool) []float64 {
	out := make([]float64, f.Leads)
	x := make([]float64, f.Members)
	for l := 0; l < f.Leads; l++ {
		n := 0
		for c := 0; c < f.Cases; c++ {
			var s, ws float64
			for p := 0; p < f.Points(); p++ {
				y := o.At(c, 0, l, p)
				if mask && y < 0 {
					continue
				}
				for m := range x {
					x[m] = f.At(c, m, l, p)
				}
				var v float64
				switch {
				case len(x) <= 70:
					v = pairwiseCRPS(x, y, fair)
				case fair:
					v = CRPSEnsemble(x, y, Fair)
				default:
					v = CRPSEnsemble(x, y, Empirical)
				}
				s += weightAt(w, p) * v
				ws += weightAt(w, p)
			}
			if ws > 0 {
				out[l] += s / ws
				n++
			}
		}
		out[l] /= float64(n)
	}
	return out
}

// TestCRPSFieldsAgreeWithPairwise scores random forecasts (a field of 3×29×31 points, so chunks have a
// tail; members 1, 2, 7, 50, 70 (beyond one vector and one power of two) and 130 (sorted point by point))
// through a moved layout, with row weights and with DyDiff's mask, in float64 and float32, against the
// point-by-point reference: pairwise for M ≤ 70, CRPSEnsemble (itself checked pairwise above) for M = 130.
func TestCRPSFieldsAgreeWithPairwise(t *testing.T) {
	const c, l, ch, h, wd = 2, 2, 3, 29, 31
	for _, m := range []int{1, 2, 7, 50, 70, 130} {
		// layout [members, cases, lead, ch, h, w]
		a := randomArray(uint64(m), m*c*l*ch*h*wd, 0.2)
		y := randomArray(uint64(m)+100, c*l*ch*h*wd, 0)
		lay := Layout{MemberAxis: 0, LeadAxis: 2}
		f, err := NewEnsemble(a, []int{m, c, l, ch, h, wd}, lay)
		if err != nil {
			t.Fatal(err)
		}
		o, err := NewTruth(y, []int{c, l, ch, h, wd}, lay)
		if err != nil {
			t.Fatal(err)
		}
		f32, _ := NewEnsemble(toFloat32(a), []int{m, c, l, ch, h, wd}, lay)
		rows := make([]float64, h)
		for i := range rows {
			rows[i] = 1 + float64(i%5)
		}
		w, err := PointWeights(f.Field, rows, []int{h})
		if err != nil {
			t.Fatal(err)
		}
		for _, est := range []Estimator{Empirical, Fair, PWM} {
			if m < est.minMembers() {
				if _, err := CRPS(f, o, CRPSOptions{Estimator: est}); err == nil {
					t.Errorf("M=%d %v: no error", m, est)
				}
				continue
			}
			fair := est != Empirical && m > 1
			for _, opt := range []CRPSOptions{{Estimator: est}, {Estimator: est, Weights: w}, {Estimator: est, NonNegativeTruthOnly: true}} {
				want := referenceCRPS(f, o, opt.Weights, fair, opt.NonNegativeTruthOnly)
				got, err := CRPS(f, o, opt)
				if err != nil {
					t.Fatal(err)
				}
				got32, err := CRPS(f32, o, opt)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if !near(got[i], want[i], 1e-12) {
						t.Fatalf("M=%d %v weights=%v mask=%v lead %d: %v, want %v", m, est, opt.Weights != nil, opt.NonNegativeTruthOnly, i, got[i], want[i])
					}
					if !near(got32[i], want[i], 1e-6) { // float32 inputs: rounding of the values only
						t.Fatalf("M=%d %v float32 lead %d: %v, want %v", m, est, i, got32[i], want[i])
					}
				}
			}
		}
	}
}

// TestSIMDKernelsMatchScalar checks the vector sorting network and CRPS kernel against the scalar ones.
func TestSIMDKernelsMatchScalar(t *testing.T) {
	if vectorLanes == 0 {
		t.Skip("no SIMD in this build or on this CPU; the scalar kernels are the only ones")
	}
	for _, m := range []int{1, 3, 50, 64, 65} {
		net := sortingNetwork(m)
		a := randomArray(uint64(m), m*chunkPoints, 0)
		b := slices.Clone(a)
		n := chunkPoints - 3
		sortColumns(a, chunkPoints, n, net)
		sortColumnsScalar(b, chunkPoints, n, net)
		for j := 0; j < n; j++ {
			for k := 0; k < m; k++ {
				if a[k*chunkPoints+j] != b[k*chunkPoints+j] || k > 0 && a[k*chunkPoints+j] < a[(k-1)*chunkPoints+j] {
					t.Fatalf("M=%d column %d row %d: sort differs or is unordered", m, j, k)
				}
			}
		}
		y := randomArray(7, chunkPoints, 0)
		o1, o2 := make([]float64, chunkPoints), make([]float64, chunkPoints)
		for _, est := range []Estimator{Empirical, Fair, PWM} {
			crpsColumns(a, chunkPoints, m, n, y, est, o1)
			crpsColumnsScalar(a, chunkPoints, m, n, y, est, o2)
			for j := 0; j < n; j++ {
				if !near(o1[j], o2[j], 1e-13) && !(m == 1 && est == Fair) {
					t.Fatalf("M=%d %v column %d: simd %v scalar %v", m, est, j, o1[j], o2[j])
				}
			}
		}
	}
}

// TestPooledCRPS checks DyDiff's pooled CRPS against pooling by hand: avg pool 2 (stride 1) of a 4×4 field.
func TestPooledCRPS(t *testing.T) {
	const m = 5
	a := randomArray(11, m*16, 0)
	y := randomArray(12, 16, 0)
	f, _ := NewEnsemble(a, []int{1, m, 1, 4, 4}, DefaultLayout)
	o, _ := NewTruth(y, []int{1, 1, 4, 4}, DefaultLayout)
	pool := CRPSPooling("avg", 2)
	got, err := CRPS(f, o, CRPSOptions{Estimator: Fair, Pool: &pool})
	if err != nil {
		t.Fatal(err)
	}
	avg := func(v []float64, i, j int) float64 {
		return (v[i*4+j] + v[i*4+j+1] + v[(i+1)*4+j] + v[(i+1)*4+j+1]) / 4
	}
	var want float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			x := make([]float64, m)
			for k := range x {
				x[k] = avg(a[k*16:], i, j)
			}
			want += pairwiseCRPS(x, avg(y, i, j), true) / 9
		}
	}
	if !near(got[0], want, 1e-12) {
		t.Fatalf("pooled CRPS %v, want %v", got[0], want)
	}
}
