package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/tidal-forecast/tidal/guard"
)

// Reader reads NPY, NPZ and CSV files no larger, once decoded, than a memory budget. Sizes declared in a
// file (NPY shapes, zip entries' uncompressed sizes) are checked against the budget and against the bytes
// actually present before any large allocation, and data are read in bounded chunks, so that a file that
// lies about its size fails at the first short read instead of exhausting memory (docs/HARDENING.md).
type Reader struct {
	// MaxBytes bounds the decoded values of one call (all arrays of an NPZ together); 0 means the memory
	// the machine has available now (guard.AvailableMemory).
	MaxBytes int64
}

// chunkBytes is the size of the reads the decoders make.
const chunkBytes = 1 << 20

// budget resolves MaxBytes.
func (r Reader) budget() (int64, string) {
	if r.MaxBytes > 0 {
		if n, src := (guard.Budget{Memory: r.MaxBytes}).Mem(); n < r.MaxBytes {
			return n, "the memory this process can still allocate (" + src + ")"
		}
		return r.MaxBytes, "the reader's budget"
	}
	n, src := guard.AvailableMemory()
	return n, "the memory available (" + src + ")"
}

// checkBudget refuses n bytes of decoded values beyond the budget, naming the file.
func (r Reader) checkBudget(name string, what string, n int64) error {
	max, src := r.budget()
	if n > max {
		return fmt.Errorf("%s: %s needs %s, more than %s, %s; raise --max-memory on purpose if the machine has it",
			name, what, guard.FormatBytes(n), src, guard.FormatBytes(max))
	}
	return nil
}

// openRegular opens path for reading, refusing folders and non-regular files (devices, pipes) with a
// message that says which it is; kind names the expected format, e.g. "an NPY file".
func openRegular(path, kind string) (*os.File, int64, error) {
	return guard.OpenFile(path, kind)
}

// decodeValues reads n values of dtype from r in chunks. With trusted, the caller has verified that the
// bytes are there (a regular file of the right size) and the result is allocated at once; otherwise it
// grows with the bytes actually read, so a stream that claims more than it holds costs only what it holds.
func decodeValues(r io.Reader, dtype DType, n int, trusted bool, name string) (*Array, error) {
	a := &Array{DType: dtype}
	size := dtype.Size()
	capHint := n
	if !trusted {
		capHint = min(n, chunkBytes/size)
	}
	if dtype == Float32 {
		a.F32 = make([]float32, 0, capHint)
	} else {
		a.F64 = make([]float64, 0, capHint)
	}
	buf := make([]byte, min(chunkBytes, n*size))
	for done := 0; done < n; {
		k := min(len(buf)/size, n-done)
		if _, err := io.ReadFull(r, buf[:k*size]); err != nil {
			return nil, fmt.Errorf("%s: truncated data: %d of %d values present (%v)", name, done, n, err)
		}
		if dtype == Float32 {
			a.F32 = slices.Grow(a.F32, k)[:done+k]
			dst := a.F32[done:]
			for i := range dst {
				dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			}
		} else {
			a.F64 = slices.Grow(a.F64, k)[:done+k]
			dst := a.F64[done:]
			for i := range dst {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
			}
		}
		done += k
	}
	return a, nil
}
