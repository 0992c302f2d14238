package train

import (
	"context"
	"strings"
	"testing"
)

// Data-parallel training is refused on a backend with fewer devices, naming the count; a micro-batch
// that does not split evenly is refused by Validate.
func TestDevicesRefusedOnOneDevice(t *testing.T) {
	o := tinyOptions(4)
	o.Devices = 2
	_, err := Run(context.Background(), tinyJob(t, t.TempDir(), o))
	if err == nil || !strings.Contains(err.Error(), "devices = 2") || !strings.Contains(err.Error(), "1 device") {
		t.Fatalf("devices 2 on the Go backend: %v", err)
	}
}
