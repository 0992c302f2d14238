package pushing

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// TestWriteFileRoundTrip writes a tiny data set and reads it back: the archive holds exactly what
// Generate draws for the same options, in BAIR's layout.
func TestWriteFileRoundTrip(t *testing.T) {
	o := Options{Videos: 2, Frames: 3, Size: 8, Objects: 1, Seed: 5, PusherRadius: DefaultPusherRadius, MaxStep: DefaultMaxStep, Plain: true}
	out := filepath.Join(t.TempDir(), "p.npz")
	if err := CheckFile(o, out, guard.Budget{}); err != nil {
		t.Fatal(err)
	}
	v, err := WriteFile(o, out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := data.ReadNPZ(out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["frames"].Shape, []int{2, 3, 8, 8, 3}) || !slices.Equal(got["actions"].Shape, []int{2, 2, 2}) {
		t.Fatalf("shapes %v and %v, want [2 3 8 8 3] and [2 2 2]", got["frames"].Shape, got["actions"].Shape)
	}
	if !slices.Equal(got["frames"].Float32(), want.Frames) || !slices.Equal(got["actions"].Float32(), want.Actions) || !slices.Equal(v.Frames, want.Frames) {
		t.Fatal("the archive differs from Generate's videos")
	}
}

// TestCheckFileRefuses names the flag of each bad option.
func TestCheckFileRefuses(t *testing.T) {
	ok := Options{Videos: 2, Frames: 3, Size: 8, Objects: 1, PusherRadius: DefaultPusherRadius, MaxStep: DefaultMaxStep}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		edit func(*Options)
		out  string
		want string
	}{
		{"no out", func(*Options) {}, "", "--out FILE.npz is required"},
		{"not npz", func(*Options) {}, filepath.Join(dir, "p.npy"), "expected a FILE.npz"},
		{"videos", func(o *Options) { o.Videos = 0 }, "", "--videos 0"},
		{"frames", func(o *Options) { o.Frames = 1 }, "", "--frames 1"},
		{"size", func(o *Options) { o.Size = 2000 }, "", "--size 2000"},
		{"objects", func(o *Options) { o.Objects = MaxObjects + 1 }, "", "--objects"},
		{"radius", func(o *Options) { o.PusherRadius = 0 }, "", "--pusher-radius 0"},
		{"step", func(o *Options) { o.MaxStep = 0.5 }, "", "--max-step 0.5"},
		{"too big", func(o *Options) { o.Videos, o.Frames, o.Size = 1<<20, 1000, 1024 }, "", "more than the 64 GiB"},
		{"memory", func(*Options) {}, "", "needs about"},
	} {
		o := ok
		c.edit(&o)
		out := c.out
		if out == "" && c.name != "no out" {
			out = filepath.Join(dir, "p.npz")
		}
		b := guard.Budget{}
		if c.name == "memory" {
			b.Memory = 1000
		}
		err := CheckFile(o, out, b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
