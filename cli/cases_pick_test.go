package cli_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
)

// FieldCases: the start frames as given, or n cases spread evenly from the first start with a context
// (frame context) to the last with a whole lead (frame frames − lead); --cases beside --starts, a start
// without its context and a series too short are refused by flag and file.
func TestFieldCases(t *testing.T) {
	c, err := cli.FieldCases([]int{3, 7}, 20, false, 10, 3, 3, "--data d.npy")
	if err != nil || !reflect.DeepEqual(c, forecast.Cases{Context: 3, Lead: 3, Starts: []int{3, 7}}) {
		t.Errorf("starts: %+v, %v", c, err)
	}
	c, err = cli.FieldCases(nil, 3, true, 10, 2, 2, "--data d.npy")
	if err != nil || !reflect.DeepEqual(c, forecast.Cases{Context: 2, Lead: 2, Starts: []int{2, 5, 8}}) {
		t.Errorf("three cases over 10 frames: %+v, %v; want starts 2, 5, 8", c, err)
	}
	for _, tc := range []struct {
		starts []int
		given  bool
		frames int
		want   string
	}{
		{[]int{3}, true, 10, "--cases 4 and --starts [3]: give the number of cases or their start frames, not both"},
		{[]int{1}, false, 10, "--starts 1: a case needs 2 context frames"},
		{nil, false, 3, "--data d.npy: a series of 3 frames is too short"},
	} {
		if _, err := cli.FieldCases(tc.starts, 4, tc.given, tc.frames, 2, 2, "--data d.npy"); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc, err, tc.want)
		}
	}
}
