package train

import (
	"sync/atomic"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
)

// prefetcher loads micro-batches from..to−1 of a Source in a goroutine, depth ahead of the step, so
// that the compiled step never waits for data that could have been read while it ran.
type prefetcher struct {
	ch    chan fetched
	quit  chan struct{}
	ahead *fetched
	// busy is the time spent in Source.Batch, in nanoseconds.
	busy atomic.Int64
}

type fetched struct {
	b   []*tensors.Tensor
	err error
}

func startPrefetch(src Source, from, to, size, depth int) *prefetcher {
	p := &prefetcher{ch: make(chan fetched, depth), quit: make(chan struct{})}
	go func() {
		defer close(p.ch)
		for i := from; i < to; i++ {
			t0 := time.Now()
			b, err := src.Batch(i, size)
			p.busy.Add(int64(time.Since(t0)))
			select {
			case p.ch <- fetched{b, err}:
			case <-p.quit:
				for _, t := range b {
					t.FinalizeAll()
				}
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// peek returns the next micro-batch without consuming it (the step is compiled for its shapes).
func (p *prefetcher) peek() ([]*tensors.Tensor, error) {
	if p.ahead == nil {
		f, ok := <-p.ch
		if !ok {
			f.err = errEndOfData
		}
		p.ahead = &f
	}
	return p.ahead.b, p.ahead.err
}

// next returns the next n micro-batches.
func (p *prefetcher) next(n int) ([][]*tensors.Tensor, error) {
	out := make([][]*tensors.Tensor, 0, n)
	for range n {
		b, err := p.peek()
		p.ahead = nil
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// stop ends the goroutine and releases what it had loaded.
func (p *prefetcher) stop() {
	select {
	case <-p.quit:
		return
	default:
	}
	close(p.quit)
	for f := range p.ch {
		for _, t := range f.b {
			t.FinalizeAll()
		}
	}
}

type endOfData struct{}

func (endOfData) Error() string { return "train: the data source ended before the last step" }

var errEndOfData error = endOfData{}
