package forecast

import (
	"strings"
	"testing"
)

// RowStamps: golden stamps for each source of the time, and the refusals by name.
func TestRowStamps(t *testing.T) {
	names := StampOptions{StartName: "--start", FreqName: "--freq", FileName: "the start of --data f.csv"}
	with := func(edit func(*StampOptions)) StampOptions { o := names; edit(&o); return o }
	for _, c := range []struct {
		o    StampOptions
		rows []int
		want []string
	}{
		{with(func(o *StampOptions) { o.Times, o.Rows = []string{"a", "b"}, 2 }), []int{0, 1, 2}, []string{"a", "b", ""}},
		{with(func(o *StampOptions) { o.Start, o.Freq = "2020-01-31", "D" }), []int{0, 1, 30}, []string{"2020-01-31 00:00:00", "2020-02-01 00:00:00", "2020-03-01 00:00:00"}},
		{with(func(o *StampOptions) { o.FileStart, o.Freq = "2021-03-05 10:00:00", "30min" }), []int{0, 3}, []string{"2021-03-05 10:00:00", "2021-03-05 11:30:00"}},
		{with(func(o *StampOptions) { o.Times, o.Rows, o.Freq = []string{"2022-06-01 00:00:00"}, 5, "h" }), []int{2}, []string{"2022-06-01 02:00:00"}},
		{with(func(o *StampOptions) { o.Start, o.Freq = "2024-01-05", "B" }), []int{1}, []string{"2024-01-08 00:00:00"}}, // Friday + 1 business day
	} {
		stamp, err := RowStamps(c.o)
		if err != nil || stamp == nil {
			t.Fatalf("%+v: %v", c.o, err)
		}
		for i, r := range c.rows {
			if got := stamp(r); got != c.want[i] {
				t.Errorf("%+v: row %d stamped %q, want %q", c.o, r, got, c.want[i])
			}
		}
	}
	if stamp, err := RowStamps(with(func(o *StampOptions) { o.Rows = 3 })); stamp != nil || err != nil {
		t.Errorf("no time known: %v, %v; want nil, nil", stamp != nil, err)
	}
	for _, c := range []struct {
		o    StampOptions
		want string
	}{
		{with(func(o *StampOptions) { o.Freq = "fortnight" }), "--freq: "},
		{with(func(o *StampOptions) { o.Start = "2020-01-01" }), "--start 2020-01-01 needs --freq, the time step"},
		{with(func(o *StampOptions) { o.Start, o.Freq = "yesterday", "D" }), "--start: "},
		{with(func(o *StampOptions) { o.FileStart, o.Freq = "soon", "D" }), "the start of --data f.csv: "},
	} {
		if _, err := RowStamps(c.o); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error starting %q", c.o, err, c.want)
		}
	}
}
