//go:build cgo

package backend

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/compute/xla" // not .../autoinstall: tidal never downloads plugins
)

const cgoEnabled = true

func newXLA(plugin string) (compute.Backend, error) {
	xla.EnableAutoInstall(false)
	return xla.New(plugin)
}
