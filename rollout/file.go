package rollout

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidal-forecast/tidal/data"
)

// PartialPath is where a rollout to path writes its frames until the last one is made: an NPY file
// whose header already holds the final shape, followed by the frames made so far (and possibly part of
// one more, after a crash). Its name never ends in .npy, so that nothing mistakes it for a result.
func PartialPath(path string) string { return path + ".partial" }

// ProgressPath is the progress marker of a rollout to path: a JSON file naming the configuration and
// the number of frames of PartialPath(path) that are complete and synced to disk.
func ProgressPath(path string) string { return path + ".progress.json" }

// marker is the content of the progress marker.
type marker struct {
	Shape    []int  `json:"shape"`
	History  int    `json:"history"`
	Window   int    `json:"window"`
	Initial  string `json:"initial_sha256"`
	Identity string `json:"identity"`
	// Done frames of the partial file are complete and synced.
	Done int `json:"frames_done"`
}

// newMarker describes c with done frames made.
func newMarker(c Config, done int) marker {
	sum := sha256.New()
	b := make([]byte, 0, 4*len(c.Initial))
	for _, x := range c.Initial {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	sum.Write(b)
	return marker{Shape: c.shape(), History: c.History, Window: c.Window, Initial: hex.EncodeToString(sum.Sum(nil)), Identity: c.Identity, Done: done}
}

// differs names the first setting in which a stored marker m disagrees with the run's want, or "".
func (m marker) differs(want marker) string {
	switch {
	case !slices.Equal(m.Shape, want.Shape):
		return fmt.Sprintf("output shape %v, not %v", m.Shape, want.Shape)
	case m.History != want.History:
		return fmt.Sprintf("History %d, not %d", m.History, want.History)
	case m.Window != want.Window:
		return fmt.Sprintf("Window %d, not %d", m.Window, want.Window)
	case m.Initial != want.Initial:
		return "other initial frames"
	case m.Identity != want.Identity:
		return fmt.Sprintf("identity %q, not %q", m.Identity, want.Identity)
	}
	return ""
}

// writeMarker replaces the marker of c atomically: a synced temporary file renamed over the old one.
func writeMarker(c Config, done int) error {
	b, err := json.MarshalIndent(newMarker(c, done), "", "  ")
	if err != nil {
		return err
	}
	p := ProgressPath(c.Path)
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return fmt.Errorf("rollout: progress marker %s: %w", p, err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("rollout: progress marker %s: %w", p, err)
	}
	return nil
}

// partial is the partial file being written.
type partial struct {
	f      *os.File
	w      *bufio.Writer
	header int64  // bytes before the first frame
	done   int    // frames written (buffered or not)
	enc    []byte // reused encoding buffer
	c      Config
}

// frameBytes is the size of one ensemble frame on disk.
func (c Config) frameBytes() int64 { return 4 * int64(c.frameLen()) }

// openPartial opens the partial file of c: a new one, or the one an interrupted run of the same
// configuration left, cut back to the frames its marker records.
func openPartial(c Config) (*partial, error) {
	pp, mp := PartialPath(c.Path), ProgressPath(c.Path)
	if dir := filepath.Dir(c.Path); !isDir(dir) {
		return nil, fmt.Errorf("rollout: output %s: folder %s does not exist", c.Path, dir)
	}
	mb, err := os.ReadFile(mp)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(pp); err == nil {
			return nil, fmt.Errorf("rollout: %s exists without its progress marker %s; remove it to start again", pp, mp)
		}
		return createPartial(c)
	case err != nil:
		return nil, fmt.Errorf("rollout: progress marker %s: %w", mp, err)
	}
	var m marker
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("rollout: progress marker %s is not valid JSON (%v); remove it and %s to start again", mp, err, pp)
	}
	if d := m.differs(newMarker(c, 0)); d != "" {
		return nil, fmt.Errorf("rollout: %s was written by a rollout with %s; remove it and %s, or choose another path", mp, d, pp)
	}
	if m.Done < 0 || m.Done > c.Frames || (m.Done%c.Window != 0 && m.Done != c.Frames) {
		return nil, fmt.Errorf("rollout: progress marker %s records %d frames done, expected a multiple of Window %d in [0, %d]", mp, m.Done, c.Window, c.Frames)
	}
	if _, err := os.Stat(pp); errors.Is(err, os.ErrNotExist) && m.Done == 0 {
		return createPartial(c)
	}
	return resumePartial(c, m.Done)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// createPartial writes the marker (no frames done), then a partial file holding the header alone.
