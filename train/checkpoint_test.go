package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// Tensors of several dtypes and ranks come back byte for byte, with their names, trainable flags and
// the loop state; rewriting a step replaces it; prune keeps the newest.
func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ts := []named{
		{Name: "/a", Trainable: true, T: tensors.FromFlatDataAndDimensions([]float32{1, -2.5, 3, 4, 5, 6}, 2, 3)},
		{Name: "/#rngState", T: tensors.FromFlatDataAndDimensions([]uint64{1, 1 << 60, 7}, 3)},
		{Name: "/s", T: tensors.FromFlatDataAndDimensions([]float64{3.25})},
	}
	state := checkpointState{Step: 7, Samples: 28, ElapsedS: 1.5}
	for _, s := range []int{3, 7, 5} {
		if _, err := writeCheckpoint(dir, "resume", s, state, ts); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := writeCheckpoint(dir, "resume", 7, state, ts); err != nil {
		t.Fatalf("rewriting step 7: %v", err)
	}
	m, back, err := latestGood(dir, t.Errorf)
	if err != nil || m == nil || m.Step != 7 || m.Kind != "resume" || !strings.Contains(string(m.State), `"samples": 28`) {
		t.Fatalf("latest: %+v, %v", m, err)
	}
	for i, x := range back {
		if x.Name != ts[i].Name || x.Trainable != ts[i].Trainable || !x.T.Shape().Equal(ts[i].T.Shape()) {
			t.Fatalf("tensor %d: %s %v %s", i, x.Name, x.Trainable, x.T.Shape())
		}
		var a, b []byte
		x.T.ConstBytes(func(v []byte) { a = append(a, v...) })
		ts[i].T.ConstBytes(func(v []byte) { b = append(b, v...) })
		if string(a) != string(b) {
			t.Fatalf("tensor %s: bytes differ", x.Name)
		}
	}
	if err := prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	if steps, _ := listSteps(dir); len(steps) != 2 || steps[0] != 7 || steps[1] != 5 {
		t.Fatalf("after prune: %v", steps)
	}
	des, _ := os.ReadDir(dir)
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("temporary %s left behind", d.Name())
		}
	}
}

// A manifest that lies about the bytes is refused even when the checksums match (written by hand).
func TestCheckpointManifestMustTileTheBytes(t *testing.T) {
	bin := make([]byte, 24)
	if _, err := decodeTensors(bin, []entry{{Name: "/a", DType: "Float32", Shape: []int{4}, Offset: 0, Bytes: 16}}); err == nil {
		t.Error("8 trailing bytes accepted")
	}
	if _, err := decodeTensors(bin, []entry{{Name: "/a", DType: "Float32", Shape: []int{8}, Offset: 0, Bytes: 32}}); err == nil {
		t.Error("a tensor past the end accepted")
	}
	if _, err := decodeTensors(bin, []entry{{Name: "/a", DType: "Complex7", Shape: []int{6}, Offset: 0, Bytes: 24}}); err == nil {
		t.Error("an unknown dtype accepted")
	}
	if _, err := decodeTensors(bin, []entry{{Name: "/a", DType: "Float32", Shape: []int{6}, Offset: 0, Bytes: 24}}); err != nil {
		t.Errorf("a good manifest refused: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "none")
	if m, _, err := latestGood(dir, t.Errorf); m != nil || err != nil {
		t.Errorf("no checkpoint folder: %v, %v", m, err)
	}
}
