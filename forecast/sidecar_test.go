package forecast

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A sidecar written beside an array reads back; a data sidecar of `tidal data` (no kind) and a missing
// one read as nil; SameCases passes agreeing sidecars and names the first field that differs with both
// values.
func TestSidecarRoundTripAndSameCases(t *testing.T) {
	dir := t.TempDir()
	fc := filepath.Join(dir, "fc.npy")
	if TruthPath("a/fc.npy") != "a/fc.truth.npy" || TruthPath("fc.nc") != "fc.truth.nc" {
		t.Fatalf("TruthPath: %s, %s", TruthPath("a/fc.npy"), TruthPath("fc.nc"))
	}
	if SidecarPath(fc) != filepath.Join(dir, "fc.json") || SidecarPath(filepath.Join(dir, "fc.nc")) != filepath.Join(dir, "fc.json") {
		t.Fatalf("SidecarPath(%s) = %s", fc, SidecarPath(fc))
	}
	a := Sidecar{Kind: KindForecast, Method: "dydiff", Starts: []int{4, 9}, Context: 4, Lead: 3, Members: 2, Shape: []int{2, 2, 3, 1},
		Source: "/d/x.npy", SourceSHA256: "aa", Units: PhysicalUnits}
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(SidecarPath(fc), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSidecar(fc)
	if err != nil || got == nil || got.Lead != 3 || got.Starts[1] != 9 || got.SourceSHA256 != "aa" {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	data := filepath.Join(dir, "ns.npy")
	os.WriteFile(SidecarPath(data), []byte(`{"generator": "tidal data waves", "shape": [4, 1, 8, 8]}`), 0o644)
	if s, err := ReadSidecar(data); s != nil || err != nil {
		t.Errorf("a data sidecar read as %+v, %v; want nil", s, err)
	}
	if s, err := ReadSidecar(filepath.Join(dir, "none.npy")); s != nil || err != nil {
		t.Errorf("no sidecar: %+v, %v", s, err)
	}
	truth := Sidecar{Kind: KindTruth, Starts: []int{4, 9}, Context: 2, Lead: 3, Source: "/e/x.npy", SourceSHA256: "aa"}
	if err := SameCases(&a, &truth, "--forecast fc.npy", "--obs t.npy"); err != nil {
		t.Errorf("agreeing sidecars (another context and path, the same bytes): %v", err)
	}
	for _, c := range []struct {
		change func(s *Sidecar)
		want   []string
	}{
		{func(s *Sidecar) { s.Starts = []int{2, 9} }, []string{"starts [4 9]", "[2 9]", "--forecast fc.npy", "--obs t.npy"}},
		{func(s *Sidecar) { s.Lead = 5 }, []string{"lead 3", "5"}},
		{func(s *Sidecar) { s.SourceSHA256 = "bb" }, []string{"source_sha256 aa (/d/x.npy)", "bb (/e/x.npy)"}},
	} {
		o := truth
		c.change(&o)
		err := SameCases(&a, &o, "--forecast fc.npy", "--obs t.npy")
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("SameCases: %v, want a message with %q", err, w)
			}
		}
	}
}

// A sidecar path that is a named pipe is refused by name before anything is read (a read would hang).
func TestSidecarPipeIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "p.json"), 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := ReadSidecar(filepath.Join(dir, "p.npy")); err == nil || !strings.Contains(err.Error(), "p.json") {
		t.Errorf("a named pipe as sidecar: %v", err)
	}
}
