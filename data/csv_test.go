package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCSVRoundTripAndOptions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.csv")
	os.WriteFile(p, []byte("date,a,b\n2020-01-01, 1.5,-2\n2020-01-02,3e2,0.25\n"), 0o644)
	tab, err := ReadCSV(p, CSVOptions{Header: true, SkipColumns: 1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tab.Names, ",") != "a,b" || !equalInts(tab.Values.Shape, []int{2, 2}) {
		t.Fatalf("names %v shape %v", tab.Names, tab.Values.Shape)
	}
	if v := tab.Values.F64; v[0] != 1.5 || v[1] != -2 || v[2] != 300 || v[3] != 0.25 {
		t.Fatalf("values %v", v)
	}
	q := filepath.Join(dir, "out.csv")
	if err := WriteCSV(q, tab); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSV(q, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range back.Values.F64 {
		if v != tab.Values.F64[i] {
			t.Fatalf("round trip value %d: %v vs %v", i, v, tab.Values.F64[i])
		}
	}
}

func TestCSVRefusesBadRows(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ text, want string }{
		"ragged":  {"1,2\n3\n", "line 2"},
		"text":    {"1,2\n3,x\n", "line 2 column 2"},
		"missing": {"1,2\n3,\n", "not a finite number"},
		"nan":     {"1,NaN\n", "not a finite number"},
		"empty":   {"", "no data rows"},
	} {
		p := filepath.Join(dir, name+".csv")
		os.WriteFile(p, []byte(c.text), 0o644)
		_, err := ReadCSV(p, CSVOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming the file and %q", name, err, c.want)
		}
	}
}
