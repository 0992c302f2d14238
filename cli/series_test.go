package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/guard"
)

// writeSeries writes a CSV series of T rows and N columns, value row·10 + column.
func writeSeries(t *testing.T, T, N int) string {
	t.Helper()
	var b strings.Builder
	for j := range N {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("s" + string(rune('a'+j)))
	}
	b.WriteByte('\n')
	for i := range T {
		for j := range N {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i*10 + j))
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadSeriesAndCases: a CSV series is read as written, --max-series keeps the first columns, and the
// cases are the explicit starts, or rolling windows that end at the last row, or start at --train-rows.
func TestReadSeriesAndCases(t *testing.T) {
	path := writeSeries(t, 20, 3)
	sf := cli.SeriesFlags{Missing: "error", Ragged: "error", MaxSeries: 2}
	in, err := cli.ReadSeries(guard.Budget{Memory: 1 << 30}, "data", path, sf)
	if err != nil {
		t.Fatal(err)
	}
	if in.S.T != 20 || in.S.N != 2 {
		t.Fatalf("read [%d, %d], want [20, 2]", in.S.T, in.S.N)
	}
	if v := in.S.Array().Float64(); v[2*7+1] != 71 {
		t.Errorf("row 7, column 1 = %v, want 71", v[2*7+1])
	}
	if in.String() != "--data "+path || in.Input().Path != path || !slices.Equal(in.Input().Shape, []int{20, 2}) {
		t.Errorf("names %q, %+v", in.String(), in.Input())
	}
	c, err := cli.SeriesCases(in, sf, 4, 3, []int{5, 9}, "starts")
	if err != nil || !slices.Equal(c.Starts, []int{5, 9}) || c.Context != 4 || c.Lead != 3 {
		t.Errorf("explicit starts: %+v, %v", c, err)
	}
	if _, err := cli.SeriesCases(in, sf, 4, 3, []int{2}, "starts"); err == nil || !strings.Contains(err.Error(), "--starts 2") {
		t.Errorf("a start inside the context: %v", err)
	}
	sf.Windows = 2
	if c, err = cli.SeriesCases(in, sf, 4, 3, nil, "starts"); err != nil || !slices.Equal(c.Starts, []int{14, 17}) {
		t.Errorf("2 windows of 3 ending at row 20: %+v, %v; want starts 14, 17", c, err)
	}
	sf.TrainRows = 8
	if c, err = cli.SeriesCases(in, sf, 4, 3, nil, "starts"); err != nil || !slices.Equal(c.Starts, []int{8, 11}) {
		t.Errorf("2 windows after 8 training rows: %+v, %v; want starts 8, 11", c, err)
	}
	if rows, err := cli.SeriesTrainRows(in, sf, 7); err != nil || rows != 8 {
		t.Errorf("training rows %d, %v; want 8", rows, err)
	}
	if _, err := cli.SeriesTrainRows(in, sf, 9); err == nil {
		t.Error("a window longer than the training rows was accepted")
	}
	if _, err := cli.ReadSeries(guard.Budget{Memory: 1 << 30}, "data", path, cli.SeriesFlags{Missing: "maybe"}); err == nil || !strings.Contains(err.Error(), "--missing") {
		t.Errorf("--missing maybe: %v", err)
	}
}
