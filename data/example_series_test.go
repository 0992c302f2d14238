package data_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/data"
)

// Reading the shipped exchange-rate file (LSTNet text, gzipped) gives a [T, N] series.
func ExampleReadSeries() {
	s, err := data.ReadSeries("../datasets/exchange_rate.txt.gz", data.SeriesOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.T, s.N, s.At(0, 0), s.At(s.T-1, 7))
	_, err = data.ReadSeries("../datasets/exchange_rate.txt.gz", data.SeriesOptions{MaxValues: 1000})
	fmt.Println(err)
	// Output:
	// 7588 8 0.7855 0.690942
	// ../datasets/exchange_rate.txt.gz: line 126: more than 1000 values (the MaxValues budget)
}
