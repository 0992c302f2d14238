package benchenv

import "time"

// Alternate times a measured step against a reference in alternation, so that both see the same
// load: reference, step, reference, step, … until each has run at least minSteps times and minTime
// has passed. It returns the median time of each.
func Alternate(step, reference func() (time.Duration, error), minSteps int, minTime time.Duration) (stepMedian, refMedian time.Duration, err error) {
	var ts, tr []time.Duration
	start := time.Now()
	for len(ts) < minSteps || time.Since(start) < minTime {
		d, err := reference()
		if err != nil {
			return 0, 0, err
		}
		tr = append(tr, d)
		if d, err = step(); err != nil {
			return 0, 0, err
		}
		ts = append(ts, d)
	}
	return Median(ts), Median(tr), nil
}
