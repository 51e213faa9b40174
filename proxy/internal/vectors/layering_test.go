package vectors_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/maintenance-gate/maintenance-gate/proxy/internal/"

// base may be imported by every package, as gate/'s base modules (config, telemetry) are.
var base = []string{"pyjson", "config", "telemetry"}

// mayImport mirrors docs/architecture.md: each capability imports only those below it.
// Packages not named here (the proxy's runtimeapi, its cmd) may import any of them.
var mayImport = map[string][]string{
	"pyjson":    {},
	"config":    {"pyjson"},
	"telemetry": {"pyjson"},
	"window":    base,
	"callers":   append([]string{"window"}, base...),
	"deferral":  append([]string{"window", "callers"}, base...),
	"vectors":   {},
}

func TestEachPackageImportsOnlyTheOnesBelowIt(t *testing.T) {
	root := filepath.Join("..")
	for pkg, allowed := range mayImport {
		files, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", pkg, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			for _, imported := range importsOf(t, file) {
				if !strings.HasPrefix(imported, module) {
					continue
				}
				name := strings.TrimPrefix(imported, module)
				if name != pkg && !contains(allowed, name) {
					t.Errorf("%s imports %s; docs/architecture.md allows %v", file, name, allowed)
				}
			}
		}
	}
}

func importsOf(t *testing.T, file string) []string {
	source, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parser.ParseFile(token.NewFileSet(), file, source, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, spec := range parsed.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, path)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, item string) bool {
	for _, candidate := range list {
		if candidate == item {
			return true
		}
	}
	return false
}
