package apps

import (
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// Each limit is an error with its code that names the Option raising it.
func TestLimits(t *testing.T) {
	deep := "app a start Hm\nscreen Hm { back -> Hm }\ngoal " + strings.Repeat("(", 100) + "Hm" + strings.Repeat(")", 100) + "\n"
	prefix := "app a start Hm\nscreen Hm { back -> Hm }\ngoal " + strings.Repeat("! ", 100) + "Hm\n"
	var many strings.Builder
	many.WriteString("app a start S0\n")
	for i := 0; i < 5; i++ {
		many.WriteString("screen S" + string(rune('0'+i)) + " { back -> S0 }\n")
	}
	cases := []struct {
		name, src string
		opts      Options
		code      ltl.Code
		names     string
	}{
		{"size", "app a start Hm\nscreen Hm { back -> Hm }\n# padding\n", Options{MaxBytes: 20}, ltl.ErrSpecSize, "apps.Options.MaxBytes"},
		{"parentheses", deep, Options{}, ltl.ErrDepthLimit, "apps.Options.MaxDepth"},
		{"prefix operators", prefix, Options{}, ltl.ErrDepthLimit, "apps.Options.MaxDepth"},
		{"screens", many.String(), Options{MaxScreens: 3}, ErrScreenLimit, "apps.Options.MaxScreens"},
	}
	for _, c := range cases {
		_, err := Parse("l.app", []byte(c.src), c.opts)
		l, ok := err.(ltl.ErrorList)
		if !ok || len(l) != 1 || l[0].Code != c.code || !strings.Contains(l[0].Msg, c.names) {
			t.Errorf("%s: got %v, want one %s naming %s", c.name, err, CodeName(c.code), c.names)
		}
	}
	// Within the limits the same texts parse.
	if _, err := Parse("l.app", []byte(deep), Options{MaxDepth: 200}); err != nil {
		t.Errorf("depth 100 under MaxDepth 200: %v", err)
	}
	a, err := Parse("l.app", []byte(many.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (LowerOptions{MaxBytes: 100}).Lower(a); err == nil || err.(ltl.ErrorList)[0].Code != ErrLower || !strings.Contains(err.Error(), "LowerOptions.MaxBytes") {
		t.Errorf("lowered size limit: got %v", err)
	}
}
