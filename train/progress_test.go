package train

import (
	"bytes"
	"strings"
	"testing"
)

// Off a terminal, each stats line becomes one plain log line with the loss, rate, norm, speed, ETA and
// validation loss; printf lines pass through.
func TestPlainLogLines(t *testing.T) {
	var b bytes.Buffer
	l := newLogger(&b, 100)
	if l.bar != nil {
		t.Fatal("a progress bar on a buffer")
	}
	v := 0.25
	l.line(Stat{Step: 40, Loss: 0.5, LR: 1e-4, GradNorm: 2, StepsPerS: 2, ValLoss: &v})
	l.printf("warning: %s", "x")
	want := "step 40/100 loss 0.5 lr 0.0001 grad_norm 2 2 steps/s eta 30s val_loss 0.25\nwarning: x\n"
	if b.String() != want {
		t.Fatalf("log:\n%q\nwant\n%q", b.String(), want)
	}
	if strings.Contains(b.String(), "\r") {
		t.Error("carriage return in a plain log")
	}
	silent := newLogger(nil, 10)
	silent.line(Stat{Step: 1, StepsPerS: 1})
	silent.printf("nothing")
}
