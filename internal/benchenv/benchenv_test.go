package benchenv

import (
	"os"
	"strings"
	"testing"
)

func TestLoadAverageReadsProc(t *testing.T) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		t.Skip("no /proc/loadavg here")
	}
	want := strings.Join(strings.Fields(string(b))[:3], " ")
	if got := LoadAverage(); got != want && len(strings.Fields(got)) != 3 {
		t.Fatalf("LoadAverage() = %q, /proc/loadavg starts %q", got, want)
	}
	if !strings.Contains(Describe(), "cores") {
		t.Fatalf("Describe() = %q", Describe())
	}
}
