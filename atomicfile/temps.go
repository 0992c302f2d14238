package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// TempSuffix marks tidal's temporary files: ".NAME" + TempSuffix + PID.
const TempSuffix = ".tidal-tmp-"

// live holds the temporaries this process is writing; mu also orders creation, rename and removal
// against the signal handler, so that a signal never leaves a temporary it did not see.
var (
	mu    sync.Mutex
	live  = map[string]bool{}
	hooks = map[int]func(){}
	hookN int
)

// OnSignal registers fn to run when SIGINT or SIGTERM ends the process (after the temporaries are
// removed), for outputs that are not single temporaries, such as a run directory that no step reached
// yet. fn must not call this package. remove unregisters it.
func OnSignal(fn func()) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	hookN++
	id := hookN
	hooks[id] = fn
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(hooks, id)
	}
}

// TempName is the temporary path that process pid uses while writing path.
func TempName(path string, pid int) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+TempSuffix+strconv.Itoa(pid))
}

// openTemp creates this process's temporary for path and registers it. A file already under that name
// that this process does not own is a stale one from an earlier process with the same id: it is replaced.
func openTemp(path string) (*os.File, error) {
	name := TempName(path, os.Getpid())
	mu.Lock()
	defer mu.Unlock()
	if live[name] {
		return nil, errors.New("already being written by this process")
	}
	_ = os.Remove(name)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	live[name] = true
	return f, nil
}

// renameTemp moves a registered temporary to its final name.
func renameTemp(temp, final string) error {
	mu.Lock()
	defer mu.Unlock()
	return renameLocked(temp, final)
}

func renameLocked(temp, final string) error {
	if err := os.Rename(temp, final); err != nil {
		return err
	}
	delete(live, temp)
	return nil
}

// removeTemp deletes a registered temporary (a file, or a folder with its contents).
func removeTemp(temp string) {
	mu.Lock()
	defer mu.Unlock()
	_ = os.RemoveAll(temp)
	delete(live, temp)
}

// TempDir creates a scratch folder for this process beside path (named like a temporary of path) and
// registers it, so that SIGINT and SIGTERM remove it with its contents, as do a later run's Create or
// TempDir for the same path once this process is gone. Call remove when done with it.
func TempDir(path string) (dir string, remove func(), err error) {
	removeStale(path)
	name := TempName(path, os.Getpid())
	mu.Lock()
	defer mu.Unlock()
	if live[name] {
		return "", nil, fmt.Errorf("%s: already in use by this process", name)
	}
	_ = os.RemoveAll(name)
	if err := os.Mkdir(name, 0o700); err != nil {
		return "", nil, err
	}
	live[name] = true
	return name, func() { removeTemp(name) }, nil
}

// removeStale deletes the temporaries of path left by processes that no longer run.
func removeStale(path string) {
	prefix := "." + filepath.Base(path) + TempSuffix
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), prefix))
		if !strings.HasPrefix(e.Name(), prefix) || err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(filepath.Dir(path), e.Name()))
	}
}

// alive reports whether a process with this id exists (signal 0 probes without sending anything).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Live returns the temporaries this process is writing now.
func Live() []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for name := range live {
		out = append(out, name)
	}
	return out
}

// CleanupOnSignals makes SIGINT and SIGTERM remove every registered temporary and then exit the process
// with status 128 + the signal's number (130, 143), as a shell reports a process killed by it. Commands
// that write files call it once at start; stop restores the default handling.
func CleanupOnSignals() (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-c:
			mu.Lock() // held until exit: no temporary is created or renamed after this point
			for name := range live {
				_ = os.RemoveAll(name)
			}
			for _, fn := range hooks {
				fn()
			}
			code := 1
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			os.Stderr.WriteString("tidal: " + s.String() + ": removed unfinished outputs\n")
			os.Exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(c)
		close(done)
	}
}
