package stepbench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// TorchResult is the PyTorch reference's step for one network and size (scripts/torch_trainstep.py
// --model dydiff-NET): the same network, window and batch in PyTorch eager and, where available,
// torch.compile.
type TorchResult struct {
	Net          string
	Size, Params int
	// Eager and Compiled are median step times; Compiled is 0 without torch.compile.
	Eager, Compiled time.Duration
}

// TorchModels name the PyTorch reference's model (its --model) of each network.
var TorchModels = map[string]string{"unet": "dydiff-unet", "video": "dydiff-video", "series": "dydiff-series"}

// RunTorch runs the PyTorch reference of network net with python at sizes on device ("cpu" or
// "cuda") with threads threads (0: PyTorch's default) and returns its header line and one result per
// size. compile asks for torch.compile too.
func RunTorch(python, script, net, device string, threads, steps int, sizes []int, o Options, compile bool) (string, []TorchResult, error) {
	modelName, ok := TorchModels[net]
	if !ok {
		return "", nil, fmt.Errorf("no PyTorch reference for network %q", net)
	}
	o = o.withDefaults()
	ss := make([]string, len(sizes))
	for i, s := range sizes {
		ss[i] = strconv.Itoa(s)
	}
	args := []string{script, "--model", modelName, "--device", device, "--threads", strconv.Itoa(threads),
		"--batch", strconv.Itoa(o.Batch), "--sizes", strings.Join(ss, ","), "--channels", strconv.Itoa(o.Channels),
		"--context", strconv.Itoa(o.Context), "--predict", strconv.Itoa(o.Predict), "--steps", strconv.Itoa(max(o.MinSteps, 3))}
	if !compile {
		args = append(args, "--no-compile")
	}
	cmd := exec.Command(python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nil, fmt.Errorf("%s %s: %v: %s", python, script, err, lastLines(stderr.String(), 5))
	}
	header, res, err := ParseTorch(bytes.NewReader(out))
	for i := range res {
		res[i].Net = net
	}
	return header, res, err
}

// ParseTorch reads the script's lines "B S C params eager_ms compiled_ms" (compiled "-" when absent);
// the last line starting with # is the header.
func ParseTorch(r io.Reader) (header string, res []TorchResult, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#"):
			header = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		f := strings.Fields(line)
		if len(f) != 6 {
			return "", nil, fmt.Errorf("PyTorch reference: unexpected line %q", line)
		}
		size, err1 := strconv.Atoi(f[1])
		params, err2 := strconv.Atoi(f[3])
		eager, err3 := strconv.ParseFloat(f[4], 64)
		if err := firstErr(err1, err2, err3); err != nil {
			return "", nil, fmt.Errorf("PyTorch reference: line %q: %w", line, err)
		}
		t := TorchResult{Size: size, Params: params, Eager: time.Duration(eager * 1e6)}
		if f[5] != "-" {
			c, err := strconv.ParseFloat(f[5], 64)
			if err != nil {
				return "", nil, fmt.Errorf("PyTorch reference: line %q: %w", line, err)
			}
			t.Compiled = time.Duration(c * 1e6)
		}
		res = append(res, t)
	}
	return header, res, sc.Err()
}

// WriteTorchComparison writes, for every result with a PyTorch result of its network and size, both
// steps and tidal/PyTorch. It fails when the parameter counts differ (not the same network).
func WriteTorchComparison(w io.Writer, tidal []Result, torch []TorchResult) error {
	if _, err := fmt.Fprintf(w, "%-12s %11s %13s %14s %12s %14s\n", "net size", "tidal", "torch eager", "torch.compile", "tidal/eager", "tidal/compile"); err != nil {
		return err
	}
	for _, r := range tidal {
		if t, ok := findTorch(torch, r.Case); ok {
			if t.Params != r.Params {
				return fmt.Errorf("PyTorch reference of %v has %d parameters, tidal's %d: not the same network", r.Case, t.Params, r.Params)
			}
			comp, compRatio := "-", "-"
			if t.Compiled > 0 {
				comp = fmt.Sprintf("%.1f ms", ms(t.Compiled))
				compRatio = fmt.Sprintf("%.2f×", r.Step.Seconds()/t.Compiled.Seconds())
			}
			if _, err := fmt.Fprintf(w, "%-12s %8.1f ms %10.1f ms %14s %11.2f× %14s\n", r.Case, ms(r.Step), ms(t.Eager), comp,
				r.Step.Seconds()/t.Eager.Seconds(), compRatio); err != nil {
				return err
			}
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
