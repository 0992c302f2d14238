package forecast

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestFrequencyAdd checks the time steps against dates worked by hand: business days skip weekends
// (and a start on a weekend rolls to Monday, as pandas' date_range does), the others are fixed lengths.
func TestFrequencyAdd(t *testing.T) {
	fri := time.Date(1990, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		freq  string
		from  time.Time
		steps int
		want  string
	}{
		{"B", fri, 0, "1990-01-05 00:00:00"}, {"B", fri, 1, "1990-01-08 00:00:00"}, {"B", fri, 5, "1990-01-12 00:00:00"},
		{"B", fri, 6, "1990-01-15 00:00:00"}, {"B", fri.AddDate(0, 0, 1), 0, "1990-01-08 00:00:00"},
		{"2B", fri, 3, "1990-01-15 00:00:00"}, {"D", fri, 30, "1990-02-04 00:00:00"}, {"W", fri, 2, "1990-01-19 00:00:00"},
		{"h", fri, 25, "1990-01-06 01:00:00"}, {"30min", fri, 3, "1990-01-05 01:30:00"}, {"T", fri, 90, "1990-01-05 01:30:00"},
	} {
		f, err := ParseFrequency(c.freq)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTime(f.Add(c.from, c.steps)); got != c.want {
			t.Errorf("%s + %d × %s = %s, want %s", FormatTime(c.from), c.steps, c.freq, got, c.want)
		}
	}
	for _, bad := range []string{"", "M", "0D", "1.5h", "Bx", "99999999D"} {
		if _, err := ParseFrequency(bad); err == nil {
			t.Errorf("frequency %q accepted", bad)
		}
	}
	if _, err := ParseTime("05/01/1990"); err == nil {
		t.Errorf("a day-first date accepted")
	}
}

// exportFixture is a forecast [2 windows, 4 members, 3 lead, 2 series] whose values encode their
// indices, starting at rows 3 and 5 of a business-day series from Friday 1990-01-05.
func exportFixture(t *testing.T) (*data.Array, Export) {
	v := make([]float32, 2*4*3*2)
	for i := range v {
		v[i] = float32(i%7) + 0.25*float32(i/7)
	}
	f, err := ParseFrequency("B")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(1990, 1, 5, 0, 0, 0, 0, time.UTC)
	return data.FromFloat32(v, 2, 4, 3, 2), Export{Starts: []int{3, 5}, Names: []string{"usd", "a,b"}, Freq: "B",
		Stamp: func(row int) string { return FormatTime(f.Add(t0, row)) }}
}

// TestWriteQuantileCSVGolden checks the CSV's first lines against values worked by hand: window 0,
// series "usd", lead 0 holds members 0, 6, 1.25·… (indices 0, 6, 12, 18 → 0, 6, 5.25, 4.5).
func TestWriteQuantileCSVGolden(t *testing.T) {
	f, e := exportFixture(t)
	var b bytes.Buffer
	if err := WriteQuantileCSV(&b, f, e, []float64{0.5, 0.25}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	// sorted 0, 4.5, 5.25, 6: mean 3.9375, median 4.875, 0.25-quantile at position 0.75: 3.375.
	want := []string{"window,item_id,row,timestamp,mean,0.5,0.25", "0,usd,3,1990-01-10 00:00:00,3.9375,4.875,3.375"}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	if len(lines) != 1+2*2*3+1 || !strings.HasPrefix(lines[4], `0,"a,b",3,`) {
		t.Errorf("%d lines, line 4 %q", len(lines), lines[4])
	}
	if err := WriteQuantileCSV(&b, f, e, []float64{1}); err == nil {
		t.Errorf("quantile level 1 accepted")
	}
	e.Starts = e.Starts[:1]
	if err := WriteQuantileCSV(&b, f, e, nil); err == nil {
		t.Errorf("one start for two windows accepted")
	}
}

// TestWriteSamplesJSONL checks that every line decodes to its window's and series' sample paths.
func TestWriteSamplesJSONL(t *testing.T) {
	f, e := exportFixture(t)
	var b bytes.Buffer
	if err := WriteSamplesJSONL(&b, f, e); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4", len(lines))
	}
	v := f.Float32()
	for i, l := range lines {
		var s sampleLine
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		w, n := i/2, i%2
		if s.Window != w || s.ItemID != e.Names[n] || s.Row != e.Starts[w] || s.Freq != "B" || s.Start != e.Stamp(e.Starts[w]) || len(s.Samples) != 4 {
			t.Fatalf("line %d: %+v", i, s)
		}
		for m, p := range s.Samples {
			for h, x := range p {
				if want := v[((w*4+m)*3+h)*2+n]; x != want {
					t.Errorf("line %d member %d lead %d: %v, want %v", i, m, h, x, want)
				}
			}
		}
	}
}

// TestSeriesFormatsPandas reads the quantile CSV and the JSON lines back with pandas (Debian's
// python3-pandas, an independent reader): the time stamps must be pandas' own business-day range from
// the start, the JSON lines' start and freq must parse as a pandas Period, and the CSV's quantiles
// must be NumPy's np.quantile (linear) of the JSON lines' samples.
func TestSeriesFormatsPandas(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "pandas")
	f, e := exportFixture(t)
	dir := t.TempDir()
	csv, jl := filepath.Join(dir, "q.csv"), filepath.Join(dir, "s.jsonl")
	var b, c bytes.Buffer
	if err := WriteQuantileCSV(&b, f, e, []float64{0.05, 0.5, 0.95}); err != nil {
		t.Fatal(err)
	}
	if err := WriteSamplesJSONL(&c, f, e); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jl, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, numpy as np, pandas as pd
q = pd.read_csv(sys.argv[1], parse_dates=["timestamp"])
s = pd.read_json(sys.argv[2], lines=True, dtype={"item_id": str})
rng = pd.date_range("1990-01-05", periods=20, freq="B")
assert list(q.columns) == ["window", "item_id", "row", "timestamp", "mean", "0.05", "0.5", "0.95"], list(q.columns)
assert len(q) == 12 and q["item_id"].tolist()[:6] == ["usd"] * 3 + ["a,b"] * 3, q["item_id"].tolist()
for _, r in q.iterrows():
    assert r["timestamp"] == rng[r["row"]], (r["timestamp"], rng[r["row"]])
for _, r in s.iterrows():
    start = pd.Period(r["start"], freq=r["freq"])
    assert start.to_timestamp() == rng[r["row"]], (start, r["row"])
    x = np.array(r["samples"], dtype=np.float64)
    assert x.shape == (4, 3), x.shape
    sub = q[(q["window"] == r["window"]) & (q["item_id"] == r["item_id"])].sort_values("row")
    assert (sub["row"].values == r["row"] + np.arange(3)).all()
    for lv in ["0.05", "0.5", "0.95"]:
        np.testing.assert_allclose(sub[lv].values, np.quantile(x, float(lv), axis=0), rtol=1e-6)
    np.testing.assert_allclose(sub["mean"].values, x.mean(axis=0), rtol=1e-6)
print("ok")
`
	out, err := pyref.Run(py, script, csv, jl)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("pandas: %s", out)
	}
}
