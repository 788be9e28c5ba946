package specplan_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGuardPathLinksNoDecoder: a guardrail-only user (validate, Monitor,
// check) links neither the decoder nor llama.cpp. The root package, ltl/,
// automata/ and schema/ must not depend on decoder/, decoder/llama or any
// ollama package, directly or through anything else.
func TestGuardPathLinksNoDecoder(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	for _, pkg := range []string{
		"github.com/specplan/specplan",
		"github.com/specplan/specplan/ltl",
		"github.com/specplan/specplan/automata",
		"github.com/specplan/specplan/schema",
	} {
		out, err := exec.Command(gobin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 || deps[len(deps)-1] != pkg {
			t.Fatalf("go list -deps %s printed %d packages, not ending with the package itself: %q", pkg, len(deps), out)
		}
		for _, d := range deps {
			if forbiddenOnGuardPath(d) {
				t.Errorf("%s depends on %s: the guard path must not link the decoder or llama.cpp", pkg, d)
			}
		}
	}
}

func forbiddenOnGuardPath(pkg string) bool {
	const decoder = "github.com/specplan/specplan/decoder"
	return pkg == decoder || strings.HasPrefix(pkg, decoder+"/") || strings.Contains(pkg, "ollama")
}

// The predicate the test relies on, checked on names it must and must not catch.
func TestForbiddenOnGuardPath(t *testing.T) {
	for pkg, want := range map[string]bool{
		"github.com/specplan/specplan/decoder":       true,
		"github.com/specplan/specplan/decoder/llama": true,
		"github.com/ollama/ollama/llama":             true,
		"github.com/specplan/specplan/decoderx":      false,
		"github.com/specplan/specplan/schema":        false,
		"golang.org/x/text/message":                  false,
	} {
		if got := forbiddenOnGuardPath(pkg); got != want {
			t.Errorf("forbiddenOnGuardPath(%q) = %v, want %v", pkg, got, want)
		}
	}
}
