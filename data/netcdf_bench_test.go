package data

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkReadNetCDF reads the same float32 array [512, 2, 64, 64] (16 MiB) from NPY and from NetCDF
// in each iteration and reports the ratio of their times (nc/npy): with the time axis as a fixed
// dimension, as the record dimension of the only record variable (contiguous records), and as the record
// dimension shared with a second record variable (records interleaved, read frame by frame).
func BenchmarkReadNetCDF(b *testing.B) {
	const T, C, H, W = 512, 2, 64, 64
	vals := make([]float32, T*C*H*W)
	for i := range vals {
		vals[i] = float32(i%1000) * 0.001
	}
	a := FromFloat32(vals, T, C, H, W)
	dir := b.TempDir()
	npy := filepath.Join(dir, "a.npy")
	if err := WriteNPY(npy, a); err != nil {
		b.Fatal(err)
	}
	layouts := map[string]bool{"fixed": false, "record": true, "interleaved": true}
	for _, name := range []string{"fixed", "record", "interleaved"} {
		b.Run(name, func(b *testing.B) {
			time0 := NCDim{Name: "time", Len: T, Unlimited: layouts[name]}
			spec := &NCSpec{Version: 2, Dims: []NCDim{time0, {Name: "channel", Len: C}, {Name: "y", Len: H}, {Name: "x", Len: W}},
				Vars: []NCVar{{Name: "f", Dims: []string{"time", "channel", "y", "x"}, Type: NCFloat}}}
			data := map[string]*Array{"f": a}
			if name == "interleaved" {
				spec.Vars = append(spec.Vars, NCVar{Name: "time", Dims: []string{"time"}, Type: NCDouble})
				data["time"] = FromFloat64(make([]float64, T), T)
			}
			nc := filepath.Join(dir, name+".nc")
			if err := WriteNC(nc, spec, data); err != nil {
				b.Fatal(err)
			}
			var tNPY, tNC time.Duration
			b.SetBytes(int64(4 * len(vals)))
			for b.Loop() {
				t0 := time.Now()
				x, err := ReadNPY(npy)
				t1 := time.Now()
				y, err2 := ReadNC(nc, "f")
				t2 := time.Now()
				if err != nil || err2 != nil || x.F32[len(vals)-1] != y.F32[len(vals)-1] {
					b.Fatal(err, err2)
				}
				tNPY, tNC = tNPY+t1.Sub(t0), tNC+t2.Sub(t1)
			}
			b.ReportMetric(float64(tNC)/float64(tNPY), "nc/npy")
			b.ReportMetric(float64(tNPY.Nanoseconds())/float64(b.N)/1e6, "npy-ms")
			b.ReportMetric(float64(tNC.Nanoseconds())/float64(b.N)/1e6, "nc-ms")
		})
	}
}
