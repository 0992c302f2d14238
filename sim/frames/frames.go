// Package frames writes simulated fields as NPY files of frames, [frames, channels, H, W] float32 in C
// order (W, the x axis, last), each with a JSON sidecar of metadata beside it (ns.npy → ns.json). The
// frames of a run may be split into contiguous train / validation / test parts, one file pair each.
//
// Frames stream to disk one at a time, so memory stays flat however long the run. Nothing appears
// under its final name until Commit succeeds: an error or Abort leaves no output behind.
package frames

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
)

// PartNames are the names of the three parts of a split, in file order.
var PartNames = []string{"train", "val", "test"}

// Part is a contiguous block of a run's frames and the files that hold it.
type Part struct {
	// Name is "all" for an unsplit run, else one of PartNames.
	Name string `json:"part"`
	// First is the index, in the whole run, of the part's first frame.
	First int `json:"first_frame"`
	// Count is the number of frames in the part.
	Count int `json:"frames"`
	// NPY and JSON are the paths of the part's array (an NPY file, or NetCDF for outputs ending in .nc)
	// and sidecar.
	NPY  string `json:"-"`
	JSON string `json:"-"`
}

// ParseSplit parses the --split syntax: three fractions "train,val,test" such as "0.8,0.1,0.1", each
// > 0, summing to 1. The empty string means no split (nil).
func ParseSplit(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	fields := strings.Split(s, ",")
	if len(fields) != len(PartNames) {
		return nil, fmt.Errorf("split %q: expected three fractions train,val,test such as 0.8,0.1,0.1", s)
	}
	var f []float64
	sum := 0.0
	for i, field := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v >= 1 {
			return nil, fmt.Errorf("split %q: %s fraction %q is not a number in (0, 1)", s, PartNames[i], field)
		}
		f = append(f, v)
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("split %q: the fractions sum to %g, expected 1", s, sum)
	}
	return f, nil
}

// PlanParts divides frames into parts for the output path out (which must end in .npy). With no
// fractions there is one part, "all", at out itself; with fractions the parts are out's stem plus
// _train, _val and _test. Part sizes are the fractions rounded so that they add up to frames; every part
// must get at least one frame.
func PlanParts(out string, frames int, fractions []float64) ([]Part, error) {
	ext := ".npy"
	if strings.HasSuffix(out, ".nc") {
		ext = ".nc"
	}
	if !strings.HasSuffix(out, ext) || len(out) == len(ext) {
		return nil, fmt.Errorf("output %q: expected a path ending in .npy (or .nc for NetCDF)", out)
	}
	if frames < 1 {
		return nil, fmt.Errorf("frames = %d: expected at least 1", frames)
	}
	stem := strings.TrimSuffix(out, ext)
	if fractions == nil {
		return []Part{{Name: "all", Count: frames, NPY: out, JSON: stem + ".json"}}, nil
	}
	if len(fractions) != len(PartNames) {
		return nil, fmt.Errorf("split: %d fractions, expected %d (train, val, test)", len(fractions), len(PartNames))
	}
	var parts []Part
	first, cum := 0, 0.0
	for i, f := range fractions {
		cum += f
		end := int(math.Round(cum * float64(frames)))
		if i == len(fractions)-1 {
			end = frames
		}
		if end <= first {
			return nil, fmt.Errorf("split %v of %d frames leaves the %s part empty; ask for more frames", fractions, frames, PartNames[i])
		}
		name := PartNames[i]
		parts = append(parts, Part{Name: name, First: first, Count: end - first,
			NPY: stem + "_" + name + ext, JSON: stem + "_" + name + ".json"})
		first = end
	}
	return parts, nil
}

// Writer streams frames of a fixed shape into the files of a run's parts.
type Writer struct {
	parts    []Part
	shape    []int // channels, H, W
	npy      []*data.NPYWriter
	nc       []*data.NCWriter // instead of npy for outputs ending in .nc
	sidecars []*atomicfile.File
	cur      int // part being written
	inPart   int // frames written to the current part
	buf      []float32
	done     bool
}

