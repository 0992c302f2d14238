package numpyref

import (
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// Every script is embedded with its usage, and is valid Python: compiled (not run) by the interpreter the
// tests use, so a broken script fails here rather than as a skipped cross-check.
func TestScriptsCompile(t *testing.T) {
	scripts := map[string]string{"metrics_score.py": Score, "ssim.py": SSIM, "npy_interop.py": NPYInterop, "netcdf_interop.py": NetCDFInterop}
	py := pyref.ForTest(t)
	for name, s := range scripts {
		if !strings.Contains(s, "Usage: "+name) || !strings.Contains(s, "import numpy") && !strings.Contains(s, "numpy as np") {
			t.Errorf("%s: no usage line or no NumPy import", name)
		}
		out, err := pyref.Run(py, "import sys; compile(sys.argv[1], 'script', 'exec'); print('ok')", s)
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Errorf("%s does not compile: %v %s", name, err, out)
		}
	}
}
