package netbench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/nets"
)

// TorchResult is one case of the PyTorch reference (scripts/torch_trainstep.py): the same network,
// batch, size and threads, timed in PyTorch's eager mode and, where available, with torch.compile.
type TorchResult struct {
	Case   Case
	Params int
	// Eager is the median eager step; Compiled is the median torch.compile step, 0 where the
	// installed PyTorch has no torch.compile.
	Eager, Compiled time.Duration
}

// RunTorch runs the PyTorch reference script with python on the given cases at threads
// threads (all batch sizes must be equal) and returns its timings. It fails if the script reports a
// parameter count other than the network's (the two would not be the same architecture).
func RunTorch(python, script string, threads, steps int, cases []Case) (header string, res []TorchResult, err error) {
	if len(cases) == 0 {
		return "", nil, nil
	}
	var sizes, chans []string
	for _, c := range cases {
		if c.Batch != cases[0].Batch {
			return "", nil, fmt.Errorf("the PyTorch reference runs one batch size, got %d and %d", cases[0].Batch, c.Batch)
		}
		sizes = appendUnique(sizes, strconv.Itoa(c.Size))
		chans = appendUnique(chans, strconv.Itoa(c.Channels))
	}
	cmd := exec.Command(python, script, "--threads", strconv.Itoa(threads), "--batch", strconv.Itoa(cases[0].Batch),
		"--sizes", strings.Join(sizes, ","), "--channels", strings.Join(chans, ","), "--steps", strconv.Itoa(steps))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %v: %s", python, script, err, lastLines(stderr.String(), 5))
	}
	return parseTorchOutput(bytes.NewReader(out), cases)
}

// parseTorchOutput reads the script's lines "B S C params eager_ms compiled_ms" (compiled "-" when
// absent) for the wanted cases; lines starting with # form the header.
func parseTorchOutput(r io.Reader, cases []Case) (header string, res []TorchResult, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			header = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		f := strings.Fields(line)
		if len(f) != 6 {
			return "", nil, fmt.Errorf("PyTorch reference: unexpected line %q", line)
		}
		var n [4]int
		for i := range n {
			if n[i], err = strconv.Atoi(f[i]); err != nil {
				return "", nil, fmt.Errorf("PyTorch reference: line %q: %w", line, err)
			}
		}
		r := TorchResult{Case: Case{Batch: n[0], Size: n[1], Channels: n[2]}, Params: n[3]}
		eager, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			return "", nil, fmt.Errorf("PyTorch reference: line %q: %w", line, err)
		}
		r.Eager = time.Duration(eager * 1e6)
		if f[5] != "-" {
			c, err := strconv.ParseFloat(f[5], 64)
			if err != nil {
				return "", nil, fmt.Errorf("PyTorch reference: line %q: %w", line, err)
			}
			r.Compiled = time.Duration(c * 1e6)
		}
		for _, want := range cases {
			if want == r.Case {
				u, err := nets.New(Config(want.Channels))
				if err != nil {
					return "", nil, err
				}
				if r.Params != u.NumParams() {
					return "", nil, fmt.Errorf("PyTorch reference for %v has %d parameters, tidal's network %d: not the same architecture",
						want, r.Params, u.NumParams())
				}
				res = append(res, r)
			}
		}
	}
	return header, res, sc.Err()
}

// WriteTorchComparison writes, for every case measured by both, tidal's step, PyTorch's eager (and
// compiled) step and the ratios tidal/PyTorch.
func WriteTorchComparison(w io.Writer, tidal []Result, torch []TorchResult) error {
	if _, err := fmt.Fprintf(w, "%-12s %10s %13s %13s %14s %14s\n",
		"B×S²×C", "tidal", "torch eager", "torch.compile", "tidal/eager", "tidal/compile"); err != nil {
		return err
	}
	for _, r := range tidal {
		for _, t := range torch {
			if t.Case != r.Case {
				continue
			}
			comp, compRatio := "-", "-"
			if t.Compiled > 0 {
				comp = fmt.Sprintf("%.1f ms", ms(t.Compiled))
				compRatio = fmt.Sprintf("%.2f×", r.Step.Seconds()/t.Compiled.Seconds())
			}
			if _, err := fmt.Fprintf(w, "%-12s %7.1f ms %10.1f ms %13s %13.2f× %14s\n", r.Case, ms(r.Step), ms(t.Eager), comp,
				r.Step.Seconds()/t.Eager.Seconds(), compRatio); err != nil {
				return err
			}
		}
	}
	return nil
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
