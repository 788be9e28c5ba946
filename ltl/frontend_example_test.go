package ltl_test

import (
	"fmt"
	"reflect"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/specplan/specplan/ltl"
)

// seenAtom is the atom of a small language: seen("door").
type seenAtom struct {
	Pos   lexer.Position
	Label string `parser:"\"seen\" \"(\" @String \")\""`
}

type watchFile struct {
	Rules []*ltl.FormulaSyntax[seenAtom] `parser:"(\"rule\" @@)*"`
}

var (
	watchLexer = ltl.NewLexer([]string{"rule", "seen", "true", "false", "last", "G", "F", "X", "U"}, nil, `->|[!&|()]`)
	watchFront = &ltl.Frontend{
		Lexer: watchLexer, Noun: "watch file", SizeLimit: "MaxBytes", SizeRaise: " (raise it with Options.MaxBytes)",
		Depth: ltl.DepthRule{
			Open: ltl.WordSet("("), Close: ltl.WordSet(")"),
			Prefix: ltl.WordSet("!", "G", "F", "X"), Reset: ltl.WordSet("rule"),
			TooDeep: "nested too deeply: over MaxDepth = %d levels",
		},
		ChainLimit: "a list of more than %d items (a fixed limit)",
		Names: append([][2]string{
			{"GPrimary", "an operand: seen(\"…\"), true, false or a parenthesised formula"},
			{`token "<EOF>"`, "end of input"},
		}, ltl.FormulaNames...),
		Atom: reflect.TypeFor[seenAtom](),
	}
	watchParser = participle.MustBuild[watchFile](participle.Lexer(watchLexer), participle.UseLookahead(2))
)

// parseWatch reads a watch file the way .ltl, .app and .routine files are
// read: size first, then nesting, then the grammar; each rule becomes a
// string here, where a real language would build its own nodes.
func parseWatch(src string) ([]string, error) {
	b := []byte(src)
	if err := watchFront.CheckSize("watch", b, 1<<10); err != nil {
		return nil, err
	}
	if err := watchFront.Preflight("watch", b, 8); err != nil {
		return nil, err
	}
	g, err := watchParser.ParseBytes("watch", b)
	if err != nil {
		return nil, watchFront.SyntaxError("watch", err)
	}
	build := ltl.FormulaBuilder[seenAtom, string]{
		Atom:   func(a *seenAtom) string { return "seen " + a.Label },
		Const:  func(_ ltl.Pos, v bool) string { return fmt.Sprint(v) },
		Last:   func(ltl.Pos) string { return "last" },
		Unary:  func(_ ltl.Pos, op ltl.Op, x string) string { return op.String() + "(" + x + ")" },
		Binary: func(_ ltl.Pos, op ltl.Op, l, r string) string { return "(" + l + " " + op.String() + " " + r + ")" },
	}
	var rules []string
	for _, r := range g.Rules {
		rules = append(rules, build.Build(r))
	}
	return rules, nil
}

// A language of its own atoms on ltl's formula operators and front end.
func ExampleFormulaBuilder() {
	rules, err := parseWatch(`rule G (seen("door") -> F seen("alarm"))`)
	fmt.Println(rules, err)
	_, err = parseWatch(`rule seen("door") ->`)
	fmt.Println(err)
	_, err = parseWatch(`rule G G G G G G G G G seen("door")`)
	fmt.Println(err)
	// Output:
	// [G((seen "door" -> F(seen "alarm")))] <nil>
	// watch:1:21: syntax error: unexpected end of input (expected an operand: seen("…"), true, false or a parenthesised formula)
	// watch:1:22: nested too deeply: over MaxDepth = 8 levels
}
