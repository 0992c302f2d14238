//go:build unix

package train

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockRun takes an exclusive lock on dir/.lock, so that two processes never train the same run at
// once. The kernel drops it when the process dies, killed or not.
func lockRun(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("run %s is being trained by another process (%v)", dir, err)
	}
	return func() { f.Close() }, nil
}
