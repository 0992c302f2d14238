package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines bounds every function of the command line: it maps flags to the library, and a longer
// function is a pipeline that belongs in a library package (issue 22).
const maxFuncLines = 60

// maxLines bounds the command line's non-test lines in all (issue 22: flag handling only).
const maxLines = 2500

// TestCommandLineIsThin parses cmd/tidal's non-test files and refuses a function (or function literal)
// of more than maxFuncLines lines, naming it, and a command line of maxLines lines or more.
func TestCommandLineIsThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fs := token.NewFileSet()
	funcs, lines := 0, 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines += strings.Count(string(src), "\n")
		f, err := parser.ParseFile(fs, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			name := "a function literal"
			switch x := n.(type) {
			case *ast.FuncDecl:
				body, name = x.Body, x.Name.Name
			case *ast.FuncLit:
				body = x.Body
			}
			if body == nil {
				return true
			}
			funcs++
			start := fs.Position(n.Pos())
			if lines := fs.Position(body.Rbrace).Line - start.Line + 1; lines > maxFuncLines {
				t.Errorf("%s:%d: %s has %d lines, more than %d: move what it builds into a library package", path, start.Line, name, lines, maxFuncLines)
			}
			return true
		})
	}
	if lines >= maxLines {
		t.Errorf("cmd/tidal has %d non-test lines, at least %d: the command line maps flags to the library's jobs and nothing else", lines, maxLines)
	}
	if funcs < 50 {
		t.Fatalf("found %d functions in %d files: expected the whole command line", funcs, len(files))
	}
}
