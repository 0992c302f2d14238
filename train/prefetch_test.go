package train

import (
	"errors"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
)

// countSource returns batch i as the scalar i and fails at fail.
type countSource struct {
	fail int
	got  chan int
}

func (c countSource) Batch(i, n int) ([]*tensors.Tensor, error) {
	if c.got != nil {
		c.got <- i
	}
	if i == c.fail {
		return nil, errors.New("disk on fire")
	}
	return []*tensors.Tensor{tensors.FromValue(float32(i))}, nil
}

// The prefetcher hands out micro-batches from..to−1 in order, reads ahead while nobody asks, and
// passes a Source error through in its place.
func TestPrefetchOrderAheadAndErrors(t *testing.T) {
	got := make(chan int, 100)
	p := startPrefetch(countSource{fail: 7, got: got}, 3, 20, 1, 2)
	defer p.stop()
	time.Sleep(50 * time.Millisecond)
	if n := len(got); n < 2 {
		t.Fatalf("%d batches read ahead, want at least the depth 2", n)
	}
	b, err := p.peek()
	if err != nil || b[0].Value().(float32) != 3 {
		t.Fatalf("peek: %v, %v", b, err)
	}
	mbs, err := p.next(4)
	if err != nil {
		t.Fatal(err)
	}
	for k, mb := range mbs {
		if v := mb[0].Value().(float32); v != float32(3+k) {
			t.Fatalf("micro-batch %d is %v, want %d", k, v, 3+k)
		}
	}
	if _, err := p.next(1); err == nil || err.Error() != "disk on fire" {
		t.Fatalf("batch 7: %v, want the source's error", err)
	}
	q := startPrefetch(countSource{fail: -1}, 0, 2, 1, 4)
	q.next(2)
	if _, err := q.next(1); !errors.Is(err, errEndOfData) {
		t.Fatalf("past the end: %v", err)
	}
	q.stop()
}