func createPartial(c Config) (*partial, error) {
	if err := writeMarker(c, 0); err != nil {
		return nil, err
	}
	pp := PartialPath(c.Path)
	f, err := os.OpenFile(pp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rollout: %w", err)
	}
	h := data.NPYHeader(data.Float32, c.shape())
	if _, err := f.Write(h); err != nil {
		f.Close()
		return nil, fmt.Errorf("rollout: %s: %w", pp, err)
	}
	return &partial{f: f, w: bufio.NewWriterSize(f, 1<<20), header: int64(len(h)), c: c}, nil
}

// resumePartial opens the partial file, checks its header, and cuts it after done frames.
func resumePartial(c Config, done int) (*partial, error) {
	pp := PartialPath(c.Path)
	info, err := data.ReadNPYHeader(pp)
	if err != nil {
		return nil, fmt.Errorf("rollout: resuming: %w", err)
	}
	if info.DType != data.Float32 || !slices.Equal(info.Shape, c.shape()) {
		return nil, fmt.Errorf("rollout: %s holds %s %v, expected float32 %v; remove it to start again", pp, info.DType, info.Shape, c.shape())
	}
	f, err := os.OpenFile(pp, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("rollout: %w", err)
	}
	end := int64(info.HeaderBytes) + int64(done)*c.frameBytes()
	st, err := f.Stat()
	if err == nil && st.Size() < end {
		err = fmt.Errorf("holds %d bytes, fewer than the %d frames its marker records (%d bytes); remove it and %s to start again",
			st.Size(), done, end, ProgressPath(c.Path))
	}
	if err == nil {
		err = f.Truncate(end)
	}
	if err == nil {
		_, err = f.Seek(end, 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("rollout: %s: %w", pp, err)
	}
	return &partial{f: f, w: bufio.NewWriterSize(f, 1<<20), header: int64(info.HeaderBytes), done: done, c: c}, nil
}

// history returns the last k frames before frame p.done: the initial frames, followed by those read
// back from the file.
func (p *partial) history(c Config) (*history, error) {
	k, n := c.History, c.frameLen()
	from := max(0, p.done-k) // first frame read back from the file
	flat := make([]float32, 0, k*n)
	flat = append(flat, c.Initial[(p.done-from)*n:]...)
	b := make([]byte, int64(p.done-from)*c.frameBytes())
	if _, err := p.f.ReadAt(b, p.header+int64(from)*c.frameBytes()); err != nil {
		return nil, fmt.Errorf("rollout: reading frames %d to %d back from %s: %w", from, p.done-1, PartialPath(c.Path), err)
	}
	for i := 0; i < len(b); i += 4 {
		flat = append(flat, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return newHistory(flat, k, n), nil
}

// write appends frames to the file, little-endian float32.
func (p *partial) write(v []float32) error {
	p.enc = p.enc[:0]
	for _, x := range v {
		p.enc = binary.LittleEndian.AppendUint32(p.enc, math.Float32bits(x))
	}
	if _, err := p.w.Write(p.enc); err != nil {
		return fmt.Errorf("rollout: writing frame %d to %s: %w", p.done, PartialPath(p.c.Path), err)
	}
	return nil
}

// checkpoint syncs the frames written so far and records them in the marker.
func (p *partial) checkpoint(c Config) error {
	err := p.w.Flush()
	if err == nil {
		err = p.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("rollout: syncing %s: %w", PartialPath(c.Path), err)
	}
	return writeMarker(c, p.done)
}

// stop checkpoints after an error, so that a new run resumes from the frames already made, and returns
// the error (joined with the checkpoint's own, if it failed too).
func (p *partial) stop(c Config, cause error) error {
	return errors.Join(cause, p.checkpoint(c))
}

// commit syncs the complete file, renames it to its final path and removes the marker.
func (p *partial) commit(c Config) error {
	err := p.checkpoint(c)
	if err == nil {
		err = p.f.Close()
		p.f = nil
	}
	if err == nil {
		err = os.Rename(PartialPath(c.Path), c.Path)
	}
	if err == nil {
		err = os.Remove(ProgressPath(c.Path))
	}
	if err != nil {
		return fmt.Errorf("rollout: finishing %s: %w", c.Path, err)
	}
	return nil
}

// close releases the file (after an error; commit closes it otherwise).
func (p *partial) close() {
	if p.f != nil {
		_ = p.f.Close()
	}
}
