// Package metricsbench measures the speed of tidal's ensemble CRPS against a NumPy implementation of the
// same CRPS (crps_reference.py), timed in the same run on the same data, for `tidal bench metrics`.
//
// The data are generated one case at a time and streamed to NumPy through a pipe, so neither side ever
// holds more than a few cases: the full size (100 cases × 50 members × 10 leads × 128×128) is 819M forecast
// values, 3.3 GB as float32. Go and NumPy run in lockstep, never at the same time.
package metricsbench

import (
	"bufio"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
	"github.com/tidal-forecast/tidal/metrics"
)

//go:embed crps_reference.py
var crpsReference string

// Options sizes the benchmark.
type Options struct {
	Cases, Members, Leads, Size int // Size is the side of the square field, cells
	Seed                        uint64
	NoNumPy                     bool // skip the NumPy reference (timings of Go only)
}

// Full is the size: 100 cases × 50 members × 10 leads × 128×128.
var Full = Options{Cases: 100, Members: 50, Leads: 10, Size: 128, Seed: 1}

// Quick is a size that runs in seconds: 4 cases × 50 members × 10 leads × 64×64.
var Quick = Options{Cases: 4, Members: 50, Leads: 10, Size: 64, Seed: 1}

// Result holds the measured times in seconds and the largest disagreement between Go and NumPy.
type Result struct {
	Go, Go1, NumPy, Fair, SpreadSkill float64
	MaxRelDiff                        float64 // max over cases and leads of |Go − NumPy| / |NumPy|
	NumPyVersion                      string
}

// Run generates the data case by case, times Go's CRPS (on all cores and on one), the fair CRPS and the
// spread-skill ratio, and NumPy's CRPS on the same case, and writes a report to w.
func Run(opt Options, w io.Writer) (*Result, error) {
	if opt.Cases < 1 || opt.Members < 2 || opt.Leads < 1 || opt.Size < 1 {
		return nil, fmt.Errorf("bench size %+v: need ≥ 1 case, ≥ 2 members, ≥ 1 lead, size ≥ 1", opt)
	}
	m, l, hw := opt.Members, opt.Leads, opt.Size*opt.Size
	total := float64(opt.Cases) * float64(m*l*hw)
	fmt.Fprintf(w, "tidal bench metrics: %d cases × %d members × %d leads × %d×%d = %.1fM forecast values (%.2f GB as float32), one case at a time\n",
		opt.Cases, m, l, opt.Size, opt.Size, total/1e6, total*4/1e9)
	fmt.Fprintf(w, "machine: %d cores (GOMAXPROCS %d), load average %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), benchenv.LoadAverage())

	var np *numpyProc
	res := &Result{}
	if !opt.NoNumPy {
		py, err := pyref.Find("numpy")
		if err != nil {
			return nil, err
		}
		if np, err = startNumPy(py, m, l, opt.Size); err != nil {
			return nil, err
		}
		defer np.close()
		res.NumPyVersion = np.version
	}
	fc := make([]float32, m*l*hw)
	ob := make([]float32, l*hw)
	shapeF := []int{1, m, l, opt.Size, opt.Size}
	shapeO := []int{1, l, opt.Size, opt.Size}
	for c := 0; c < opt.Cases; c++ {
		generate(fc, ob, opt, c)
		f, err := metrics.NewEnsemble(fc, shapeF, metrics.DefaultLayout)
		if err != nil {
			return nil, err
		}
		o, err := metrics.NewTruth(ob, shapeO, metrics.DefaultLayout)
		if err != nil {
			return nil, err
		}
		var goCRPS []float64
		if err := timed(&res.Go, func() (err error) {
			goCRPS, err = metrics.CRPS(f, o, metrics.CRPSOptions{Estimator: metrics.Empirical})
			return err
		}); err != nil {
			return nil, err
		}
		procs := runtime.GOMAXPROCS(1)
		err = timed(&res.Go1, func() error {
			_, err := metrics.CRPS(f, o, metrics.CRPSOptions{Estimator: metrics.Empirical})
			return err
		})
		runtime.GOMAXPROCS(procs)
		if err != nil {
			return nil, err
		}
		if err := timed(&res.Fair, func() error {
			_, err := metrics.CRPS(f, o, metrics.CRPSOptions{Estimator: metrics.Fair})
			return err
		}); err != nil {
			return nil, err
		}
		if err := timed(&res.SpreadSkill, func() error {
			_, err := metrics.SpreadSkillRatio(f, o, nil)
			return err
		}); err != nil {
			return nil, err
		}
		if np == nil {
			continue
		}
		secs, pyCRPS, err := np.score(fc, ob)
		if err != nil {
			return nil, err
		}
		res.NumPy += secs
		for i := range pyCRPS {
			res.MaxRelDiff = math.Max(res.MaxRelDiff, math.Abs(goCRPS[i]-pyCRPS[i])/math.Abs(pyCRPS[i]))
		}
	}
	rate := func(s float64) string { return fmt.Sprintf("%7.3f s  %6.0f M values/s", s, total/s/1e6) }
	fmt.Fprintf(w, "CRPS (empirical), Go, %d threads   %s\n", runtime.GOMAXPROCS(0), rate(res.Go))
	fmt.Fprintf(w, "CRPS (empirical), Go, 1 thread    %s\n", rate(res.Go1))
	fmt.Fprintf(w, "CRPS (fair), Go, %d threads        %s\n", runtime.GOMAXPROCS(0), rate(res.Fair))
	fmt.Fprintf(w, "spread-skill ratio, Go, %d threads %s\n", runtime.GOMAXPROCS(0), rate(res.SpreadSkill))
	if np != nil {
		fmt.Fprintf(w, "CRPS (empirical), NumPy %s     %s\n", res.NumPyVersion, rate(res.NumPy))
		fmt.Fprintf(w, "speed-up over NumPy: %.2f× (Go, %d threads), %.2f× (Go, 1 thread)\n",
			res.NumPy/res.Go, runtime.GOMAXPROCS(0), res.NumPy/res.Go1)
		fmt.Fprintf(w, "Go and NumPy agree: largest relative difference of a per-lead CRPS %.1e\n", res.MaxRelDiff)
		if res.MaxRelDiff > 1e-4 {
			return res, fmt.Errorf("Go and NumPy CRPS disagree by %.1e (relative)", res.MaxRelDiff)
		}
	}
	return res, nil
}

// generate fills one case: a smooth truth-like signal s per lead plus N(0,1) noise for the truth and each
// member (a calibrated ensemble). Members are generated in parallel, each from its own seeded stream.
func generate(fc, ob []float32, opt Options, c int) {
	m, l, n := opt.Members, opt.Leads, opt.Size
	hw := n * n
	signal := func(li, p int) float64 {
		i, j := float64(p/n), float64(p%n)
		return 2 * math.Sin(0.1*i+0.3*float64(li)+float64(c)) * math.Cos(0.07*j-0.2*float64(li))
	}
	var wg sync.WaitGroup
	for k := -1; k < m; k++ { // k = −1 is the truth
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(c*(m+1)+k+1)))
			for li := 0; li < l; li++ {
				for p := 0; p < hw; p++ {
					v := float32(signal(li, p) + rng.NormFloat64())
					if k < 0 {
						ob[li*hw+p] = v
					} else {
						fc[(k*l+li)*hw+p] = v
					}
				}
			}
		}(k)
	}
	wg.Wait()
}

