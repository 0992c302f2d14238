package seriesbench

import (
	"bytes"
	"strings"
	"testing"
)

// A tiny run: every format's reader and the bare reference agree with the written values (Run fails
// otherwise), and the report names every format with a ratio.
func TestRunAgrees(t *testing.T) {
	var out bytes.Buffer
	rows, err := Run(Options{T: 30, N: 7, Repeats: 2, Seed: 3}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Bytes <= 0 || r.Read <= 0 || r.Reference <= 0 || !strings.Contains(out.String(), r.Name+" ") {
			t.Errorf("row %+v missing from the report or empty:\n%s", r, out.String())
		}
	}
	if !strings.Contains(out.String(), "ratio") || !strings.Contains(out.String(), "load average") {
		t.Errorf("report:\n%s", out.String())
	}
	if _, err := Run(Options{T: 0, N: 1, Repeats: 1}, &out); err == nil {
		t.Error("0 rows accepted")
	}
}

// The reference parser reads what the writers write: headers skipped, brackets and keys ignored.
func TestBareParse(t *testing.T) {
	v, err := bareParse([]byte("a,b\n1.5,2\n3,4\n"), true)
	if err != nil || len(v) != 4 || v[0] != 1.5 || v[3] != 4 {
		t.Errorf("csv: %v %v", v, err)
	}
	v, err = bareParse([]byte(`{"target":[1,2.5]}`+"\n"+`{"target":[3,4]}`+"\n"), false)
	if err != nil || len(v) != 4 || v[1] != 2.5 {
		t.Errorf("gluonts: %v %v", v, err)
	}
	if got := transpose([]float64{1, 2, 3, 4, 5, 6}, 2, 3); got[1] != 4 || got[2] != 2 || got[5] != 6 {
		t.Errorf("transpose: %v", got)
	}
}
