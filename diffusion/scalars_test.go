package diffusion

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/tidal-forecast/tidal/backend"
)

func TestPerSampleAndElem(t *testing.T) {
	b, err := backend.New(backend.Go)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	// x [2, 3] times the per-sample coefficient [10, 100], plus element 1 of the scalars [0.5, 2, 4].
	out := MustExecOnce(b, func(x, c, s *Node) *Node {
		return Add(Mul(x, PerSample(x, c)), Elem(s, 1))
	}, [][]float32{{1, 2, 3}, {4, 5, 6}}, []float64{10, 100}, Scalars(0.5, 2, 4))
	got := out.Value().([][]float32)
	want := [][]float32{{12, 22, 32}, {402, 502, 602}}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	if ShapeOf(nil) != "nil" {
		t.Fatal("ShapeOf(nil)")
	}
}

func TestPerSampleRefusesWrongBatch(t *testing.T) {
	b, _ := backend.New(backend.Go)
	defer b.Finalize()
	_, err := ExecOnce(b, func(x, c *Node) *Node { return Mul(x, PerSample(x, c)) },
		[][]float32{{1, 2}, {3, 4}}, []float32{1, 2, 3})
	if err == nil {
		t.Fatal("a coefficient of 3 values for a batch of 2 was accepted")
	}
}