// Create plans the parts (see PlanParts) and opens every file under a temporary name, so that an
// unwritable output is reported before any simulation work.
func Create(out string, frames int, fractions []float64, channels, h, w int) (*Writer, error) {
	return CreateWith(out, frames, fractions, channels, h, w, NetCDF{})
}

// NetCDF describes the coordinates and attributes of NetCDF parts (outputs ending in .nc): each part
// holds fields(time, channel, y, x) float32 with coordinate variables time (TimeStart + frame·TimeStep,
// frame counted over the whole run; the frame itself when TimeStep is 0), channel, y and x.
type NetCDF struct {
	Channels            []string // names of the channels, as the channel variable's "variables" attribute
	TimeStart, TimeStep float64
	TimeUnits           string // "1" when empty
	Attrs               []data.NCAttr
}

func (m NetCDF) spec(p Part, channels, h, w int) (*data.NCSpec, map[string]*data.Array) {
	units := m.TimeUnits
	if units == "" {
		units = "1"
	}
	idx := func(n int) *data.Array {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)
		}
		return data.FromFloat64(v, n)
	}
	step := m.TimeStep
	if step == 0 { // no time given: the frame's index in the run
		step, units = 1, "1"
	}
	tv := make([]float64, p.Count)
	for k := range tv {
		tv[k] = m.TimeStart + float64(p.First+k)*step
	}
	chAttrs := []data.NCAttr{data.TextAttr("long_name", "channel"), data.TextAttr("units", "1")}
	if len(m.Channels) == channels {
		chAttrs = append(chAttrs, data.TextAttr("variables", strings.Join(m.Channels, " ")))
	}
	spec := &data.NCSpec{
		Dims:  []data.NCDim{{Name: "time", Len: p.Count}, {Name: "channel", Len: channels}, {Name: "y", Len: h}, {Name: "x", Len: w}},
		Attrs: append([]data.NCAttr{data.TextAttr("Conventions", "CF-1.8"), data.TextAttr("tidal_part", p.Name), data.NumAttr("tidal_first_frame", data.NCInt, float64(p.First))}, m.Attrs...),
		Vars: []data.NCVar{
			{Name: "time", Dims: []string{"time"}, Type: data.NCDouble, Attrs: []data.NCAttr{data.TextAttr("units", units), data.TextAttr("standard_name", "time")}},
			{Name: "channel", Dims: []string{"channel"}, Type: data.NCInt, Attrs: chAttrs},
			{Name: "y", Dims: []string{"y"}, Type: data.NCInt, Attrs: []data.NCAttr{data.TextAttr("long_name", "grid row"), data.TextAttr("units", "1")}},
			{Name: "x", Dims: []string{"x"}, Type: data.NCInt, Attrs: []data.NCAttr{data.TextAttr("long_name", "grid column"), data.TextAttr("units", "1")}},
			{Name: "fields", Dims: []string{"time", "channel", "y", "x"}, Type: data.NCFloat},
		},
	}
	return spec, map[string]*data.Array{"time": data.FromFloat64(tv, p.Count), "channel": idx(channels), "y": idx(h), "x": idx(w)}
}

// CreateWith is Create with the description of NetCDF parts.
func CreateWith(out string, frames int, fractions []float64, channels, h, w int, meta NetCDF) (*Writer, error) {
	if channels < 1 || h < 1 || w < 1 {
		return nil, fmt.Errorf("frame shape [%d, %d, %d]: expected positive channels, H and W", channels, h, w)
	}
	parts, err := PlanParts(out, frames, fractions)
	if err != nil {
		return nil, err
	}
	fw := &Writer{parts: parts, shape: []int{channels, h, w}}
	for _, p := range parts {
		if strings.HasSuffix(p.NPY, ".nc") {
			spec, coords := meta.spec(p, channels, h, w)
			nc, err := data.NewNCWriter(p.NPY, spec)
			if err != nil {
				fw.Abort()
				return nil, err
			}
			fw.nc = append(fw.nc, nc)
			for _, name := range []string{"time", "channel", "y", "x"} {
				if err := data.Append(nc.NCEncoder, name, coords[name].F64); err != nil {
					fw.Abort()
					return nil, fmt.Errorf("%s: %w", p.NPY, err)
				}
			}
		} else {
			npy, err := data.NewNPYWriter(p.NPY, data.Float32, p.Count, channels, h, w)
			if err != nil {
				fw.Abort()
				return nil, err
			}
			fw.npy = append(fw.npy, npy)
		}
		side, err := atomicfile.Create(p.JSON)
		if err != nil {
			fw.Abort()
			return nil, err
		}
		fw.sidecars = append(fw.sidecars, side)
	}
	return fw, nil
}

