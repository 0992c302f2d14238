package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
)

func TestResolve(t *testing.T) {
	t.Setenv(EnvVar, "")
	if n, err := Resolve(""); err != nil || n != Go {
		t.Fatalf("default: %q %v", n, err)
	}
	t.Setenv(EnvVar, "CUDA")
	if n, err := Resolve(""); err != nil || n != CUDA {
		t.Fatalf("env: %q %v", n, err)
	}
	if n, err := Resolve("go"); err != nil || n != Go {
		t.Fatalf("flag beats env: %q %v", n, err)
	}
	if _, err := Resolve("tpu"); err == nil || !strings.Contains(err.Error(), "--backend") {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestGoBackendComputes(t *testing.T) {
	b, err := New(Go)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	out := MustExecOnce(b, func(x *Node) *Node { return ReduceAllSum(Mul(x, x)) }, []float32{1, 2, 3})
	if got := out.Value().(float32); got != 14 {
		t.Fatalf("sum of squares = %v, want 14", got)
	}
}

func TestFindCUDAPluginFromEnv(t *testing.T) {
	dir := t.TempDir()
	sp := filepath.Join(dir, "site-packages")
	plugin := filepath.Join(sp, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	for _, d := range []string{filepath.Dir(plugin), filepath.Join(sp, "nvidia", "cublas", "lib"), filepath.Join(sp, "nvidia", "cudnn", "lib")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(plugin, []byte("not really a plugin"), 0o644)

	t.Setenv(PluginEnvVar, plugin)
	got, _, err := FindCUDAPlugin()
	if err != nil || got != plugin {
		t.Fatalf("got %q %v", got, err)
	}
	t.Setenv(PluginEnvVar, filepath.Join(dir, "missing.so"))
	if _, _, err := FindCUDAPlugin(); err == nil || !strings.Contains(err.Error(), "missing.so") {
		t.Fatalf("missing plugin: %v", err)
	}
	t.Setenv(PluginEnvVar, "")
	t.Setenv("GOMLX_BACKEND", "xla:"+plugin+",tf32=false")
	if got, _, err := FindCUDAPlugin(); err != nil || got != plugin {
		t.Fatalf("GOMLX_BACKEND: %q %v", got, err)
	}

	libs := NVIDIALibraryDirs(plugin)
	if len(libs) != 2 || !strings.HasSuffix(libs[0], "nvidia/cublas/lib") {
		t.Fatalf("library dirs: %v", libs)
	}
	env, changed := cudaEnv([]string{"LD_LIBRARY_PATH=/opt/x", "HOME=/root"}, plugin)
	joined := strings.Join(env, "\n")
	if !changed || !strings.Contains(joined, "LD_LIBRARY_PATH="+libs[0]+":"+libs[1]+":/opt/x") ||
		!strings.Contains(joined, "GOPJRT_CUDA_CHECKS=0") {
		t.Fatalf("env: %v", env)
	}
	if _, changed := cudaEnv(env, plugin); changed {
		t.Fatal("a second pass should find nothing to add (no re-exec loop)")
	}
}

func TestFindCUDAPluginListsPlaces(t *testing.T) {
	t.Setenv(PluginEnvVar, "")
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, searched, err := FindCUDAPlugin()
	if err == nil {
		t.Skip("this machine has a CUDA plugin installed in go-xla's default folders")
	}
	for _, s := range searched {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not name searched place %q", s)
		}
	}
	if !strings.Contains(err.Error(), "/usr/local/lib/go-xla") {
		t.Errorf("error should list go-xla's default folders: %v", err)
	}
}

// TestGoConfig checks that the Go backend accepts tidal's configuration for several thread counts
// and computes with it, and that the number of executors stays within the worker pool.
func TestGoConfig(t *testing.T) {
	for _, n := range []int{0, 1, 2, 16} {
		cfg := GoConfig(n)
		want := min(max(n, 1), 8)
		if !strings.HasSuffix(cfg, fmt.Sprintf("num_executors=%d", want)) {
			t.Errorf("GoConfig(%d) = %q, want %d executors", n, cfg, want)
		}
		be, err := compute.NewWithConfig(cfg)
		if err != nil {
			t.Fatalf("GoConfig(%d) = %q: %v", n, cfg, err)
		}
		got := MustExecOnce(be, func(x *Node) *Node { return MatMul(x, x) }, [][]float32{{1, 2}, {3, 4}})
		if v := got.Value().([][]float32); v[0][0] != 7 || v[1][1] != 22 {
			t.Errorf("GoConfig(%d): [[1 2] [3 4]]² = %v", n, v)
		}
		be.Finalize()
	}
}
