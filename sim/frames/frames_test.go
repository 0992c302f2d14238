package frames

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestParseSplit(t *testing.T) {
	f, err := ParseSplit("0.8, 0.1,0.1")
	if err != nil || !reflect.DeepEqual(f, []float64{0.8, 0.1, 0.1}) {
		t.Fatalf("got %v, %v", f, err)
	}
	if f, err := ParseSplit(""); f != nil || err != nil {
		t.Fatalf("empty split: got %v, %v", f, err)
	}
	for _, bad := range []string{"0.8,0.2", "0.5,0.5,0.5", "a,b,c", "0.9,0.1,0", "1,0,0", "-0.1,0.6,0.5", "NaN,0.5,0.5"} {
		if _, err := ParseSplit(bad); err == nil {
			t.Errorf("ParseSplit(%q) accepted", bad)
		}
	}
}

func TestPlanParts(t *testing.T) {
	parts, err := PlanParts("out/ns.npy", 200, []float64{0.8, 0.1, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Part{
		{"train", 0, 160, "out/ns_train.npy", "out/ns_train.json"},
		{"val", 160, 20, "out/ns_val.npy", "out/ns_val.json"},
		{"test", 180, 20, "out/ns_test.npy", "out/ns_test.json"},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Fatalf("got %+v", parts)
	}
	// Rounding never loses or duplicates frames.
	for frames := 3; frames < 50; frames++ {
		parts, err := PlanParts("a.npy", frames, []float64{0.34, 0.33, 0.33})
		if err != nil {
			t.Fatal(err)
		}
		next := 0
		for _, p := range parts {
			if p.First != next || p.Count < 1 {
				t.Fatalf("%d frames: parts %+v", frames, parts)
			}
			next += p.Count
		}
		if next != frames {
			t.Fatalf("%d frames: parts cover %d", frames, next)
		}
	}
	if _, err := PlanParts("a.npy", 5, []float64{0.98, 0.01, 0.01}); err == nil {
		t.Error("an empty part was accepted")
	}
	if _, err := PlanParts("a.dat", 5, nil); err == nil || !strings.Contains(err.Error(), ".npy") {
		t.Errorf("a non-.npy output: %v", err)
	}
	if _, err := PlanParts("a.npy", 0, nil); err == nil {
		t.Error("zero frames accepted")
	}
}

func frame(i, size int) []float64 {
	f := make([]float64, size)
	for j := range f {
		f[j] = float64(i*1000 + j)
	}
	return f
}

func TestWriteSplitRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "w.npy")
	const frames, c, h, w = 10, 2, 3, 4
	fw, err := Create(out, frames, []float64{0.6, 0.2, 0.2}, c, h, w)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < frames; i++ {
		if err := fw.WriteFrame(frame(i, c*h*w)); err != nil {
			t.Fatal(err)
		}
		if entries, _ := filepath.Glob(filepath.Join(dir, "w_*")); len(entries) != 0 {
			t.Fatalf("files visible before Commit: %v", entries)
		}
	}
	if err := fw.WriteFrame(frame(0, c*h*w)); err == nil {
		t.Fatal("a frame past the planned count was accepted")
	}
	if err := fw.Commit(func(p Part) any { return p }); err != nil {
		t.Fatal(err)
	}
	for _, p := range fw.Parts() {
		a, err := data.ReadNPY(p.NPY)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Shape, []int{p.Count, c, h, w}) {
			t.Fatalf("%s: shape %v", p.NPY, a.Shape)
		}
		if got, want := a.F32[0], float32(p.First*1000); got != want {
			t.Fatalf("%s starts with %v, want frame %d (%v)", p.NPY, got, p.First, want)
		}
		var meta Part
		b, err := os.ReadFile(p.JSON)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &meta); err != nil || meta.Name != p.Name || meta.First != p.First || meta.Count != p.Count {
			t.Fatalf("%s: sidecar %s (%v)", p.JSON, b, err)
		}
	}
}

func TestNothingLeftOnFailure(t *testing.T) {
	dir := t.TempDir()
	fw, err := Create(filepath.Join(dir, "x.npy"), 3, nil, 1, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.WriteFrame(frame(0, 4)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Commit(func(Part) any { return nil }); err == nil {
		t.Fatal("Commit of a short run succeeded")
	}
	fw, _ = Create(filepath.Join(dir, "y.npy"), 1, nil, 1, 2, 2)
	fw.WriteFrame(frame(0, 4))
	fw.Abort()
	if err := fw.Commit(func(Part) any { return nil }); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	fw, _ = Create(filepath.Join(dir, "z.npy"), 1, nil, 1, 2, 2)
	fw.WriteFrame(frame(0, 4))
	if err := fw.Commit(func(Part) any { return make(chan int) }); err == nil {
		t.Fatal("an unencodable sidecar was accepted")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files left behind: %v", entries)
	}
	if _, err := Create(filepath.Join(dir, "missing", "a.npy"), 1, nil, 1, 1, 1); err == nil {
		t.Fatal("an output in a missing folder was accepted")
	}
}

// TestNetCDFParts writes a split run as NetCDF: each part holds its frames as fields(time, channel, y, x)
// with the run's frame index as time, and nothing is left on Abort.
func TestNetCDFParts(t *testing.T) {
	dir := t.TempDir()
	fw, err := CreateWith(filepath.Join(dir, "r.nc"), 4, []float64{0.5, 0.25, 0.25}, 2, 3, 2, NetCDF{Channels: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]float64, fw.FrameSize())
	for f := range 4 {
		for i := range frame {
			frame[i] = float64(100*f + i)
		}
		if err := fw.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Commit(func(p Part) any { return p }); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNC(filepath.Join(dir, "r_val.nc"), "fields")
	if err != nil || fmt.Sprint(a.Shape) != "[1 2 3 2]" || a.F32[0] != 200 || a.F32[11] != 211 {
		t.Fatalf("val part: %v %v", a, err)
	}
	tm, _ := data.ReadNC(filepath.Join(dir, "r_test.nc"), "time")
	if tm == nil || tm.Float64()[0] != 3 {
		t.Errorf("time of the test part: %v", tm)
	}
	fw2, err := CreateWith(filepath.Join(dir, "s.nc"), 2, nil, 1, 2, 2, NetCDF{})
	if err != nil {
		t.Fatal(err)
	}
	fw2.Abort()
	if _, err := os.Stat(filepath.Join(dir, "s.nc")); !os.IsNotExist(err) {
		t.Errorf("aborted NetCDF part left on disk")
	}
}
