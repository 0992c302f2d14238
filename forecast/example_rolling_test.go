package forecast_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/forecast"
)

// The exchange-rate protocol's windows, and the same protocol read from the end of a GluonTS test split.
func ExampleRolling() {
	r := forecast.ExchangeRateNIPS
	fmt.Println(r.Starts())
	c, _ := r.Cases(7588, 30)
	fmt.Println(c.Context, c.Lead)
	e, _ := forecast.EndRolling(6221, 5, 30)
	fmt.Println(e == r)
	// Output:
	// [6071 6101 6131 6161 6191]
	// 30 30
	// true
}
