package backend

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// PluginEnvVar names the environment variable that gives the CUDA PJRT plugin's absolute path.
const PluginEnvVar = "TIDAL_PJRT_PLUGIN"

// FindCUDAPlugin looks for a PJRT CUDA plugin, in order:
//  1. $TIDAL_PJRT_PLUGIN (an absolute path to the .so);
//  2. $GOMLX_BACKEND, when it is "xla:/absolute/path.so" (or "xla:cuda", which defers to 4);
//  3. site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so of every python3 on the PATH;
//  4. go-xla's default folders: ~/.local/lib/go-xla, /usr/local/lib/go-xla and their nvidia/ subfolders.
//
// It returns the first plugin found and the list of places searched. The error lists them all.
func FindCUDAPlugin() (plugin string, searched []string, err error) {
	try := func(place string, paths ...string) string {
		searched = append(searched, place)
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
		return ""
	}
	if p := os.Getenv(PluginEnvVar); p != "" {
		if !filepath.IsAbs(p) {
			return "", []string{PluginEnvVar + "=" + p}, fmt.Errorf("%s=%q: expected an absolute path to a PJRT plugin .so", PluginEnvVar, p)
		}
		if found := try(PluginEnvVar+"="+p, p); found != "" {
			return found, searched, nil
		}
		return "", searched, fmt.Errorf("%s=%q: no such file", PluginEnvVar, p)
	}
	if cfg := os.Getenv("GOMLX_BACKEND"); strings.HasPrefix(cfg, "xla:") {
		p := strings.SplitN(strings.TrimPrefix(cfg, "xla:"), ",", 2)[0]
		if filepath.IsAbs(p) {
			if found := try("GOMLX_BACKEND="+cfg, p); found != "" {
				return found, searched, nil
			}
		}
	}
	for _, sp := range pythonSitePackages() {
		matches, _ := filepath.Glob(filepath.Join(sp, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so"))
		sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest CUDA major first
		if found := try(filepath.Join(sp, "jax_plugins/xla_cuda*/xla_cuda_plugin.so"), matches...); found != "" {
			return found, searched, nil
		}
	}
	for _, dir := range goXLAFolders() {
		var matches []string
		for _, pat := range []string{"pjrt_c_api_cuda*_plugin.so", "pjrt-plugin-cuda*.so", "pjrt_plugin_cuda*.so", "pjrt_plugin_xla_cuda*.so"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			matches = append(matches, m...)
		}
		if found := try(dir, matches...); found != "" {
			return found, searched, nil
		}
	}
	return "", searched, fmt.Errorf("no PJRT CUDA plugin found; searched: %s. Install jax's CUDA plugin "+
		"(pip install jax[cuda13]) or set %s to the plugin's absolute path", strings.Join(searched, "; "), PluginEnvVar)
}

// pythonSitePackages lists the site-packages folders of every python3 interpreter on the PATH.
func pythonSitePackages() []string {
	seen := map[string]bool{}
	var out []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		cands, _ := filepath.Glob(filepath.Join(dir, "python3*"))
		for _, py := range cands {
			base := filepath.Base(py)
			if strings.Contains(base, "-") || strings.HasSuffix(base, "m") && base != "python3" {
				continue // python3-config and similar
			}
			real, err := filepath.EvalSymlinks(py)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			cmd := exec.Command(py, "-c", "import site,sys\nfor p in site.getsitepackages()+[site.getusersitepackages()]: print(p)")
			outb, err := cmd.Output()
			if err != nil {
				continue
			}
			for _, sp := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
				if sp != "" && !seen["sp:"+sp] {
					seen["sp:"+sp] = true
					out = append(out, sp)
				}
			}
		}
	}
	return out
}

func goXLAFolders() []string {
	var out []string
	if home, err := os.UserHomeDir(); err == nil {
		base := filepath.Join(home, ".local", "lib", "go-xla")
		out = append(out, base, filepath.Join(base, "nvidia"))
	}
	return append(out, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia")
}

// NVIDIALibraryDirs returns the lib folders of the NVIDIA Python packages that sit beside a plugin found
// in site-packages/jax_plugins/...: site-packages/nvidia/*/lib. The plugin needs them on the library path.
func NVIDIALibraryDirs(plugin string) []string {
	// plugin = <site-packages>/jax_plugins/xla_cudaNN/xla_cuda_plugin.so
	sp := filepath.Dir(filepath.Dir(filepath.Dir(plugin)))
	dirs, _ := filepath.Glob(filepath.Join(sp, "nvidia", "*", "lib"))
	sort.Strings(dirs)
	return dirs
}

// reexecMarker stops PrepareProcess from re-executing more than once.
const reexecMarker = "TIDAL_BACKEND_REEXEC"

// PrepareProcess readies the process for the named backend. For "cuda" it finds the plugin and, when
// LD_LIBRARY_PATH lacks the NVIDIA library folders beside it, re-executes the current program with them
// added (the dynamic loader reads LD_LIBRARY_PATH only at start-up), with GOPJRT_CUDA_CHECKS=0 unless
// set. Call it first thing in main; it returns normally when nothing needs doing.
func PrepareProcess(name string) error {
	if name != CUDA || !cgoEnabled || os.Getenv(reexecMarker) != "" {
		return nil
	}
	plugin, _, err := FindCUDAPlugin()
	if err != nil {
		return err
	}
	env, changed := cudaEnv(os.Environ(), plugin)
	if !changed {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot re-execute with the CUDA library path: %w", err)
	}
	return syscall.Exec(exe, os.Args, append(env, reexecMarker+"=1"))
}

// cudaEnv returns env with the plugin's NVIDIA library folders on LD_LIBRARY_PATH, the plugin path in
// TIDAL_PJRT_PLUGIN, and GOPJRT_CUDA_CHECKS=0 unless already set; changed says whether anything was added
// that requires a restart.
func cudaEnv(env []string, plugin string) (out []string, changed bool) {
	get := func(k string) (string, int) {
		for i, kv := range env {
			if strings.HasPrefix(kv, k+"=") {
				return kv[len(k)+1:], i
			}
		}
		return "", -1
	}
	set := func(k, v string) {
		if _, i := get(k); i >= 0 {
			env[i] = k + "=" + v
		} else {
			env = append(env, k+"="+v)
		}
	}
	env = append([]string(nil), env...)
	ld, _ := get("LD_LIBRARY_PATH")
	have := map[string]bool{}
	for _, d := range filepath.SplitList(ld) {
		have[d] = true
	}
	var add []string
	for _, d := range NVIDIALibraryDirs(plugin) {
		if !have[d] {
			add = append(add, d)
		}
	}
	if len(add) > 0 {
		parts := add
		if ld != "" {
			parts = append(parts, ld)
		}
		set("LD_LIBRARY_PATH", strings.Join(parts, string(filepath.ListSeparator)))
		changed = true
	}
	if _, i := get("GOPJRT_CUDA_CHECKS"); i < 0 {
		set("GOPJRT_CUDA_CHECKS", "0")
	}
	set(PluginEnvVar, plugin)
	return env, changed
}
