package forecast

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Frequency is a series' time step as pandas names it (an offset alias with an optional multiple):
// "B" (business day, Monday to Friday), "D", "W" (7 days), "h" or "H", "min" or "T", "s" or "S",
// e.g. "30min" or "2h". Months and years, whose steps differ in length, are not taken.
type Frequency struct {
	// Alias is the frequency as given, written into outputs for pandas and GluonTS.
	Alias string
	n     int
	unit  string // "B", "D", "W", "h", "min", "s"
}

// ParseFrequency reads a pandas offset alias.
func ParseFrequency(s string) (Frequency, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n := 1
	if i > 0 {
		v, err := strconv.Atoi(s[:i])
		if err != nil || v < 1 || v > 1<<20 {
			return Frequency{}, fmt.Errorf("frequency %q: the multiple must be an integer in 1..%d", s, 1<<20)
		}
		n = v
	}
	unit := map[string]string{"B": "B", "D": "D", "W": "W", "h": "h", "H": "h", "min": "min", "T": "min", "s": "s", "S": "s"}[s[i:]]
	if unit == "" {
		return Frequency{}, fmt.Errorf("frequency %q: expected a pandas alias B, D, W, h, min or s with an optional multiple (e.g. 30min)", s)
	}
	return Frequency{Alias: s, n: n, unit: unit}, nil
}

// timeLayouts are the time stamps a series' start may have (pandas writes the first two).
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04", time.RFC3339}

// ParseTime reads a time stamp as pandas and GluonTS write them ("2006-01-02", "2006-01-02 15:04:05",
// ISO 8601 with a T or a zone).
func ParseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: expected YYYY-MM-DD or YYYY-MM-DD hh:mm:ss", s)
}

// FormatTime writes t as pandas reads it back: "YYYY-MM-DD hh:mm:ss".
func FormatTime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }

// Add returns the time step steps after t. For "B", a t on a weekend first rolls forward to Monday, as
// pandas' date_range does.
func (f Frequency) Add(t time.Time, steps int) time.Time {
	k := steps * f.n
	switch f.unit {
	case "D":
		return t.AddDate(0, 0, k)
	case "W":
		return t.AddDate(0, 0, 7*k)
	case "h":
		return t.Add(time.Duration(k) * time.Hour)
	case "min":
		return t.Add(time.Duration(k) * time.Minute)
	case "s":
		return t.Add(time.Duration(k) * time.Second)
	}
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	weeks, rest := k/5, k%5
	t = t.AddDate(0, 0, 7*weeks)
	for range rest {
		t = t.AddDate(0, 0, 1)
		for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
			t = t.AddDate(0, 0, 1)
		}
	}
	return t
}
