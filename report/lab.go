package report

import "math"

// lab is a colour in CIE 1976 L*a*b* under the D65 white point.
type lab struct{ L, A, B float64 }

// D65 reference white of sRGB, in XYZ with Y = 1 (IEC 61966-2-1).
const xn, yn, zn = 0.95047, 1.0, 1.08883

// linear undoes the sRGB transfer function on one channel in [0, 1] (IEC 61966-2-1).
func linear(c float64) float64 {
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

// encode applies the sRGB transfer function to one linear channel in [0, 1].
func encode(c float64) float64 {
	if c <= 0.0031308 {
		return 12.92 * c
	}
	return 1.055*math.Pow(c, 1/2.4) - 0.055
}

const labDelta = 6.0 / 29

// labF is the cube-root compression of CIELAB.
func labF(t float64) float64 {
	if t > labDelta*labDelta*labDelta {
		return math.Cbrt(t)
	}
	return t/(3*labDelta*labDelta) + 4.0/29
}

func labFInv(t float64) float64 {
	if t > labDelta {
		return t * t * t
	}
	return 3 * labDelta * labDelta * (t - 4.0/29)
}

// srgbToLab converts sRGB channels in [0, 1] to CIELAB.
func srgbToLab(r, g, b float64) lab {
	r, g, b = linear(r), linear(g), linear(b)
	x := 0.4124564*r + 0.3575761*g + 0.1804375*b
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := 0.0193339*r + 0.1191920*g + 0.9503041*b
	fx, fy, fz := labF(x/xn), labF(y/yn), labF(z/zn)
	return lab{L: 116*fy - 16, A: 500 * (fx - fy), B: 200 * (fy - fz)}
}

// srgb converts a CIELAB colour to sRGB channels, clipped to [0, 1] where it is out of gamut.
func (c lab) srgb() (r, g, b float64) {
	fy := (c.L + 16) / 116
	x, y, z := xn*labFInv(fy+c.A/500), yn*labFInv(fy), zn*labFInv(fy-c.B/200)
	r = 3.2404542*x - 1.5371385*y - 0.4985314*z
	g = -0.9692660*x + 1.8760108*y + 0.0415560*z
	b = 0.0556434*x - 0.2040259*y + 1.0572252*z
	return clip01(encode(clip01(r))), clip01(encode(clip01(g))), clip01(encode(clip01(b)))
}

func clip01(v float64) float64 { return math.Min(1, math.Max(0, v)) }
