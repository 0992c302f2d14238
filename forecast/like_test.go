package forecast

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// LikeSidecar gives back the cases of a sidecar made from the same bytes, nil without a sidecar, and
// refuses a sidecar made from other bytes, naming both files and their hashes.
func TestLikeSidecar(t *testing.T) {
	dir := t.TempDir()
	src, other := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	if err := os.WriteFile(src, []byte("the data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("other data"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(src)
	if err != nil {
		t.Fatal(err)
	}
	fc := filepath.Join(dir, "fc.npy")
	if sc, err := LikeSidecar(fc, src, "--like", "--data"); sc != nil || err != nil {
		t.Fatalf("no sidecar: %v, %v; want nil, nil", sc, err)
	}
	b, err := Sidecar{Kind: KindForecast, Starts: []int{4, 9}, Context: 2, Lead: 3, Source: src, SourceSHA256: sum}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(SidecarPath(fc), b, 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := LikeSidecar(fc, src, "--like", "--data")
	if err != nil || !slices.Equal(sc.Starts, []int{4, 9}) || sc.Context != 2 || sc.Lead != 3 {
		t.Fatalf("same data: %+v, %v", sc, err)
	}
	_, err = LikeSidecar(fc, other, "--like", "--data")
	if err == nil || !strings.HasPrefix(err.Error(), "--like "+fc+" was made from "+src+" (SHA-256 "+sum+"), but --data "+other+" has SHA-256 ") {
		t.Errorf("other data: %v", err)
	}
	if _, err := LikeSidecar(fc, filepath.Join(dir, "none.npy"), "--like", "--data"); err == nil || !strings.HasPrefix(err.Error(), "--data: ") {
		t.Errorf("missing data: %v", err)
	}
}
