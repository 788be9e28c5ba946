package apps

import (
	"strings"
	"testing"
)

// TestSuggestionIsStable: the did-you-mean is the nearest name, the least
// of equally near ones, whatever the map order. It used to differ from run
// to run: a farther name that sorts first (Hab, distance 2) replaced a
// nearer one (Homz, distance 1) when the map gave it second.
func TestSuggestionIsStable(t *testing.T) {
	src := `app a "A" start Hom
screen Homz { back -> Hab }
screen Hab { back -> Homz }
goal F Homz
`
	for i := 0; i < 50; i++ {
		_, err := Parse("s.app", []byte(src), Options{})
		if err == nil {
			t.Fatal("undeclared start screen accepted")
		}
		if !strings.Contains(err.Error(), `did you mean "Homz"?`) {
			t.Fatalf("run %d: %v", i, err)
		}
	}
}
