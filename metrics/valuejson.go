package metrics

import (
	"bytes"
	"math"
	"strconv"
)

// UnmarshalJSON reads a number, or null as NaN: the inverse of MarshalJSON, so that reports read back
// keep their undefined values undefined instead of zero.
func (v *Value) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*v = Value(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	if err != nil {
		return err
	}
	*v = Value(f)
	return nil
}
