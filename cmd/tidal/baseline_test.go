package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestBaselineWritesForecastAndTruth(t *testing.T) {
	dir := t.TempDir()
	series := make([]float32, 30*2*4)
	for i := range series {
		series[i] = float32(i / 8)
	}
	in := filepath.Join(dir, "s.npy")
	data.WriteNPY(in, data.FromFloat32(series, 30, 2, 4))
	f, o := filepath.Join(dir, "f.npy"), filepath.Join(dir, "o.npy")
	if _, err := runTidal(t, "baseline", "--data", in, "--out", f, "--truth-out", o, "--cases", "3", "--lead", "4", "--members", "2"); err != nil {
		t.Fatal(err)
	}
	fa, err := data.ReadNPY(f)
	if err != nil {
		t.Fatal(err)
	}
	oa, err := data.ReadNPY(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.Shape) != 5 || fa.Shape[0] != 3 || fa.Shape[1] != 2 || fa.Shape[2] != 4 || len(oa.Shape) != 4 || oa.Shape[1] != 4 {
		t.Fatalf("shapes %v %v", fa.Shape, oa.Shape)
	}
	// the first case starts at frame 4 (the default context, a default model's, is 4 frames):
	// persistence repeats frame 3, the truth is frames 4..7
	if fa.F32[0] != 3 || oa.F32[0] != 4 || oa.F32[3*8] != 7 {
		t.Fatalf("values: forecast %v truth %v", fa.F32[0], oa.F32[:25])
	}

	bad := filepath.Join(dir, "bad.npy")
	_, err = runTidal(t, "baseline", "--data", in, "--out", bad, "--method", "climatology", "--lead", "4")
	if err == nil || !strings.Contains(err.Error(), "--pool") {
		t.Fatalf("climatology without a pool: %v", err)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Fatal("a failed run left an output file")
	}
}
