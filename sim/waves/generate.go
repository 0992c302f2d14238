package waves

import (
	"fmt"
	"io"

	"github.com/tidal-forecast/tidal/sim/frames"
)

// Generate writes the dataset of o to out (WriteDataset), then prints the files written to w, one line
// per part: its array, frames and sidecar.
func Generate(o Options, out string, w io.Writer) error {
	if err := WriteDataset(o, out); err != nil {
		return err
	}
	parts, _ := frames.PlanParts(out, o.Frames, o.Split)
	for _, p := range parts {
		fmt.Fprintf(w, "wrote %s (%d frames) and %s\n", p.NPY, p.Count, p.JSON)
	}
	return nil
}
