package forecast

import "fmt"

// StampOptions say where the time stamps of a series' rows come from (RowStamps; docs/SERIES.md).
type StampOptions struct {
	// Start is the time of row 0 (YYYY-MM-DD[ hh:mm:ss]) and Freq the time step as a pandas alias
	// (ParseFrequency); either may be empty.
	Start, Freq string
	// Times are the file's own time stamps, one per row when it has them (a CSV's time column);
	// FileStart is the file's start (a GluonTS start); Rows is the number of rows.
	Times     []string
	FileStart string
	Rows      int
	// StartName, FreqName and FileName name Start, Freq and the file's start in errors (a command
	// line's flags: "--start", "--freq", "the start of --data FILE").
	StartName, FreqName, FileName string
}

// RowStamps gives the time stamp of a row: Start (else the file's start: FileStart, else its first
// time) advanced by Freq; without Start or Freq, the file's own time of the row when it has one per
// row. It returns nil when no time is known. A Start without Freq is refused, as are values that do not
// parse, by their names.
func RowStamps(o StampOptions) (func(row int) string, error) {
	var fr Frequency
	if o.Freq != "" {
		var err error
		if fr, err = ParseFrequency(o.Freq); err != nil {
			return nil, fmt.Errorf("%s: %w", o.FreqName, err)
		}
	}
	if o.Start == "" && o.Freq == "" && len(o.Times) == o.Rows {
		times := o.Times
		return func(row int) string {
			if row < len(times) {
				return times[row]
			}
			return ""
		}, nil
	}
	from, name := o.Start, o.StartName
	if from == "" {
		from, name = o.FileStart, o.FileName
		if from == "" && len(o.Times) > 0 {
			from = o.Times[0]
		}
	}
	if o.Start != "" && o.Freq == "" {
		return nil, fmt.Errorf("%s %s needs %s, the time step", o.StartName, o.Start, o.FreqName)
	}
	if from == "" || o.Freq == "" {
		return nil, nil
	}
	t0, err := ParseTime(from)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return func(row int) string { return FormatTime(fr.Add(t0, row)) }, nil
}
