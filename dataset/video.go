package dataset

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
)

// Videos is an action-conditioned video data set as tidal trains on it: Frames [videos, T, C, H, W]
// and, when the file has them, Actions [videos, T − 1, A] (row t the action between frames t and
// t + 1; nil without).
type Videos struct {
	Frames, Actions *data.Array
}

// VideoMembers are the NPZ members of a video file in the BAIR layout (docs/VIDEO.md): "frames"
// [videos, T, H, W, C] (values in [0, 1], BAIR's uint8 images divided by 255) and, optionally,
// "actions" [videos, T − 1, A].
const (
	VideoFramesMember  = "frames"
	VideoActionsMember = "actions"
)

// IsVideoNPZ says whether the NPZ members describe a video file: a rank-5 "frames" member.
func IsVideoNPZ(members []data.NPZMember) bool {
	for _, m := range members {
		if m.Name == VideoFramesMember && len(m.Shape) == 5 {
			return true
		}
	}
	return false
}

// StatVideos checks a video file's members without reading their values: "frames" [videos, T, H, W,
// C] with T ≥ 2 and C ≤ 4 (the channels last, the BAIR layout), and "actions", when present, [videos,
// T − 1, A] with 1 ≤ A ≤ MaxActionDim. It returns the frames' shape in tidal's layout [videos, T, C,
// H, W] and A (0 without actions).
func StatVideos(path string) (shape []int, A int, err error) {
	ms, err := data.StatNPZ(path)
	if err != nil {
		return nil, 0, err
	}
	var fr, ac *data.NPZMember
	for i := range ms {
		switch ms[i].Name {
		case VideoFramesMember:
			fr = &ms[i]
		case VideoActionsMember:
			ac = &ms[i]
		}
	}
	if fr == nil {
		return nil, 0, fmt.Errorf("%s: no %q member; expected a video file with frames [videos, frames, height, width, channels] (tidal data pushing)", path, VideoFramesMember)
	}
	s := fr.Shape
	if len(s) != 5 || s[0] < 1 || s[1] < 2 || s[2] < 1 || s[3] < 1 || s[4] < 1 || s[4] > 4 {
		return nil, 0, fmt.Errorf("%s: frames of shape %v: expected [videos ≥ 1, frames ≥ 2, height, width, channels ≤ 4] (the BAIR layout, channels last)", path, s)
	}
	if ac != nil {
		a := ac.Shape
		if len(a) != 3 || a[0] != s[0] || a[1] != s[1]-1 || a[2] < 1 || a[2] > MaxActionDim {
			return nil, 0, fmt.Errorf("%s: actions of shape %v: expected [%d, %d, A] with A ≤ %d: one row between each two of the %d frames of each of the %d videos",
				path, a, s[0], s[1]-1, MaxActionDim, s[1], s[0])
		}
		A = a[2]
	}
	return []int{s[0], s[1], s[4], s[2], s[3]}, A, nil
}

// ReadVideos reads a video file (StatVideos's checks first, then the values within r's budget),
// checks that every value is finite and transposes the frames to [videos, T, C, H, W].
func ReadVideos(r data.Reader, path string) (*Videos, error) {
	shape, A, err := StatVideos(path)
	if err != nil {
		return nil, err
	}
	fr, err := r.ReadNPZMember(path, VideoFramesMember)
	if err != nil {
		return nil, err
	}
	V, T, C, H, W := shape[0], shape[1], shape[2], shape[3], shape[4]
	src := fr.Float32()
	out := make([]float32, len(src))
	for i, x := range src { // src [V, T, H, W, C] → out [V, T, C, H, W]
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%s: frames: value %v in video %d frame %d: expected finite values", path, x, i/(T*H*W*C), i/(H*W*C)%T)
		}
		c, w, h, vt := i%C, i/C%W, i/(C*W)%H, i/(C*W*H)
		out[((vt*C+c)*H+h)*W+w] = x
	}
	v := &Videos{Frames: data.FromFloat32(out, V, T, C, H, W)}
	if A > 0 {
		if v.Actions, err = r.ReadNPZMember(path, VideoActionsMember); err != nil {
			return nil, err
		}
		for i, x := range v.Actions.Float32() {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%s: actions: value %v in video %d row %d: expected finite values", path, x, i/(A*(T-1)), i/A%(T-1))
			}
		}
	}
	return v, nil
}
