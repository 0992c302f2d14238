package readbench

import (
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// TestReadersAgree: the bounded reader and the whole-file reference decode the same values.
func TestReadersAgree(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.npy")
	const n = 3<<18 + 7 // crosses several 1 MiB chunks, and ends inside one
	if err := WriteSample(p, n); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := WholeFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.F32) != n || len(ref) != n {
		t.Fatalf("%d and %d values, expected %d", len(a.F32), len(ref), n)
	}
	for i := range ref {
		if a.F32[i] != ref[i] || ref[i] != float32(i)*0.5 {
			t.Fatalf("value %d: bounded %v, reference %v, expected %v", i, a.F32[i], ref[i], float32(i)*0.5)
		}
	}
}

// BenchmarkReadNPY reads a 64 MiB float32 NPY file with the bounded reader and with the whole-file
// reference; compare the two ns/op of one run.
func BenchmarkReadNPY(b *testing.B) {
	p := filepath.Join(b.TempDir(), "s.npy")
	const n = 16 << 20
	if err := WriteSample(p, n); err != nil {
		b.Fatal(err)
	}
	b.Run("bounded", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			if _, err := data.ReadNPY(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole-file", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			if _, err := WholeFile(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
