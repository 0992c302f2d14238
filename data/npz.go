package data

import (
	"archive/zip"
	"fmt"
	"sort"
	"strings"

	"github.com/tidal-forecast/tidal/internal/atomicfile"
)

// ReadNPZ reads every array of an NPZ archive (as written by numpy.savez or numpy.savez_compressed),
// keyed by name without the ".npy" suffix.
func ReadNPZ(path string) (map[string]*Array, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable NPZ (zip) archive: %w", path, err)
	}
	defer zr.Close()
	out := map[string]*Array{}
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".npy") {
			return nil, fmt.Errorf("%s: member %q is not an .npy array", path, zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: member %q: %w", path, zf.Name, err)
		}
		a, err := DecodeNPY(rc, int64(zf.UncompressedSize64), path+":"+zf.Name)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(zf.Name, ".npy")] = a
	}
	return out, nil
}

// WriteNPZ writes arrays to an NPZ archive at path atomically, members sorted by name. With compress,
// members are deflated (numpy.savez_compressed); otherwise stored (numpy.savez).
func WriteNPZ(path string, arrays map[string]*Array, compress bool) error {
	names := make([]string, 0, len(arrays))
	for n := range arrays {
		if n == "" || strings.ContainsAny(n, "/\\") {
			return fmt.Errorf("%s: invalid array name %q", path, n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	zw := zip.NewWriter(f)
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n + ".npy", Method: method})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := EncodeNPY(w, arrays[n]); err != nil {
			return fmt.Errorf("%s: array %q: %w", path, n, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}
