package routines

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan/internal/goldentest"
	"github.com/specplan/specplan/ltl"
)

// options reads an `options` section: lines NAME=N.
func options(t testing.TB, a *txtar.Archive) Options {
	var o Options
	text, _ := goldentest.Section(a, "options")
	for _, line := range strings.Fields(text) {
		k, v, _ := strings.Cut(line, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("options: %q", line)
		}
		switch k {
		case "MaxBytes":
			o.MaxBytes = n
		case "MaxDepth":
			o.MaxDepth = n
		case "MaxRepeat":
			o.MaxRepeat = n
		case "LowerMaxBytes":
		default:
			t.Fatalf("options: unknown %q", k)
		}
	}
	return o
}

// parseArchive parses the archive's routine: its in.routine section, or
// else its in.txt section in the paper's text form.
func parseArchive(t testing.TB, o Options, a *txtar.Archive) (*Routine, error) {
	if src, ok := goldentest.Section(a, "in.routine"); ok {
		return o.Parse("in.routine", []byte(src))
	}
	if src, ok := goldentest.Section(a, "in.txt"); ok {
		return o.ParseText("in.txt", []byte(src))
	}
	t.Fatal("no in.routine or in.txt section")
	return nil, nil
}

// runGolden renders what the archive's stage does: parse/ and text/
// print the canonical form; check/ checks against catalog.json (when
// present); lower/ lowers. Errors are printed formatted, with their codes.
func runGolden(t testing.TB, stage string, a *txtar.Archive) string {
	var out strings.Builder
	srcs := goldentest.Sources(a)
	fail := func(what string, err error) {
		out.WriteString(goldentest.Errors[ltl.Code, ltl.ErrorList](what, err, srcs, CodeName))
	}
	o := options(t, a)
	r, err := parseArchive(t, o, a)
	if err != nil {
		fail("parse", err)
		return out.String()
	}
	switch stage {
	case "parse", "text":
		out.WriteString(Format(r))
	case "check":
		var catalog []ltl.CatalogTool
		if c, ok := goldentest.Section(a, "catalog.json"); ok {
			if catalog, err = ltl.ParseCatalog("catalog.json", []byte(c)); err != nil {
				fail("catalog", err)
				return out.String()
			}
		}
		if err := Check(r, catalog); err != nil {
			fail("check", err)
		} else {
			out.WriteString("check: ok\n")
		}
	case "lower":
		lo := LowerOptions{}
		if text, _ := goldentest.Section(a, "options"); strings.Contains(text, "LowerMaxBytes=") {
			_, v, _ := strings.Cut(text, "LowerMaxBytes=")
			lo.MaxBytes, _ = strconv.Atoi(strings.Fields(v)[0])
		}
		if in, ok := goldentest.Section(a, "inputs.json"); ok {
			if err := jsonUnmarshal([]byte(in), &lo.Inputs); err != nil {
				t.Fatal(err)
			}
		}
		if text, err := lo.Lower(r); err != nil {
			fail("lower", err)
		} else {
			out.WriteString(text)
		}
	}
	return out.String()
}

const goldenGlob = "testdata/*/*.txtar"

// update is the binary's -update flag, which specs_test.go reads too.
var update = goldentest.Update

func TestGolden(t *testing.T) {
	goldentest.Run(t, goldenGlob, func(t *testing.T, file string, a *txtar.Archive) string {
		return runGolden(t, filepath.Base(filepath.Dir(file)), a)
	})
}

// TestRoundTrip: on every golden input that parses, Format prints a
// routine that parses back to the same AST, positions aside, and prints
// the same text again. For the paper's text form that is also the claim
// that the import lands in the language's AST.
func TestRoundTrip(t *testing.T) {
	n := 0
	for _, file := range goldentest.Files(t, goldenGlob) {
		data, _ := os.ReadFile(file)
		a := txtar.Parse(data)
		o := options(t, a)
		r, err := parseArchive(t, o, a)
		if err != nil || r == nil {
			continue
		}
		n++
		roundTrip(t, file, o, r)
	}
	if n < 10 {
		t.Fatalf("only %d golden inputs parse", n)
	}
}

func roundTrip(t testing.TB, what string, o Options, r *Routine) {
	t.Helper()
	text := Format(r)
	back, err := o.Parse(r.File, []byte(text))
	if err != nil {
		t.Fatalf("%s: printed form does not parse: %v\n%s", what, err, text)
	}
	if !equalAST(r, back) {
		t.Fatalf("%s: printed form parses to another AST\n%s", what, text)
	}
	if again := Format(back); again != text {
		t.Fatalf("%s: printing is not stable:\n%s---\n%s", what, text, again)
	}
}

// equalAST compares two routines with every position and the file name
// cleared.
func equalAST(a, b *Routine) bool {
	a2, b2 := *a, *b
	a2.File, b2.File = "", ""
	return reflect.DeepEqual(stripPos(reflect.ValueOf(&a2)).Interface(), stripPos(reflect.ValueOf(&b2)).Interface())
}

var posType = reflect.TypeOf(Pos{})

// stripPos returns a deep copy of v with positions zeroed.
func stripPos(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Elem().Type())
		out.Elem().Set(stripPos(v.Elem()))
		return out
	case reflect.Struct:
		if v.Type() == posType {
			return reflect.Zero(posType)
		}
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(stripPos(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(stripPos(v.Index(i)))
		}
		return out
	}
	return v
}

// TestEveryCodeHasGolden keeps the promise that each code of this package
// has a golden case showing its message, position and caret, and so do
// the ltl codes Parse and Check report.
func TestEveryCodeHasGolden(t *testing.T) {
	seen := goldentest.CodesShown(t, goldenGlob)
	want := []ltl.Code{ltl.ErrSyntax, ltl.ErrSpecSize, ltl.ErrDepthLimit, ltl.ErrDuplicate, ltl.ErrUndeclared}
	for c := ErrStepNumber; c < errLast; c++ {
		want = append(want, c)
	}
	for _, c := range want {
		if !seen[CodeName(c)] {
			t.Errorf("no golden case produces error code %s", CodeName(c))
		}
	}
}
