package main

import (
	"github.com/tidal-forecast/tidal/forecast"
)

// channelNames are the variables a tidal NetCDF forecast's channels hold (forecast.ChannelNames), else nil.
func channelNames(in *inputArray, n int) []string {
	if in.src == nil || in.src.Kind != "nc" {
		return nil
	}
	return forecast.ChannelNames(in.path, n)
}
