package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/forecast"
)

// CasesCount is the value of --cases: a number of cases, spread evenly over the data. A list (the
// start frames `tidal forecast --cases` took before) is refused with a pointer to --starts.
type CasesCount int

func (c *CasesCount) String() string { return strconv.Itoa(int(*c)) }
func (c *CasesCount) Type() string   { return "int" }

// Set parses a whole number of cases.
func (c *CasesCount) Set(s string) error {
	if strings.ContainsAny(s, ",[") {
		return fmt.Errorf("--cases is the number of cases; give the cases' start frames as --starts %s", strings.Trim(s, "[]"))
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("expected a whole number of cases (the start frames of the cases are --starts)")
	}
	*c = CasesCount(n)
	return nil
}

// AddCasesFlags registers --cases N (a count spread evenly, default def) and --starts (the cases'
// start frames, or rows of a series) on f: the same two flags, with the same meaning, in every command
// that makes cases.
func AddCasesFlags(f *pflag.FlagSet, count *int, starts *[]int, def int, what string) {
	*count = def
	f.Var((*CasesCount)(count), "cases", fmt.Sprintf("number of cases spread evenly over %s; --starts gives them by start frame", what))
	f.IntSliceVar(starts, "starts", nil, "start frames (series: rows) of the cases, e.g. 5,20,35, instead of --cases: each case observes the context frames before its start")
}

// StartCases are the cases with the given start frames of a series of `frames` frames, each checked to
// have its context before it and its lead within the series (in names the data in errors).
func StartCases(starts []int, frames, context, lead int, in string) (forecast.Cases, error) {
	for _, s := range starts {
		if s < context || s+lead > frames {
			return forecast.Cases{}, fmt.Errorf("--starts %d: a case needs %d context frames before its start and %d lead frames from it, within the %d frames of %s (starts %d to %d)",
				s, context, lead, frames, in, context, frames-lead)
		}
	}
	return forecast.Cases{Context: context, Lead: lead, Starts: append([]int(nil), starts...)}, nil
}
