package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestNPYHeaderMatchesWriter checks that NPYHeader is the preamble EncodeNPY writes, that it pads the
// data to 64 bytes, and that ReadNPYHeader reads the shape back from a file cut short inside its data.
func TestNPYHeaderMatchesWriter(t *testing.T) {
	for _, shape := range [][]int{{7}, {3, 2, 5}, {1000, 4, 1, 64, 64}} {
		a := FromFloat32(make([]float32, NumElements(shape)), shape...)
		var buf bytes.Buffer
		if err := EncodeNPY(&buf, a); err != nil {
			t.Fatal(err)
		}
		h := NPYHeader(Float32, shape)
		if !bytes.HasPrefix(buf.Bytes(), h) || len(h)%64 != 0 {
			t.Fatalf("shape %v: NPYHeader (%d bytes) is not the %d-byte-aligned prefix EncodeNPY writes", shape, len(h), 64)
		}
		p := filepath.Join(t.TempDir(), "cut.npy")
		if err := os.WriteFile(p, buf.Bytes()[:len(h)+12], 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := ReadNPYHeader(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.DType != Float32 || !slices.Equal(info.Shape, shape) || info.HeaderBytes != len(h) {
			t.Fatalf("shape %v: read back %+v", shape, info)
		}
		if want := int64(4 * NumElements(shape)); info.DataBytes() != want {
			t.Fatalf("DataBytes = %d, want %d", info.DataBytes(), want)
		}
	}
	p := filepath.Join(t.TempDir(), "bad.npy")
	if err := os.WriteFile(p, []byte("not an npy file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNPYHeader(p); err == nil {
		t.Fatal("a file without the NPY magic string was accepted")
	}
}
