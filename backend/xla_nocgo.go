//go:build !cgo

package backend

import (
	"errors"

	"github.com/gomlx/compute"
)

const cgoEnabled = false

func newXLA(string) (compute.Backend, error) {
	return nil, errors.New("XLA needs cgo")
}