// Parts returns the planned parts.
func (fw *Writer) Parts() []Part { return fw.parts }

// FrameSize is the number of values in one frame, channels·H·W.
func (fw *Writer) FrameSize() int { return fw.shape[0] * fw.shape[1] * fw.shape[2] }

// WriteFrame appends one frame ([channels][H][W], converted to float32) to the current part.
func (fw *Writer) WriteFrame(frame []float64) error {
	if len(frame) != fw.FrameSize() {
		return fmt.Errorf("frame of %d values, expected %d (shape %v)", len(frame), fw.FrameSize(), fw.shape)
	}
	if fw.cur >= len(fw.parts) {
		return fmt.Errorf("frame %d is past the %d frames planned", fw.total(), fw.total())
	}
	if fw.buf == nil {
		fw.buf = make([]float32, len(frame))
	}
	for i, v := range frame {
		fw.buf[i] = float32(v)
	}
	if fw.nc != nil {
		if err := data.Append(fw.nc[fw.cur].NCEncoder, "fields", fw.buf); err != nil {
			return err
		}
	} else if err := fw.npy[fw.cur].WriteFloat32(fw.buf); err != nil {
		return err
	}
	if fw.inPart++; fw.inPart == fw.parts[fw.cur].Count {
		fw.cur, fw.inPart = fw.cur+1, 0
	}
	return nil
}

func (fw *Writer) total() int {
	n := 0
	for _, p := range fw.parts {
		n += p.Count
	}
	return n
}

// Commit finishes every file: each part's sidecar holds meta(part) as indented JSON. If any file fails,
// the files already committed are removed, so a run leaves all its outputs or none.
func (fw *Writer) Commit(meta func(p Part) any) error {
	if fw.done {
		return fmt.Errorf("frames: already committed or aborted")
	}
	if fw.cur != len(fw.parts) {
		fw.Abort()
		return fmt.Errorf("frames: %d of %d frames written; nothing saved", fw.writtenSoFar(), fw.total())
	}
	var committed []string
	fail := func(err error) error {
		fw.Abort()
		for _, p := range committed {
			_ = os.Remove(p)
		}
		return err
	}
	for i, p := range fw.parts {
		js, err := json.MarshalIndent(meta(p), "", "  ")
		if err != nil {
			return fail(fmt.Errorf("%s: %w", p.JSON, err))
		}
		if _, err := fw.sidecars[i].Write(append(js, '\n')); err != nil {
			return fail(fmt.Errorf("%s: %w", p.JSON, err))
		}
	}
	for i, p := range fw.parts {
		var err error
		if fw.nc != nil {
			err = fw.nc[i].Close()
		} else {
			err = fw.npy[i].Close()
		}
		if err != nil {
			return fail(err)
		}
		committed = append(committed, p.NPY)
		if err := fw.sidecars[i].Commit(); err != nil {
			return fail(err)
		}
		committed = append(committed, p.JSON)
	}
	fw.done = true
	return nil
}

func (fw *Writer) writtenSoFar() int {
	n := fw.inPart
	for _, p := range fw.parts[:fw.cur] {
		n += p.Count
	}
	return n
}

// Abort discards every file not yet committed. It is safe to call more than once and after Commit.
func (fw *Writer) Abort() {
	if fw.done {
		return
	}
	fw.done = true
	for _, w := range fw.npy {
		w.Abort()
	}
	for _, w := range fw.nc {
		w.Abort()
	}
	for _, f := range fw.sidecars {
		f.Abort()
	}
}
