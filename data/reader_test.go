package data

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hugeHeader is an NPY header claiming 1.7e10 float64 values (136 GB).
const hugeHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (17000000000,), }\n"

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestSparseHugeNPYIsRefusedBeforeAllocating(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.npy")
	head := npy(hugeHeader, nil)
	f, _ := os.Create(p)
	f.Write(head)
	if err := f.Truncate(int64(len(head)) + 8*17000000000); err != nil { // sparse: no disk used
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	var err error
	n := allocated(func() { _, err = Reader{MaxBytes: 1 << 30}.ReadNPY(p) })
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "126.7 GiB") {
		t.Fatalf("137 GB claim: %v, expected a refusal naming the file and the size", err)
	}
	if n > 1<<20 {
		t.Errorf("refusing allocated %d bytes", n)
	}
	shape, dt, err := StatNPY(p)
	if err != nil || len(shape) != 1 || shape[0] != 17000000000 || dt != Float64 {
		t.Errorf("StatNPY = %v %v %v", shape, dt, err)
	}
}

// rawNPZ builds a zip with one stored member whose header claims `claim` uncompressed bytes.
func rawNPZ(t *testing.T, name string, body []byte, claim uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(len(body)), UncompressedSize64: claim})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	zw.Close()
	return b.Bytes()
}

func TestNPZThatLiesAboutSizes(t *testing.T) {
	r := Reader{MaxBytes: 1 << 30}
	// A member claiming 1 TiB, with an NPY header to match: refused by the budget.
	body := npy(hugeHeader, make([]byte, 64))
	z := rawNPZ(t, "x.npy", body, 1<<40)
	if _, err := r.DecodeNPZ(bytes.NewReader(z), int64(len(z)), "lie.npz"); err == nil || !strings.Contains(err.Error(), "lie.npz") {
		t.Errorf("1 TiB claim: %v", err)
	}
	// A member claiming 512 MiB (within the budget), header to match, holding 64 bytes: fails at the short
	// read after allocating about what is there, not what is claimed.
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (134217728,), }\n"
	body = npy(dict, make([]byte, 64))
	z = rawNPZ(t, "x.npy", body, uint64(len(npy(dict, nil)))+512<<20)
	var err error
	n := allocated(func() { _, err = r.DecodeNPZ(bytes.NewReader(z), int64(len(z)), "short.npz") })
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("512 MiB claim over 64 bytes: %v", err)
	}
	if n > 16<<20 {
		t.Errorf("a 64-byte member cost %d bytes of allocation", n)
	}
	// The zip header and the NPY header disagree.
	body = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", make([]byte, 16))
	z = rawNPZ(t, "x.npy", body, uint64(len(body))+4)
	if _, err := r.DecodeNPZ(bytes.NewReader(z), int64(len(z)), "mismatch.npz"); err == nil || !strings.Contains(err.Error(), "mismatch.npz:x.npy") {
		t.Errorf("zip claim ≠ NPY header: %v", err)
	}
	// An honest archive still reads.
	z = rawNPZ(t, "x.npy", body, uint64(len(body)))
	m, err := r.DecodeNPZ(bytes.NewReader(z), int64(len(z)), "ok.npz")
	if err != nil || len(m["x"].F32) != 4 {
		t.Errorf("honest archive: %v %v", m, err)
	}
}

func TestFoldersAndBudgetsAreReportedAsSuch(t *testing.T) {
	dir := t.TempDir()
	for name, read := range map[string]func() error{
		"NPY": func() error { _, err := ReadNPY(dir); return err },
		"NPZ": func() error { _, err := ReadNPZ(dir); return err },
		"CSV": func() error { _, err := ReadCSV(dir, CSVOptions{}); return err },
	} {
		if err := read(); err == nil || !strings.Contains(err.Error(), dir+" is a folder, expected a") {
			t.Errorf("%s reader on a folder: %v", name, err)
		}
	}
	p := filepath.Join(dir, "s.csv")
	os.WriteFile(p, []byte(strings.Repeat("1,2,3\n", 100)), 0o644)
	if _, err := (Reader{MaxBytes: 1000}).ReadCSV(p, CSVOptions{}); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("CSV beyond the budget: %v", err)
	}
	if _, err := (Reader{MaxBytes: 1000}).DecodeCSV(strings.NewReader(strings.Repeat("1,2,3\n", 100)), "stream", CSVOptions{}); err == nil ||
		!strings.Contains(err.Error(), "beyond the reader's budget") {
		t.Errorf("CSV stream beyond the budget: %v", err)
	}
	q := filepath.Join(dir, "a.npy")
	WriteNPY(q, FromFloat32(make([]float32, 300), 300))
	if _, err := (Reader{MaxBytes: 1000}).ReadNPY(q); err == nil || !strings.Contains(err.Error(), "more than the reader's budget") {
		t.Errorf("NPY beyond the budget: %v", err)
	}
	if a, err := (Reader{MaxBytes: 1200}).ReadNPY(q); err != nil || len(a.F32) != 300 {
		t.Errorf("NPY within the budget: %v", err)
	}
}
