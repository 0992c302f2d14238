package data

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// NPZMember is one array of an NPZ archive as its header describes it.
type NPZMember struct {
	Name  string // without ".npy"
	Shape []int
	DType DType
}

// StatNPZ reads only the NPY headers of an NPZ archive's members (sorted by name), each checked against
// the member's claimed size, so that a command can choose one and estimate its memory before reading it.
func StatNPZ(path string) ([]NPZMember, error) {
	f, zr, err := openNPZ(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []NPZMember
	for _, zf := range zr.File {
		name := path + ":" + zf.Name
		if !strings.HasSuffix(zf.Name, ".npy") {
			return nil, fmt.Errorf("%s: member %q is not an .npy array", path, zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		h, err := readHeader(io.LimitReader(rc, int64(zf.UncompressedSize64)), name)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if err := h.checkSize(int64(zf.UncompressedSize64), name); err != nil {
			return nil, err
		}
		out = append(out, NPZMember{Name: strings.TrimSuffix(zf.Name, ".npy"), Shape: h.shape, DType: h.dtype})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ReadNPZMember reads one array of an NPZ archive, by name without ".npy", within the budget (the
// other members are not decompressed).
func (r Reader) ReadNPZMember(path, member string) (*Array, error) {
	f, zr, err := openNPZ(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for _, zf := range zr.File {
		if zf.Name == member+".npy" {
			if err := r.checkBudget(path, fmt.Sprintf("member %s claiming %d bytes", zf.Name, zf.UncompressedSize64), int64(min(zf.UncompressedSize64, 1<<62))); err != nil {
				return nil, err
			}
			return r.decodeMember(zf, path+":"+zf.Name)
		}
		names = append(names, strings.TrimSuffix(zf.Name, ".npy"))
	}
	return nil, fmt.Errorf("%s: no array %q; the archive holds %s", path, member, strings.Join(names, ", "))
}
