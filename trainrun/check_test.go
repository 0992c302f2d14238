package trainrun

import (
	"strings"
	"testing"
)

// CheckDiTSizes accepts the defaults and every width that 4 and the heads divide, and refuses each bad
// size naming its flag.
func TestCheckDiTSizes(t *testing.T) {
	def := DiT{Patch: DiTDefaultPatch, Hidden: DiTDefaultHidden, Depth: DiTDefaultDepth}
	for _, c := range []struct {
		d     DiT
		heads int
		want  string // "" accepts
	}{
		{def, 1, ""},
		{DiT{Patch: 2, Hidden: 96, Depth: 1}, 3, ""},
		{DiT{Patch: 0, Hidden: 64, Depth: 4}, 1, "--patch"},
		{DiT{Patch: 4, Hidden: 66, Depth: 4}, 1, "--hidden 66: expected a multiple of 4"},
		{DiT{Patch: 4, Hidden: 64, Depth: 0}, 1, "--depth"},
		{DiT{Patch: 4, Hidden: 64, Depth: 4}, 3, "--heads 3 does not divide --hidden 64"},
		{DiT{Patch: 4, Hidden: 64, Depth: 4}, 0, "--heads"},
	} {
		err := CheckDiTSizes(c.d, c.heads)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v, %d heads: %v", c.d, c.heads, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v, %d heads: %v, want it to say %q", c.d, c.heads, err, c.want)
		}
	}
}
