package data

import (
	"io"
)

// NPYInfo describes an NPY file from its header alone: the element type, the shape, and the offset at
// which the data begin.
type NPYInfo struct {
	DType       DType
	Shape       []int
	HeaderBytes int
}

// DataBytes is the size in bytes of the data the header promises.
func (h NPYInfo) DataBytes() int64 { return int64(NumElements(h.Shape)) * int64(h.DType.Size()) }

// NPYHeader returns the complete NPY preamble (magic string, version, header length and the dict
// padded to 64 bytes) that precedes data of the given dtype and shape, as NumPy writes it. Writers
// that append the data themselves, such as a resumable rollout, start their file with it.
func NPYHeader(dtype DType, shape []int) []byte { return headerBytes(dtype, shape) }

// ReadNPYHeader reads the header at the start of the NPY file at path, without the data, and does
// not check that the file holds them all: a file still being written is read as well as a finished
// one.
func ReadNPYHeader(path string) (NPYInfo, error) {
	f, _, err := openRegular(path, "an NPY file")
	if err != nil {
		return NPYInfo{}, err
	}
	defer f.Close()
	return DecodeNPYHeader(f, path)
}

// DecodeNPYHeader reads an NPY header from r; name is used in error messages.
func DecodeNPYHeader(r io.Reader, name string) (NPYInfo, error) {
	h, err := readHeader(r, name)
	if err != nil {
		return NPYInfo{}, err
	}
	return NPYInfo{DType: h.dtype, Shape: h.shape, HeaderBytes: h.headerBytes}, nil
}
