// Package pyref finds the Python interpreter with NumPy (and, where asked, scikit-image) that tidal's tests
// and benchmarks use as an independent reference.
//
// The interpreter is $TIDAL_PYTHON, else /usr/bin/python3 (Debian's, where `make test` installs
// python3-numpy and python3-skimage), else python3 on the PATH.
package pyref

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Find returns a Python interpreter that imports every module in modules, or an error naming what was tried.
func Find(modules ...string) (string, error) {
	var tried []string
	candidates := []string{os.Getenv("TIDAL_PYTHON"), "/usr/bin/python3", "python3"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		path, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, c+" (not found)")
			continue
		}
		script := "import " + strings.Join(append([]string{"sys"}, modules...), ", ")
		if out, err := exec.Command(path, "-c", script).CombinedOutput(); err != nil {
			tried = append(tried, fmt.Sprintf("%s (%s)", path, lastLine(out)))
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("no Python with %s: tried %s; run `make test`, which installs Debian's packages",
		strings.Join(modules, ", "), strings.Join(tried, "; "))
}

// ForTest returns the interpreter for a test. Where none is found it fails the test when
// TIDAL_REQUIRE_PYTHON=1 (as `make test` sets) and skips it otherwise.
func ForTest(t testing.TB, modules ...string) string {
	t.Helper()
	py, err := Find(modules...)
	if err != nil {
		if os.Getenv("TIDAL_REQUIRE_PYTHON") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return py
}

// Run runs a Python script with args and returns its standard output; the error holds standard error.
func Run(python, script string, args ...string) ([]byte, error) {
	cmd := exec.Command(python, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("python: %v: %s", err, stderr.String())
	}
	return out, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
