package main

import (
	"fmt"
	"strings"
)

// networkFlagError names the flag behind an error of the network's configuration (nets, dymodel), which
// speaks of its fields (Groups, Heads, levels): --groups, --heads, --temporal-*, --attn-levels, --mults or
// --channels, with its value, before the library's own words. what is the data the network is sized for.
func networkFlagError(what string, err error, fl trainDyDiffFlags) error {
	msg := err.Error()
	var flag string
	switch {
	case strings.Contains(msg, "group-norm groups"):
		flag = fmt.Sprintf("--groups %d (with --channels %d, --mults %v)", fl.groups, fl.channels, fl.mults)
	case strings.Contains(msg, "attention heads"):
		flag = fmt.Sprintf("--heads %d (with --channels %d, --mults %v)", fl.heads, fl.channels, fl.mults)
	case strings.Contains(msg, "TemporalConvLevels"):
		flag = fmt.Sprintf("--temporal-conv %v", fl.tconv)
	case strings.Contains(msg, "TemporalAttnLevels"):
		flag = fmt.Sprintf("--temporal-attn %v", fl.tattn)
	case strings.Contains(msg, "AttnLevels"):
		flag = fmt.Sprintf("--attn-levels %v", fl.attn)
	case strings.Contains(msg, "Mults") || strings.Contains(msg, "levels"):
		flag = fmt.Sprintf("--mults %v", fl.mults)
	case strings.Contains(msg, "Channels") || strings.Contains(msg, "channels"):
		flag = fmt.Sprintf("--channels %d", fl.channels)
	default:
		return fmt.Errorf("the network for %s: %w", what, err)
	}
	return fmt.Errorf("%s: the network for %s: %w", flag, what, err)
}
