// Package readbench times tidal's bounded NPY reader against the simplest reader of the same files (the
// whole file read at once, then decoded), so that the cost of reading in bounded chunks is measured in
// the same run (docs/PERFORMANCE.md, docs/HARDENING.md).
package readbench

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/tidal-forecast/tidal/data"
)

// WholeFile reads a float32 NPY file the unbounded way: one allocation of the file's size, one read, one
// decode. It trusts the header, so it is a speed reference only, never a reader for untrusted files.
func WholeFile(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 {
		return nil, fmt.Errorf("%s: too short", path)
	}
	start := 10 + int(binary.LittleEndian.Uint16(b[8:]))
	if start > len(b) {
		return nil, fmt.Errorf("%s: header past the end", path)
	}
	body := b[start:]
	out := make([]float32, len(body)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return out, nil
}

// WriteSample writes n float32 values i·0.5 to path as NPY.
func WriteSample(path string, n int) error {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i) * 0.5
	}
	return data.WriteNPY(path, data.FromFloat32(v, n))
}