func timed(acc *float64, fn func() error) error {
	t := time.Now()
	err := fn()
	*acc += time.Since(t).Seconds()
	return err
}

// numpyProc is the running NumPy reference.
type numpyProc struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	leads   int
	version string
	buf     []byte
}

func startNumPy(py string, m, l, n int) (*numpyProc, error) {
	ver, err := pyref.Run(py, "import numpy; print(numpy.__version__)")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(py, "-c", crpsReference, strconv.Itoa(m), strconv.Itoa(l), strconv.Itoa(n), strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the NumPy reference: %w", err)
	}
	return &numpyProc{cmd: cmd, in: in, out: bufio.NewReader(out), leads: l, version: strings.TrimSpace(string(ver))}, nil
}

// score sends one case and returns NumPy's compute time and per-lead CRPS.
func (p *numpyProc) score(fc, ob []float32) (float64, []float64, error) {
	for _, v := range [][]float32{fc, ob} {
		p.buf = p.buf[:0]
		for _, x := range v {
			p.buf = binary.LittleEndian.AppendUint32(p.buf, math.Float32bits(x))
		}
		if _, err := p.in.Write(p.buf); err != nil {
			return 0, nil, fmt.Errorf("sending a case to NumPy: %w", err)
		}
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		return 0, nil, fmt.Errorf("reading NumPy's answer: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) != 1+p.leads {
		return 0, nil, fmt.Errorf("NumPy answered %q; expected the time and %d CRPS values", line, p.leads)
	}
	vals := make([]float64, len(fields))
	for i, s := range fields {
		if vals[i], err = strconv.ParseFloat(s, 64); err != nil {
			return 0, nil, fmt.Errorf("NumPy answered %q: %w", line, err)
		}
	}
	return vals[0], vals[1:], nil
}

func (p *numpyProc) close() {
	p.in.Close()
	p.cmd.Wait()
}
