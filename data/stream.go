package data

import (
	"fmt"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// NPYWriter streams an NPY file whose shape is known in advance, a slab at a time, so that long
// simulations and rollouts keep memory flat. The file appears under its final name only when Close
// finds that exactly the promised number of values was written.
type NPYWriter struct {
	f       *atomicfile.File
	dtype   DType
	shape   []int
	want    int
	written int
	err     error
}

// NewNPYWriter starts an NPY file of the given dtype and shape at path.
func NewNPYWriter(path string, dtype DType, shape ...int) (*NPYWriter, error) {
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("%s: negative dimension in shape %v", path, shape)
		}
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(headerBytes(dtype, shape)); err != nil {
		f.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &NPYWriter{f: f, dtype: dtype, shape: append([]int(nil), shape...), want: NumElements(shape)}, nil
}

// WriteFloat32 appends values, converting them to the file's dtype.
func (w *NPYWriter) WriteFloat32(v []float32) error {
	if err := w.grow(len(v)); err != nil {
		return err
	}
	if w.dtype == Float32 {
		w.err = writeFloat32s(w.f, v)
	} else {
		w.err = writeFloat64s(w.f, (&Array{DType: Float32, F32: v}).Float64())
	}
	return w.err
}

// WriteFloat64 appends values, converting them to the file's dtype.
func (w *NPYWriter) WriteFloat64(v []float64) error {
	if err := w.grow(len(v)); err != nil {
		return err
	}
	if w.dtype == Float64 {
		w.err = writeFloat64s(w.f, v)
	} else {
		w.err = writeFloat32s(w.f, (&Array{DType: Float64, F64: v}).Float32())
	}
	return w.err
}

func (w *NPYWriter) grow(n int) error {
	if w.err != nil {
		return w.err
	}
	if w.written+n > w.want {
		w.err = fmt.Errorf("%s: writing %d values past the %d that shape %v holds", w.f.Path(), w.written+n-w.want, w.want, w.shape)
		return w.err
	}
	w.written += n
	return nil
}

// Close commits the file if every value was written, and removes it otherwise.
func (w *NPYWriter) Close() error {
	if w.err == nil && w.written != w.want {
		w.err = fmt.Errorf("%s: %d of %d values written; file discarded", w.f.Path(), w.written, w.want)
	}
	if w.err != nil {
		w.f.Abort()
		return w.err
	}
	return w.f.Commit()
}

// Abort discards the file. It is safe to call after Close.
func (w *NPYWriter) Abort() { w.f.Abort() }
