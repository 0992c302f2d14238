package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// dataIsSeries decides, before any other flag is judged, whether the file given to --flag holds a time
// series [T, N] (text: LSTNet, CSV, GluonTS JSON lines, gzipped or not) or an array (NPY or NPZ). The
// kind comes from the file's content (NPY's magic string, a zip's), never from its name. A missing path,
// a folder, a device or a pipe is refused naming the flag, as is --input-format with an array (it names
// the format of a series file) and an unknown --input-format. An empty path is left to the command's own message.
func dataIsSeries(flag, path, format string) (bool, error) {
	if path == "" {
		return format != "", nil
	}
	f, _, err := guard.OpenFile(path, "an NPY, NPZ or NetCDF array, or a time series file")
	if err != nil {
		return false, fmt.Errorf("--%s: %w", flag, err)
	}
	defer f.Close()
	head := make([]byte, 6)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	head = head[:n]
	array := bytes.HasPrefix(head, []byte("\x93NUMPY")) || bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) || data.IsNetCDF(head)
	switch {
	case array && format != "" && format != "auto":
		return false, fmt.Errorf("--input-format %s: --%s %s holds an array (NPY, NPZ or NetCDF, by its content); --input-format names the format of a time series file", format, flag, path)
	case array:
		return false, nil
	}
	if _, err := data.ParseFormat(cmp.Or(format, "auto")); err != nil {
		return false, fmt.Errorf("--input-format: %w", err)
	}
	return true, nil
}

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

// dataError prefixes err with --data PATH unless it names --data already.
func dataError(path string, err error) error {
	if strings.HasPrefix(err.Error(), "--data") {
		return err
	}
	return fmt.Errorf("--data %s: %w", path, err)
}
