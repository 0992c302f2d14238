package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to spawn:", err)
	}
	return cmd.Process.Pid
}

func TestCreateRemovesStaleTemporariesOfDeadProcessesOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	stale := TempName(p, deadPID(t))
	mine := TempName(filepath.Join(dir, "other.npy"), deadPID(t)) // another output's: not touched
	parent := TempName(p, os.Getppid())                           // a live process's: not touched
	for _, n := range []string{stale, mine, parent} {
		if err := os.WriteFile(n, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.TempPath(), TempName(p, os.Getpid()); got != want {
		t.Errorf("temporary %q, expected the deterministic %q", got, want)
	}
	defer f.Abort()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary of a dead process kept: %v", err)
	}
	for _, n := range []string{mine, parent} {
		if _, err := os.Stat(n); err != nil {
			t.Errorf("%s removed, though it is not a stale temporary of %s: %v", n, p, err)
		}
	}
}

func TestLiveTracksTemporariesUntilCommitOrAbort(t *testing.T) {
	dir := t.TempDir()
	a, _ := Create(filepath.Join(dir, "a"))
	b, _ := Create(filepath.Join(dir, "b"))
	if n := len(Live()); n != 2 {
		t.Fatalf("%d live temporaries, expected 2", n)
	}
	if _, err := Create(filepath.Join(dir, "a")); err == nil {
		t.Error("a second writer of the same output in one process was allowed")
	}
	a.Commit()
	b.Abort()
	if n := len(Live()); n != 0 {
		t.Fatalf("%d live temporaries after Commit and Abort, expected 0", n)
	}
}

// A scratch folder is registered like a temporary file: it is live until removed, removed with its
// contents, and a dead process's stale one goes when the next one for the same path is made.
func TestTempDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "bench")
	stale := TempName(base, deadPID(t))
	if err := os.MkdirAll(filepath.Join(stale, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	dir, remove, err := TempDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale scratch folder of a dead process kept: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r0.npy"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if live := Live(); len(live) != 1 || live[0] != dir {
		t.Errorf("live temporaries %v, expected [%s]", live, dir)
	}
	if _, _, err := TempDir(base); err == nil {
		t.Error("a second scratch folder for the same path in one process was allowed")
	}
	remove()
	if _, err := os.Stat(dir); !os.IsNotExist(err) || len(Live()) != 0 {
		t.Errorf("scratch folder left after remove: %v, live %v", err, Live())
	}
}

// TestSignalRemovesTemporaries re-runs this test binary as a child that opens a temporary file and a
// scratch folder with a file in it, and waits; SIGTERM must remove both and exit with 143.
func TestSignalRemovesTemporaries(t *testing.T) {
	if out := os.Getenv("ATOMICFILE_SIGNAL_CHILD"); out != "" {
		CleanupOnSignals()
		f, err := Create(out)
		if err != nil {
			os.Exit(3)
		}
		f.WriteString("partial")
		f.Flush()
		dir, _, err := TempDir(out + ".scratch")
		if err != nil || os.WriteFile(filepath.Join(dir, "part"), []byte("x"), 0o600) != nil {
			os.Exit(5)
		}
		time.Sleep(time.Minute)
		os.Exit(4)
	}
	out := filepath.Join(t.TempDir(), "big.npy")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalRemovesTemporaries$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_SIGNAL_CHILD="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	temp := filepath.Join(TempName(out+".scratch", cmd.Process.Pid), "part") // made after the file's
	for i := 0; ; i++ {
		if _, err := os.Stat(temp); err == nil {
			break
		}
		if i > 500 {
			cmd.Process.Kill()
			t.Fatal("the child never created its temporary")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("exit status %d (%v), expected 143", code, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if strings.Contains(e.Name(), TempSuffix) || e.Name() == "big.npy" {
			t.Errorf("%s left after SIGTERM", e.Name())
		}
	}
}
