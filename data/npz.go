package data

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
)

// ReadNPZ reads every array of an NPZ archive within the memory the machine has available (see Reader).
func ReadNPZ(path string) (map[string]*Array, error) { return Reader{}.ReadNPZ(path) }

// ReadNPZ reads every array of an NPZ archive (as written by numpy.savez or numpy.savez_compressed),
// keyed by name without the ".npy" suffix.
func (r Reader) ReadNPZ(path string) (map[string]*Array, error) {
	f, size, err := openRegular(path, "an NPZ (zip) archive")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return r.DecodeNPZ(f, size, path)
}

// openNPZ opens the NPZ archive at path as a zip archive; the caller closes the file.
func openNPZ(path string) (*os.File, *zip.Reader, error) {
	f, size, err := openRegular(path, "an NPZ (zip) archive")
	if err != nil {
		return nil, nil, err
	}
	zr, err := zipOf(f, size, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, zr, nil
}

// zipOf reads the zip directory of an NPZ archive of size bytes from ra; name is used in errors.
func zipOf(ra io.ReaderAt, size int64, name string) (*zip.Reader, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable NPZ (zip) archive: %w", name, err)
	}
	return zr, nil
}

// DecodeNPZ reads an NPZ archive of size bytes from ra; name is used in error messages. No size in the
// zip headers is trusted: the sum of the members' claimed sizes must fit the budget, each member's
// decompressed stream is cut at its claimed size (and the zip reader checks it against the CRC), the NPY
// header inside must agree with that claim, and values are read in chunks, so a member that claims
// more than it holds fails at the short read.
func (r Reader) DecodeNPZ(ra io.ReaderAt, size int64, name string) (map[string]*Array, error) {
	zr, err := zipOf(ra, size, name)
	if err != nil {
		return nil, err
	}
	var claimed uint64
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".npy") {
			return nil, fmt.Errorf("%s: member %q is not an .npy array", name, zf.Name)
		}
		claimed += zf.UncompressedSize64
		if claimed > 1<<62 {
			return nil, fmt.Errorf("%s: members claim more than 4 EiB uncompressed", name)
		}
	}
	if err := r.checkBudget(name, fmt.Sprintf("%d members claiming %d bytes uncompressed", len(zr.File), claimed), int64(claimed)); err != nil {
		return nil, err
	}
	out := map[string]*Array{}
	for _, zf := range zr.File {
		key := strings.TrimSuffix(zf.Name, ".npy")
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%s: member %q appears twice", name, zf.Name)
		}
		a, err := r.decodeMember(zf, name+":"+zf.Name)
		if err != nil {
			return nil, err
		}
		out[key] = a
	}
	return out, nil
}

// decodeMember reads one NPY member, its stream cut at the size the zip header claims.
func (r Reader) decodeMember(zf *zip.File, name string) (*Array, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	a, err := r.DecodeNPY(io.LimitReader(rc, int64(zf.UncompressedSize64)), int64(zf.UncompressedSize64), name)
	if err != nil {
		return nil, err
	}
	// Reading to the end lets the zip reader compare the size and CRC it saw with the header's.
	if _, err := io.Copy(io.Discard, io.LimitReader(rc, 1)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
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
