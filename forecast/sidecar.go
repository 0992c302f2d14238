package forecast

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The kinds of array a Sidecar describes.
const (
	KindForecast = "forecast" // a model's ensemble forecast [cases, members, lead, frame...]
	KindBaseline = "baseline" // a reference forecast (persistence, climatology, ...) in the same layout
	KindTruth    = "truth"    // the frames the cases predict [cases, lead, frame...]
)

// Sidecar says which cases of which data an array of forecasts (or their truth) holds. tidal writes it
// as JSON beside the array (SidecarPath: FILE.json beside FILE.npy or FILE.nc, the convention of
// `tidal data`'s metadata), so that arrays made from different cases are not scored against each other.
type Sidecar struct {
	// Kind is KindForecast, KindBaseline or KindTruth.
	Kind string `json:"kind"`
	// Method is what made the forecast: "dydiff", or the baseline's method (persistence, ...).
	Method string `json:"method,omitempty"`
	// Starts are the cases' first forecast frames (series: rows) in Source; Context the observed frames
	// before each start; Lead the frames predicted from it.
	Starts  []int `json:"starts"`
	Context int   `json:"context"`
	Lead    int   `json:"lead"`
	// Members is the ensemble size (0 for a truth).
	Members int `json:"members,omitempty"`
	// Shape is the array's shape.
	Shape []int `json:"shape"`
	// Source is the data file the cases were taken from and SourceSHA256 the SHA-256 of its bytes.
	Source       string `json:"source"`
	SourceSHA256 string `json:"source_sha256"`
	// Model is the run directory of the model that made a forecast, ModelStep the snapshot's step.
	Model     string `json:"model,omitempty"`
	ModelStep int    `json:"model_step,omitempty"`
	// Seed is the seed of the forecast's noise (or of a climatology's draws).
	Seed uint64 `json:"seed"`
	// Units says what the values are measured in, e.g. "physical (the units of the source)".
	Units string `json:"units"`
}

// maxSidecarBytes bounds a sidecar: a page of metadata and the cases' start frames, not data.
const maxSidecarBytes = 16 << 20

// PhysicalUnits is the Units of arrays in the units of their source data.
const PhysicalUnits = "physical (the units of the source)"

// SidecarPath is the sidecar of the array at path: its name with the extension replaced by .json.
func SidecarPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
}

// TruthPath is where a forecast written to out puts its truth by default: out with .truth.npy for .npy
// (.truth.nc for .nc).
func TruthPath(out string) string {
	if strings.HasSuffix(out, ".nc") {
		return strings.TrimSuffix(out, ".nc") + ".truth.nc"
	}
	return strings.TrimSuffix(out, ".npy") + ".truth.npy"
}

// FileSHA256 is the hexadecimal SHA-256 of the file at path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Marshal is the sidecar as indented JSON with a final newline.
func (s Sidecar) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadSidecar reads the sidecar of the array at path. It returns nil and no error when there is none,
// or when the JSON file there is not a forecast sidecar (e.g. the metadata `tidal data` writes beside
// its data, which has no kind); a forecast sidecar that does not parse is an error naming the file.
func ReadSidecar(path string) (*Sidecar, error) {
	p := SidecarPath(path)
	info, err := os.Stat(p)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("sidecar %s of %s is not a regular file (%v); expected JSON", p, path, info.Mode().Type())
	}
	if info.Size() > maxSidecarBytes {
		return nil, fmt.Errorf("sidecar %s of %s holds %d bytes; a sidecar is at most %d", p, path, info.Size(), maxSidecarBytes)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Kind   any `json:"kind"`
		Starts any `json:"starts"`
	}
	if json.Unmarshal(b, &probe) != nil || probe.Starts == nil {
		return nil, nil
	}
	if k, _ := probe.Kind.(string); k != KindForecast && k != KindBaseline && k != KindTruth {
		return nil, nil
	}
	var s Sidecar
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("sidecar %s of %s: %w", p, path, err)
	}
	return &s, nil
}

// SameCases checks that two sidecars describe the same cases of the same data: the same source bytes
// (SHA-256), the same start frames and the same lead. The error names the field and both values,
// each with its array's name (aName, bName, e.g. "--forecast fc.npy").
func SameCases(a, b *Sidecar, aName, bName string) error {
	differ := func(field string, x, y any) error {
		return fmt.Errorf("%s and %s hold different cases: %s %v in %s's sidecar, %v in %s's", aName, bName, field, x, aName, y, bName)
	}
	switch {
	case a.SourceSHA256 != "" && b.SourceSHA256 != "" && a.SourceSHA256 != b.SourceSHA256:
		return differ("source_sha256", a.SourceSHA256+" ("+a.Source+")", b.SourceSHA256+" ("+b.Source+")")
	case !slices.Equal(a.Starts, b.Starts):
		return differ("starts", a.Starts, b.Starts)
	case a.Lead != b.Lead:
		return differ("lead", a.Lead, b.Lead)
	}
	return nil
}
