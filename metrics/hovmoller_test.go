package metrics

import "testing"

// TestHovmollerW1 checks the diagram on a hand-made rollout and W1 against its closed form: a unit mass
// moving by s cells along a row of K cells has W1 = s/K.
func TestHovmollerW1(t *testing.T) {
	const h, w = 4, 6
	frames := make([]float64, 3*h*w)
	// frame n has value 1 in column n+1 of every row: the row-band (axis 0) mean is a spike at column n+1.
	for n := 0; n < 3; n++ {
		for i := 0; i < h; i++ {
			frames[n*h*w+i*w+n+1] = -2 // sign is dropped by |row|
		}
	}
	rows, err := Hovmoller(frames, 3, h, w, HovmollerBand{Axis: 0, From: 1, To: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != w || rows[1][2] != -2 || rows[1][1] != 0 {
		t.Fatalf("rows %v", rows)
	}
	w1, err := HovmollerW1(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range w1 {
		if !near(v, 1.0/w, 1e-15) {
			t.Fatalf("W1 %v, want %v", w1, 1.0/w)
		}
	}
	cols, _ := Hovmoller(frames, 3, h, w, CentreColumns(w))
	if len(cols[0]) != h || !near(cols[2][0], -2.0/6, 1e-15) { // columns 0..5 averaged; one of them is −2
		t.Fatalf("centre band %v", cols)
	}
	d, err := Histogram([]float64{0.1, 0.2, 0.25, 0.9, 1.5}, 4, 0, 1)
	// counts 2, 1, 0, 1 (1.5 is outside), density = count / (5 values · 0.25 width)
	if err != nil || !near(d[0], 1.6, 1e-12) || !near(d[1], 0.8, 1e-12) || d[2] != 0 || !near(d[3], 0.8, 1e-12) {
		t.Fatalf("histogram %v %v", d, err)
	}
}
