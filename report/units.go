package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

// DataInfo is what the report takes from the data's metadata sidecar (FILE.json beside FILE.npy, as
// `tidal data` writes it): the channel names, their units and the time between frames, so that axes carry
// units and leads are shown in the data's time.
type DataInfo struct {
	Source   string            // the sidecar's path
	Channels []string          // "channels"
	Units    map[string]string // "units": channel → unit; absent channels are "units of <channel>"
	FrameDT  float64           // "frame_dt": time between frames; 0 when not recorded
	TimeUnit string            // "time_unit"; "time units of the simulation" when absent
}

// ReadDataInfo reads a data sidecar. Keys it does not know are ignored; a sidecar without channels or
// frame_dt still gives what it has.
func ReadDataInfo(path string) (*DataInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data sidecar: %w", err)
	}
	var raw struct {
		Channels []string       `json:"channels"`
		Units    map[string]any `json:"units"`
		FrameDT  float64        `json:"frame_dt"`
		TimeUnit string         `json:"time_unit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("data sidecar %s: %w", path, err)
	}
	if raw.FrameDT < 0 || math.IsNaN(raw.FrameDT) {
		return nil, fmt.Errorf("data sidecar %s: frame_dt %g, want a positive time", path, raw.FrameDT)
	}
	d := &DataInfo{Source: path, Channels: raw.Channels, FrameDT: raw.FrameDT, TimeUnit: raw.TimeUnit, Units: map[string]string{}}
	for k, v := range raw.Units {
		if s, ok := v.(string); ok {
			d.Units[k] = s
		}
	}
	return d, nil
}

// fieldUnit is the unit of the scored field for axis labels: "units of zeta", or the recorded unit.
func (d *DataInfo) fieldUnit() string {
	if d == nil || len(d.Channels) == 0 {
		return "field units"
	}
	var parts []string
	for _, c := range d.Channels {
		if u, ok := d.Units[c]; ok && u != "" {
			parts = append(parts, u)
		} else {
			parts = append(parts, "units of "+c)
		}
	}
	return strings.Join(parts, ", ")
}

// timeUnit names the unit of the lead times.
func (d *DataInfo) timeUnit() string {
	if d.TimeUnit != "" {
		return d.TimeUnit
	}
	return "simulation time units"
}

// leadX is the x value of 1-based lead l: its time when the frame spacing is known, else l.
func (d *DataInfo) leadX(l int) float64 {
	if d == nil || d.FrameDT == 0 {
		return float64(l)
	}
	return float64(l) * d.FrameDT
}

// leadAxisLabel labels a lead axis.
func (d *DataInfo) leadAxisLabel() string {
	if d == nil || d.FrameDT == 0 {
		return "lead (frames, counted from 1)"
	}
	return fmt.Sprintf("lead time (%s; lead 1 = one frame = %s)", d.timeUnit(), FormatNumber(d.FrameDT))
}

// leadName names 1-based lead l in sentences and tooltips: "lead 3 (t = 0.06)".
func (d *DataInfo) leadName(l int) string {
	if d == nil || d.FrameDT == 0 {
		return fmt.Sprintf("lead %d", l)
	}
	return fmt.Sprintf("lead %d (t = %s)", l, FormatNumber(float64(l)*d.FrameDT))
}
