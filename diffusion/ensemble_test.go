package diffusion

import (
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/backend"
)

func TestMembers(t *testing.T) {
	c2 := tensors.FromValue([][]float32{{1}, {2}})
	if m, err := Members(6, []*tensors.Tensor{c2, c2}); err != nil || m != 3 {
		t.Errorf("Members(6, 2 rows) = %d, %v; want 3", m, err)
	}
	if m, err := Members(5, nil); err != nil || m != 1 {
		t.Errorf("Members without cond = %d, %v; want 1", m, err)
	}
	if _, err := Members(5, []*tensors.Tensor{c2}); err == nil {
		t.Error("2 rows accepted for 5")
	}
	c3 := tensors.FromValue([][]float32{{1}, {2}, {3}})
	if _, err := Members(6, []*tensors.Tensor{c2, c3}); err == nil {
		t.Error("Cond tensors implying different members accepted")
	}
}

func TestRepeatRows(t *testing.T) {
	b, err := backend.New(backend.Go)
	if err != nil {
		t.Fatal(err)
	}
	out := MustNewExec(b, func(c *Node) *Node { return RepeatRows([]*Node{c}, 3)[0] }).
		MustCall(tensors.FromValue([][]float32{{1, 2}, {3, 4}}))[0]
	want := []float32{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}
	if got := tensors.MustCopyFlatData[float32](out); !slices.Equal(got, want) || out.Shape().Dimensions[0] != 6 {
		t.Errorf("RepeatRows = %v %v, want %v", out.Shape(), got, want)
	}
}
