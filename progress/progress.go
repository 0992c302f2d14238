// Package progress reports how far a long job has gone: a bar with the rate and the time left when
// the output is a terminal, plain log lines with the same figures otherwise, or nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Mode says what a Reporter writes when its output is not a terminal.
type Mode int

const (
	// BarOnly draws the bar on a terminal and writes nothing elsewhere.
	BarOnly Mode = iota
	// Lines draws the bar on a terminal and writes a log line every tenth of the job (and at most every
	// LineEvery) elsewhere, so that a job run under nohup or a scheduler still shows its ETA.
	Lines
)

// LineEvery is the longest time between two log lines in Lines mode.
const LineEvery = time.Minute

// Reporter follows a job of a known number of units. Its zero value reports nothing.
type Reporter struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	what  string
	unit  string
	total int
	start int
	t0    time.Time
	last  time.Time
	next  int
}

// New returns a Reporter for total units named unit (e.g. "frames") of the job what, written to w. It
// reports nothing when w is nil or total ≤ 0. start is the number of units already done (a resumed
// job), so the rate and ETA count only the work of this run.
func New(w io.Writer, mode Mode, total, start int, what, unit string) *Reporter {
	if w == nil || total <= 0 {
		return &Reporter{}
	}
	if isTerminal(w) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
		_ = bar.Set(start)
		return &Reporter{bar: bar}
	}
	if mode != Lines {
		return &Reporter{}
	}
	now := time.Now()
	return &Reporter{w: w, what: what, unit: unit, total: total, start: start, t0: now, last: now, next: start + tenth(total)}
}

func tenth(total int) int { return max(1, total/10) }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Set records that done units of the total are finished.
func (r *Reporter) Set(done int) {
	switch {
	case r.bar != nil:
		_ = r.bar.Set(done)
	case r.w != nil:
		now := time.Now()
		if done < r.next && now.Sub(r.last) < LineEvery && done < r.total {
			return
		}
		r.last, r.next = now, done+tenth(r.total)
		fmt.Fprintln(r.w, r.line(done, now.Sub(r.t0)))
	}
}

// line is the log line for done units after elapsed time in this run.
func (r *Reporter) line(done int, elapsed time.Duration) string {
	s := fmt.Sprintf("%s: %d/%d %s (%.0f%%)", r.what, done, r.total, r.unit, 100*float64(done)/float64(r.total))
	if n := done - r.start; n > 0 && elapsed > 0 {
		rate := float64(n) / elapsed.Seconds()
		left := time.Duration(float64(r.total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(", %.3g %s/s, %s left", rate, r.unit, left.Round(time.Second))
	}
	return s
}

// Finish completes the bar (and clears it). Log lines end with the last Set.
func (r *Reporter) Finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
}
