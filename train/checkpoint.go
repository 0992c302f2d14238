package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// tidal writes its own checkpoint format rather than GoMLX's ml/model/checkpoint, whose writes are
// neither atomic nor flushed, which swallows write errors and cannot fall back to an older checkpoint
// (docs/TRAINING.md): a checkpoint is a directory
//
//	step-00001200/
//	  manifest.json   format, kind, step, loop state, and per tensor: name, dtype, shape, byte offset and size
//	  tensors.bin     the tensors' raw little-endian bytes, back to back
//	  SHA256SUMS      SHA-256 of the two files above, in sha256sum's format (`sha256sum -c SHA256SUMS`)
//
// written under a temporary name, every file and the directory fsynced, then renamed into place.

const (
	checkpointFormat = "tidal-checkpoint/1"
	manifestName     = "manifest.json"
	tensorsName      = "tensors.bin"
	sumsName         = "SHA256SUMS"
	// maxTensorBytes bounds what a manifest may claim, checked before allocating.
	maxTensorBytes = 1 << 34
)

// entry describes one tensor of a checkpoint.
type entry struct {
	Name      string `json:"name"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Offset    int64  `json:"offset"`
	Bytes     int64  `json:"bytes"`
	Trainable bool   `json:"trainable,omitempty"`
}

// manifest is manifest.json.
type manifest struct {
	Format  string          `json:"format"`
	Kind    string          `json:"kind"`
	Step    int             `json:"step"`
	State   json.RawMessage `json:"state,omitempty"`
	Tensors []entry         `json:"tensors,omitempty"`
}

// encode writes the manifest as JSON with one line per tensor, for people reading it.
func (m *manifest) encode() ([]byte, error) {
	head := *m
	head.Tensors = nil
	hb, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(bytes.TrimSuffix(hb, []byte("\n}")))
	b.WriteString(",\n  \"tensors\": [")
	for i, e := range m.Tensors {
		eb, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(eb)
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes(), nil
}

// named is a tensor with its variable path.
type named struct {
	Name      string
	Trainable bool
	T         *tensors.Tensor
}

// stepDir is the directory name of step s.
func stepDir(s int) string { return fmt.Sprintf("step-%08d", s) }

// writeCheckpoint writes tensors and state as parent/step-NNNNNNNN atomically. An existing directory
// of that step (a damaged one left by a crash) is replaced.
func writeCheckpoint(parent, kind string, step int, state any, ts []named) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	final := filepath.Join(parent, stepDir(step))
	tmp, err := os.MkdirTemp(parent, ".tmp-"+stepDir(step)+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // Nothing left after a successful rename.
	m := manifest{Format: checkpointFormat, Kind: kind, Step: step}
	if state != nil {
		if m.State, err = json.Marshal(state); err != nil {
			return "", err
		}
	}
	binSum, err := writeTensors(filepath.Join(tmp, tensorsName), ts, &m)
	if err != nil {
		return "", err
	}
	mb, err := m.encode()
	if err != nil {
		return "", err
	}
	if err := writeSynced(filepath.Join(tmp, manifestName), mb); err != nil {
		return "", err
	}
	ms := sha256.Sum256(mb)
	sums := fmt.Sprintf("%s  %s\n%s  %s\n", hex.EncodeToString(ms[:]), manifestName, binSum, tensorsName)
	if err := writeSynced(filepath.Join(tmp, sumsName), []byte(sums)); err != nil {
		return "", err
	}
	if err := syncDir(tmp); err != nil {
		return "", err
	}
	if _, err := os.Stat(final); err == nil {
		old := filepath.Join(parent, ".old-"+stepDir(step))
		_ = os.RemoveAll(old)
		if err := os.Rename(final, old); err != nil {
			return "", err
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	return final, syncDir(parent)
}

// writeTensors writes the raw bytes of ts to path (fsynced), fills m.Tensors and returns the hex SHA-256.
func writeTensors(path string, ts []named, m *manifest) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	var off int64
	for _, t := range ts {
		var werr error
		if err := t.T.ConstBytes(func(b []byte) { _, werr = w.Write(b) }); err != nil {
			return "", fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if werr != nil {
			return "", werr
		}
		sh := t.T.Shape()
		n := int64(sh.ByteSize())
		m.Tensors = append(m.Tensors, entry{Name: t.Name, DType: sh.DType.String(), Shape: append([]int{}, sh.Dimensions...),
			Offset: off, Bytes: n, Trainable: t.Trainable})
		off += n
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readCheckpoint verifies dir against its SHA256SUMS and returns its manifest and tensors. Any
// mismatch (a truncated or altered file, a missing one, a manifest that does not describe the bytes)
// is an error naming the file.
func readCheckpoint(dir string) (*manifest, []named, error) {
	sums, err := os.ReadFile(filepath.Join(dir, sumsName))
	if err != nil {
		return nil, nil, err
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			return nil, nil, fmt.Errorf("%s: malformed line %q", filepath.Join(dir, sumsName), line)
		}
		want[name] = sum
	}
	files := map[string][]byte{}
	for _, name := range []string{manifestName, tensorsName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want[name] {
			return nil, nil, fmt.Errorf("%s: SHA-256 does not match %s (damaged or truncated)", filepath.Join(dir, name), sumsName)
		}
		files[name] = b
	}
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(files[manifestName]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, manifestName), err)
	}
	if m.Format != checkpointFormat {
		return nil, nil, fmt.Errorf("%s: format %q, expected %q", filepath.Join(dir, manifestName), m.Format, checkpointFormat)
	}
	ts, err := decodeTensors(files[tensorsName], m.Tensors)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &m, ts, nil
}

// decodeTensors rebuilds the tensors described by es from bin, checking that they tile it exactly.
func decodeTensors(bin []byte, es []entry) ([]named, error) {
	var off int64
	out := make([]named, 0, len(es))
	for _, e := range es {
		dt, err := dtypes.DTypeString(e.DType)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: dtype %q: %w", e.Name, e.DType, err)
		}
		// The manifest is data: dimensions are checked before a shape is made of them (shapes.Make panics
		// on a negative one, and their product may overflow).
		elems := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && elems > maxTensorBytes/int64(d)) {
				return nil, fmt.Errorf("tensor %q: shape %v: expected dimensions ≥ 0 of at most %d bytes in all", e.Name, e.Shape, maxTensorBytes)
			}
			elems *= int64(d)
		}
		sh := shapes.Make(dt, e.Shape...)
		n := sh.ByteSize()
		if e.Offset != off || e.Bytes != int64(n) || n > maxTensorBytes || off+int64(n) > int64(len(bin)) {
			return nil, fmt.Errorf("tensor %q: %d bytes at %d for shape %s, in %d bytes of %s", e.Name, e.Bytes, e.Offset, sh, len(bin), tensorsName)
		}
		t := tensors.FromShape(sh)
		if err := t.MutableBytes(func(b []byte) { copy(b, bin[off:off+int64(n)]) }); err != nil {
			return nil, err
		}
		out = append(out, named{Name: e.Name, Trainable: e.Trainable, T: t})
		off += int64(n)
	}
	if off != int64(len(bin)) {
		return nil, fmt.Errorf("%s holds %d bytes, the manifest describes %d", tensorsName, len(bin), off)
	}
	return out, nil
}

// listSteps returns the steps of parent's step-* directories, newest first.
func listSteps(parent string) ([]int, error) {
	des, err := os.ReadDir(parent)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, d := range des {
		if s, ok := strings.CutPrefix(d.Name(), "step-"); ok && d.IsDir() {
			if n, err := strconv.Atoi(s); err == nil {
				steps = append(steps, n)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(steps)))
	return steps, nil
}

// latestGood returns the newest checkpoint of parent that verifies, and warns (to warn) about each
// newer one that does not. It returns a nil manifest when there is none.
func latestGood(parent string, warn func(string, ...any)) (*manifest, []named, error) {
	steps, err := listSteps(parent)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range steps {
		dir := filepath.Join(parent, stepDir(s))
		m, ts, err := readCheckpoint(dir)
		if err == nil && m.Step != s {
			err = fmt.Errorf("%s: manifest says step %d", dir, m.Step)
		}
		if err != nil {
			warn("warning: skipping damaged checkpoint %s: %v", dir, err)
			continue
		}
		return m, ts, nil
	}
	return nil, nil, nil
}

// prune removes all but the newest keep step directories of parent (keep 0: none removed).
func prune(parent string, keep int) error {
	if keep <= 0 {
		return nil
	}
	steps, err := listSteps(parent)
	if err != nil {
		return err
	}
	for i, s := range steps {
		if i >= keep {
			if err := os.RemoveAll(filepath.Join(parent, stepDir(s))); err != nil {
				return err
			}
		}
	}
	return nil
}
