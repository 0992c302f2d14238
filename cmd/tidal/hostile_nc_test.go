package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
)

// ncHostileFixture writes NetCDF inputs that lie: huge.nc, a sparse 131 GB file whose header is true
// (8 000 000 records of a 64×64 float32 field), lying.nc, whose record count claims more than the file
// holds, cut.nc, cut inside its header, and two.nc, a good file with two data variables.
func ncHostileFixture(t *testing.T, dir string) map[string]string {
	t.Helper()
	p := func(n string) string { return filepath.Join(dir, n) }
	spec := &data.NCSpec{Version: 2, Dims: []data.NCDim{{Name: "time", Len: 2, Unlimited: true}, {Name: "y", Len: 64}, {Name: "x", Len: 64}},
		Vars: []data.NCVar{{Name: "f", Dims: []string{"time", "y", "x"}, Type: data.NCFloat}}}
	var b bytes.Buffer
	if err := data.EncodeNC(&b, spec, map[string]*data.Array{"f": data.FromFloat32(make([]float32, 2*64*64), 2, 64, 64)}); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	h, err := data.DecodeNCHeader(bytes.NewReader(good), int64(len(good)), "good")
	if err != nil {
		t.Fatal(err)
	}
	huge := append([]byte(nil), good[:h.HeaderBytes]...)
	binary.BigEndian.PutUint32(huge[4:], 8_000_000)
	f, err := os.Create(p("huge.nc"))
	if err != nil {
		t.Fatal(err)
	}
	f.Write(huge)
	if err := f.Truncate(h.HeaderBytes + 8_000_000*64*64*4); err != nil {
		t.Fatal(err)
	}
	f.Close()
	lying := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(lying[4:], 1000)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(p("lying.nc"), lying, 0o644))
	must(os.WriteFile(p("cut.nc"), good[:30], 0o644))
	spec.Vars = append(spec.Vars, data.NCVar{Name: "g", Dims: []string{"time", "y", "x"}, Type: data.NCFloat})
	two := map[string]*data.Array{"f": data.FromFloat32(make([]float32, 2*64*64), 2, 64, 64), "g": data.FromFloat32(make([]float32, 2*64*64), 2, 64, 64)}
	must(data.WriteNC(p("two.nc"), spec, two))
	return map[string]string{"huge.nc": p("huge.nc"), "lying.nc": p("lying.nc"), "cut.nc": p("cut.nc"), "two.nc": p("two.nc")}
}

// ncHostileCases are bad NetCDF inputs and output formats; want is what the message must name.
var ncHostileCases = []struct{ name, args, want string }{
	{"baseline 131 GB sparse NetCDF", "baseline --data $huge.nc --out $dir/f.npy", "--max-memory"},
	{"train dydiff 131 GB sparse NetCDF", "train dydiff --data $huge.nc --run $dir/run --context 2 --predict 3", "--max-memory"},
	{"score rollout 131 GB sparse NetCDF truth", "score rollout --forecast $roll.npy --obs $huge.nc", "--max-memory"},
	{"baseline NetCDF whose records are not there", "baseline --data $lying.nc --out $dir/f.npy", "lying.nc"},
	{"baseline NetCDF cut in its header", "baseline --data $cut.nc --out $dir/f.npy", "cut.nc"},
	{"baseline NetCDF of two variables without --var", "baseline --data $two.nc --out $dir/f.nc", "--var"},
	{"baseline --var that is not there", "baseline --data $two.nc --var h --out $dir/f.nc", "--var"},
	{"baseline --format xyz", "baseline --data $series.npy --out $dir/f.nc --format xyz", "--format \"xyz\": expected npy or nc"},
	{"baseline series to NetCDF", "baseline --data $ts.txt --out $dir/f.nc", "--out"},
	{"rollout NetCDF without --cases", "rollout --idm $idm8 --init $g8.npy --frames 2 --out $dir/r.nc", "--out"},
}

// TestHostileNetCDFInputs runs the NetCDF cases as TestHostileInputs runs its own: a child process under
// GOMEMLIMIT that must exit non-zero without a panic, name the input, stay within bounded memory and leave
// its folder as it was.
func TestHostileNetCDFInputs(t *testing.T) {
	for _, c := range ncHostileCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := hostileFixture(t, dir)
			for k, v := range ncHostileFixture(t, dir) {
				paths[k] = v
			}
			before := snapshot(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := tidalChild(ctx, dir, expand(c.args, paths)...)
			var out strings.Builder
			cmd.Stderr, cmd.Stdout = &out, &out
			err := cmd.Run()
			msg := out.String()
			if ctx.Err() != nil {
				t.Fatalf("still running after 30 s: %s", msg)
			}
			if err == nil || cmd.ProcessState.ExitCode() == 0 {
				t.Errorf("exit status 0, expected a refusal:\n%s", msg)
			}
			if strings.Contains(msg, "panic:") || !strings.Contains(msg, c.want) {
				t.Errorf("panicked or does not name %q:\n%s", c.want, msg)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > maxChildRSS {
				t.Errorf("peak RSS %d MiB, expected under %d MiB", ru.Maxrss/1024, maxChildRSS>>20)
			}
			after := snapshot(t, dir)
			for name, h := range after {
				if b, ok := before[name]; strings.Contains(name, atomicfile.TempSuffix) || !ok || b != h {
					t.Errorf("%s written, left or changed by a failed run", name)
				}
			}
		})
	}
}
