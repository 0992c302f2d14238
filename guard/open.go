package guard

import (
	"fmt"
	"os"
	"syscall"
)

// OpenFile opens path for reading, refusing a folder, a device, a pipe or a socket before reading a
// byte of it: the file is opened without blocking (a named pipe with no writer would block a plain open
// forever) and its type is taken from the open file itself. kind names the format expected, e.g. "an
// NPY file"; the error names path, and the caller adds its flag. It returns the file and its size.
func OpenFile(path, kind string) (*os.File, int64, error) {
	if path == "" {
		return nil, 0, fmt.Errorf("no file given, expected %s", kind)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	case st.IsDir():
		f.Close()
		return nil, 0, fmt.Errorf("%s is a folder, expected %s", path, kind)
	case !st.Mode().IsRegular():
		f.Close()
		return nil, 0, fmt.Errorf("%s is not a regular file (%s), expected %s", path, FileKind(st.Mode()), kind)
	}
	return f, st.Size(), nil
}

// FileKind names a file type in words: "a named pipe", "a character device", ...
func FileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
