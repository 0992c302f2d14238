package rollout

// history holds the last k frames of the ensemble in a ring of k buffers, so that each new frame costs
// one copy and no allocation.
type history struct {
	buf  [][]float32 // ring of k frames
	head int         // index in buf of the oldest frame
	view [][]float32 // buf in order, oldest first, handed to the step
}

// newHistory starts a history from k frames of n values each, oldest first, copied from flat.
func newHistory(flat []float32, k, n int) *history {
	h := &history{buf: make([][]float32, k), view: make([][]float32, k)}
	for i := range h.buf {
		h.buf[i] = append([]float32(nil), flat[i*n:(i+1)*n]...)
	}
	return h
}

// frames returns the k frames, oldest first.
func (h *history) frames() [][]float32 {
	k := len(h.buf)
	for i := range h.view {
		h.view[i] = h.buf[(h.head+i)%k]
	}
	return h.view
}

// push appends the w frames of n values each in window (oldest first), dropping the oldest ones.
func (h *history) push(window []float32, w, n int) {
	k := len(h.buf)
	for j := max(0, w-k); j < w; j++ {
		copy(h.buf[h.head], window[j*n:(j+1)*n])
		h.head = (h.head + 1) % k
	}
}
