// Package bench_test checks the layout the bench tree stands for: benches and paper comparisons live
// under bench/ and the command line, and nothing else imports them; internal/ holds no benchmark.
package bench_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tidal-forecast/tidal/"

// TestNoLibraryImportsABench walks the module's Go files (tests included) and refuses an import of
// bench/... from outside bench/ and cmd/, an import of internal/... by the non-test code of a library
// package, a Benchmark function or a *bench package under internal/, and a bench command under cmd/ (the
// `tidal bench` tree is bench/benchcli).
func TestNoLibraryImportsABench(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor" {
				return filepath.SkipDir
			}
			if strings.HasPrefix(rel, "internal"+string(filepath.Separator)) && strings.HasSuffix(d.Name(), "bench") {
				t.Errorf("%s: a bench package under internal/ (benches live in bench/)", rel)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		seen++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		if top == "cmd" && strings.HasPrefix(d.Name(), "bench") {
			t.Errorf("%s: a bench command under cmd/ (the tidal bench tree lives in bench/benchcli)", rel)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module+"bench/") && top != "bench" && top != "cmd" {
				t.Errorf("%s imports %s: library packages and their tests never import a bench", rel, p)
			}
			if strings.HasPrefix(p, module+"internal/") && !strings.HasSuffix(path, "_test.go") && top != "bench" && top != "cmd" && top != "internal" {
				t.Errorf("%s imports %s: library code never imports internal/ (test oracles live there)", rel, p)
			}
		}
		if top == "internal" && strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if strings.Contains(string(src), "\nfunc Benchmark") {
				t.Errorf("%s: a Benchmark function under internal/ (micro-benchmarks sit beside the code they time)", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 100 {
		t.Fatalf("walked %d Go files from %s: expected the whole module", seen, root)
	}
}
