package pushing

import (
	"math"
	"math/rand/v2"
)

// RedCentroid is the centroid, in pixels (x the column, y the row, pixel centres at i + 1/2), of the
// redness max(0, R − max(G, B)) of a size×size RGB image [size, size, 3]: where the pusher is, since
// the pusher is the only red thing in a video. On a grey table the redness of a pixel is proportional
// to the share the pusher covers, so the centroid is the pusher's centre up to the rounding of its
// rim. It returns NaN when nothing is red.
func RedCentroid(img []float32, size int) (x, y float64) {
	return redCentroid(size, func(i, j, k int) float32 { return img[(i*size+j)*3+k] })
}

// RedCentroidCHW is RedCentroid of an image laid out [3, size, size], tidal's frames [channels, H, W].
func RedCentroidCHW(img []float32, size int) (x, y float64) {
	return redCentroid(size, func(i, j, k int) float32 { return img[(k*size+i)*size+j] })
}

func redCentroid(size int, at func(i, j, k int) float32) (x, y float64) {
	var sw, sx, sy float64
	for i := range size {
		for j := range size {
			w := float64(at(i, j, 0)) - math.Max(float64(at(i, j, 1)), float64(at(i, j, 2)))
			if w <= 0 {
				continue
			}
			sw += w
			sx += w * (float64(j) + 0.5)
			sy += w * (float64(i) + 0.5)
		}
	}
	if sw == 0 {
		return math.NaN(), math.NaN()
	}
	return sx / sw, sy / sw
}

// newRand is video v's random stream for seed.
func newRand(seed uint64, v int) *rand.Rand { return rand.New(rand.NewPCG(seed, uint64(v))) }
