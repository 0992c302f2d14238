package data

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// FuzzDecodeNC feeds arbitrary bytes to the NetCDF reader: no panic, and every variable it accepts reads
// whole within the budget, or is refused with an error naming the stream.
func FuzzDecodeNC(f *testing.F) {
	for _, v := range []int{1, 2, 5} {
		spec, vals := ncSample(v, 2)
		var b bytes.Buffer
		if err := EncodeNC(&b, spec, vals); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add(cdf5Golden())
	f.Fuzz(func(t *testing.T, in []byte) {
		nf, err := DecodeNC(bytes.NewReader(in), int64(len(in)), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error does not name the stream: %v", err)
			}
			return
		}
		for _, v := range nf.Vars {
			a, err := fuzzBudget.ReadNCVar(nf, v.Name)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz") {
					t.Fatalf("error does not name the stream: %v", err)
				}
				continue
			}
			if a.Len() != len(a.F32)+len(a.F64) || int64(a.Len())*int64(v.Type.Size()) > int64(len(in)) {
				t.Fatalf("variable %s: shape %v, %d values, from %d bytes", v.Name, a.Shape, len(a.F32)+len(a.F64), len(in))
			}
		}
	})
}

// FuzzDecodeNCLyingSize takes a valid file and overwrites its record count, one dimension's length and
// one variable's begin at will, and cuts or extends the file: whatever the reader accepts must lie within
// the bytes present.
func FuzzDecodeNCLyingSize(f *testing.F) {
	f.Add(uint8(1), uint64(3), uint64(5), int64(700), 0)
	f.Add(uint8(2), uint64(1<<31), uint64(1<<40), int64(-1), -9)
	f.Add(uint8(5), uint64(0xFFFFFFFFFFFFFFFF), uint64(2), int64(1<<62), 100)
	f.Fuzz(func(t *testing.T, version uint8, numrecs, dimLen uint64, begin int64, cut int) {
		v := []int{1, 2, 5}[int(version)%3]
		spec, vals := ncSample(v, 3)
		var b bytes.Buffer
		if err := EncodeNC(&b, spec, vals); err != nil {
			t.Fatal(err)
		}
		in := b.Bytes()
		h, _ := DecodeNCHeader(bytes.NewReader(in), int64(len(in)), "good")
		at := bytes.Index(in, []byte("y\x00\x00\x00")) + 4 // y's length follows its name
		if v == 5 {
			binary.BigEndian.PutUint64(in[4:], numrecs)
			binary.BigEndian.PutUint64(in[at:], dimLen)
		} else {
			binary.BigEndian.PutUint32(in[4:], uint32(numrecs))
			binary.BigEndian.PutUint32(in[at:], uint32(dimLen))
		}
		if v == 1 {
			binary.BigEndian.PutUint32(in[h.HeaderBytes-4:], uint32(begin))
		} else {
			binary.BigEndian.PutUint64(in[h.HeaderBytes-8:], uint64(begin))
		}
		cut = max(min(cut, 1<<12), -len(in))
		if cut < 0 {
			in = in[:len(in)+cut]
		} else {
			in = append(in, make([]byte, cut)...)
		}
		nf, err := DecodeNC(bytes.NewReader(in), int64(len(in)), "lie")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "lie") {
				t.Fatalf("error does not name the stream: %v", err)
			}
			return
		}
		for _, w := range nf.Vars {
			a, err := fuzzBudget.ReadNCVar(nf, w.Name)
			if err != nil {
				continue
			}
			if int64(a.Len())*int64(w.Type.Size()) > int64(len(in)) {
				t.Fatalf("variable %s: %d values of %v accepted from %d bytes", w.Name, a.Len(), w.Type, len(in))
			}
		}
	})
}
