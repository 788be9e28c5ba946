package apps

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/goldentest"
	"github.com/specplan/specplan/ltl"
)

// formatErrors renders an error list with its codes and carets.
func formatErrors(stage string, err error, name string, src []byte) string {
	return goldentest.Errors[ltl.Code, ltl.ErrorList](stage, err, map[string][]byte{name: src}, CodeName)
}

// runGolden parses the archive's app.app, then checks it.
func runGolden(a *txtar.Archive) string {
	s, _ := goldentest.Section(a, "app.app")
	src := []byte(s)
	app, err := Parse("app.app", src, Options{})
	if err != nil {
		return formatErrors("parse", err, "app.app", src)
	}
	var b strings.Builder
	var screens, overlays []string
	for _, s := range app.Screens {
		screens = append(screens, s.Name)
	}
	for _, o := range app.Overlays {
		overlays = append(overlays, o.Name)
	}
	fmt.Fprintf(&b, "app %s %q start %s screens=%v overlays=%v goals=%d rules=%d\n", app.Name, app.Title, app.Start, screens, overlays, len(app.Goals), len(app.Rules))
	if err := Check(app, specplan.Options{}); err != nil {
		b.WriteString(formatErrors("check", err, "app.app", src))
	} else {
		b.WriteString("check: ok\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	goldentest.Run(t, "testdata/golden/*.txtar", func(_ *testing.T, _ string, a *txtar.Archive) string { return runGolden(a) })
}
