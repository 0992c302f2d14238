// Package guard checks what a command is given before it starts work: numeric flags (refusing NaN,
// infinities and values out of range, naming the flag), the ranks and shapes of input arrays (naming the
// file), and the memory and disk a run will need against what the machine has (docs/HARDENING.md).
package guard

import (
	"fmt"
	"math"
)

// Finite refuses NaN and ±Inf in the float flag named flag.
func Finite(flag string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("--%s %v: expected a finite number", flag, v)
	}
	return nil
}

// Between refuses a float flag outside [lo, hi] (and NaN or ±Inf).
func Between(flag string, v, lo, hi float64) error {
	if err := Finite(flag, v); err != nil {
		return err
	}
	if v < lo || v > hi {
		return fmt.Errorf("--%s %v: expected a number in [%v, %v]", flag, v, lo, hi)
	}
	return nil
}

// AtLeast refuses a float flag below lo (and NaN or ±Inf).
func AtLeast(flag string, v, lo float64) error {
	if err := Finite(flag, v); err != nil {
		return err
	}
	if v < lo {
		return fmt.Errorf("--%s %v: expected a number ≥ %v", flag, v, lo)
	}
	return nil
}

// AllFinite refuses NaN and ±Inf in any value of a list flag, naming the flag and the position.
func AllFinite(flag string, vs []float64) error {
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("--%s: value %d is %v, expected a finite number", flag, i+1, v)
		}
	}
	return nil
}

// AllOpen refuses any value of a list flag outside the open interval (lo, hi).
func AllOpen(flag string, vs []float64, lo, hi float64) error {
	if err := AllFinite(flag, vs); err != nil {
		return err
	}
	for i, v := range vs {
		if v <= lo || v >= hi {
			return fmt.Errorf("--%s: value %d is %v, expected a number in (%v, %v)", flag, i+1, v, lo, hi)
		}
	}
	return nil
}

// Int refuses an integer flag outside [lo, hi].
func Int(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("--%s %d: expected an integer in [%d, %d]", flag, v, lo, hi)
	}
	return nil
}

// Ints refuses any value of an integer list flag outside [lo, hi], naming the flag and the position.
func Ints(flag string, vs []int, lo, hi int) error {
	for i, v := range vs {
		if v < lo || v > hi {
			return fmt.Errorf("--%s: value %d is %d, expected an integer in [%d, %d]", flag, i+1, v, lo, hi)
		}
	}
	return nil
}

// First returns the first non-nil error, so that a command checks all its flags in one statement.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
