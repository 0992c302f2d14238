package metrics

import (
	"fmt"
	"strings"
)

// MetricHelp lists MetricNames for a command's help: one line per metric, its name indented by two
// spaces and padded to 14 characters, then its description.
func MetricHelp() string {
	var b strings.Builder
	for _, m := range MetricNames {
		fmt.Fprintf(&b, "  %-14s %s\n", m.Name, m.Description)
	}
	return b.String()
}
