package decoder

import (
	"encoding/json"
	"math/rand/v2"

	jschema "github.com/specplan/specplan/schema"
)

// ArgsAutomaton is the byte automaton of one tool's arguments in the JSON
// call format (no predicates): the texts the decoder can write for that
// tool's arguments object. It exists to measure and test the schema
// compiler without a model: Walk samples texts, Accepts recognizes them.
type ArgsAutomaton struct {
	progs []*prog
	start []config
	term  bool // texts end with a newline that Walk and Accepts leave out
}

// CompileArgs builds the arguments automaton of a tool's parameters
// schema; the errors are those of CheckSchema.
func CompileArgs(raw json.RawMessage) (*ArgsAutomaton, error) {
	if err := CheckSchema(raw); err != nil {
		return nil, err
	}
	s, err := parseParameters(raw)
	if err != nil {
		return nil, err
	}
	b := newBuilder()
	c := &compiler{b: b, syn: FormatJSON.syntax(), f: FormatJSON}
	pc, err := c.args(s, nil, b.accept())
	if err != nil {
		return nil, err
	}
	p, err := b.finish(pc)
	if err != nil {
		return nil, err
	}
	a := &ArgsAutomaton{progs: []*prog{p}}
	a.start = closure(a.progs, []config{enter(p, 0, p.start)})
	return a, nil
}

// CompileValue builds the automaton of a value of any JSON type under a
// schema (the root need not be an object, unlike a tool's parameters):
// what the decoder writes for a schema-typed value, in JSON syntax.
func CompileValue(raw json.RawMessage) (*ArgsAutomaton, error) {
	g, err := jschema.NormalizeForGeneration(raw, genOptions)
	if err != nil {
		return nil, schemaErr(err)
	}
	b := newBuilder()
	c := &compiler{b: b, syn: FormatJSON.syntax(), f: FormatJSON}
	// A newline ends the text: a bare number is not prefix-free.
	pc, err := c.value(g, nil, 0, b.lit("\n", b.accept()))
	if err != nil {
		return nil, err
	}
	if pc < 0 {
		if c.cut {
			return nil, newErr(CodeLimit, "no value fits within %d levels of nesting (limit MaxSchemaDepth)", MaxSchemaDepth)
		}
		return nil, newErr(CodeSchema, "no value satisfies the schema within the generation rules")
	}
	p, err := b.finish(pc)
	if err != nil {
		return nil, err
	}
	if p.minDist[p.start] < 0 {
		return nil, newErr(CodeSchema, "no value satisfies the schema within the generation rules")
	}
	a := &ArgsAutomaton{progs: []*prog{p}, term: true}
	a.start = closure(a.progs, []config{enter(p, 0, p.start)})
	return a, nil
}

// Accepts reports whether the automaton accepts text exactly.
func (a *ArgsAutomaton) Accepts(text string) bool {
	if a.term {
		text += "\n"
	}
	cfgs := a.start
	for i := 0; i < len(text); i++ {
		next, acc := stepConfigs(a.progs, cfgs, text[i])
		if acc >= 0 {
			return i == len(text)-1
		}
		if next == nil {
			return false
		}
		cfgs = next
	}
	return false
}

func (a *ArgsAutomaton) remaining(cfgs []config) int {
	best := -1
	for _, c := range cfgs {
		if r := c.remaining(a.progs[c.sym]); r >= 0 && (best < 0 || r < best) {
			best = r
		}
	}
	return best
}

// Walk samples one accepted text: random allowed bytes (half the time
// from the printable ASCII ones) until soft bytes are written, then the
// bytes that finish soonest. Every byte it takes is one the automaton
// allows, so the text is one the decoder could write.
func (a *ArgsAutomaton) Walk(r *rand.Rand, soft int) string {
	cfgs := a.start
	var out []byte
	type move struct {
		b    byte
		next []config
		rem  int
	}
	for {
		var moves, printable []move
		for b := 0; b < 256; b++ {
			next, acc := stepConfigs(a.progs, cfgs, byte(b))
			if acc >= 0 {
				moves = append(moves, move{byte(b), nil, 0})
			} else if next != nil {
				moves = append(moves, move{byte(b), next, a.remaining(next)})
			} else {
				continue
			}
			if b >= 0x20 && b < 0x7f {
				printable = append(printable, moves[len(moves)-1])
			}
		}
		if len(moves) == 0 {
			return string(out) // cannot happen: every state can finish
		}
		var m move
		if len(out) >= soft {
			best := moves[0].rem
			var tied []move
			for _, mv := range moves {
				if mv.rem < best {
					best, tied = mv.rem, nil
				}
				if mv.rem == best {
					tied = append(tied, mv)
				}
			}
			m = tied[r.IntN(len(tied))]
		} else if len(printable) > 0 && r.IntN(2) == 0 {
			m = printable[r.IntN(len(printable))]
		} else {
			m = moves[r.IntN(len(moves))]
		}
		out = append(out, m.b)
		if m.next == nil {
			if a.term {
				out = out[:len(out)-1]
			}
			return string(out)
		}
		cfgs = m.next
	}
}
