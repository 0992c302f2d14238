package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// logger shows progress: a progress bar with the loss, steps/s and the ETA when the log is a terminal,
// else one plain line per stats line.
type logger struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
	t0    time.Time
}

func newLogger(w io.Writer, total int) *logger {
	l := &logger{w: w, total: total, t0: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		l.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return l
}

func (l *logger) printf(format string, args ...any) {
	if l.w == nil {
		return
	}
	if l.bar != nil {
		_ = l.bar.Clear()
	}
	fmt.Fprintf(l.w, format+"\n", args...)
}

// step advances the bar to step s.
func (l *logger) step(s int, loss float64) {
	if l.bar != nil {
		l.bar.Describe(fmt.Sprintf("loss %.4g", loss))
		_ = l.bar.Set(s)
	}
}

// line reports a stats line (as plain text when there is no bar).
func (l *logger) line(st Stat) {
	if l.w == nil || l.bar != nil {
		return
	}
	eta := time.Duration(float64(l.total-st.Step)/st.StepsPerS) * time.Second
	msg := fmt.Sprintf("step %d/%d loss %.5g lr %.3g grad_norm %.3g %.3g steps/s eta %s", st.Step, l.total, st.Loss, st.LR, st.GradNorm, st.StepsPerS, eta.Round(time.Second))
	if st.ValLoss != nil {
		msg += fmt.Sprintf(" val_loss %.5g", *st.ValLoss)
	}
	fmt.Fprintln(l.w, msg)
}

func (l *logger) done() {
	if l.bar != nil {
		_ = l.bar.Finish()
	}
}
