package routines

import (
	"regexp"
	"strconv"
	"strings"
)

// Format writes r in the canonical form of the `.routine` language:
// header lines (routine, inputs one per line, tools from, allow thought),
// a blank line, the steps indented two spaces per level (top-level
// numbers as `1.`, nested as `3.1`), then the rules. Parse(Format(r))
// gives r again, positions aside (comments are not kept).
func Format(r *Routine) string {
	var b strings.Builder
	b.WriteString("routine " + r.Name)
	if r.Title != "" {
		b.WriteString(" " + quoteJSON(r.Title))
	}
	b.WriteByte('\n')
	for _, in := range r.Inputs {
		b.WriteString("input " + in.Name + ": " + in.Type + "\n")
	}
	if r.Catalog != nil {
		b.WriteString("tools from " + quoteJSON(r.Catalog.Path) + "\n")
	}
	if r.AllowThought {
		b.WriteString("allow thought\n")
	}
	if len(r.Steps) > 0 {
		b.WriteByte('\n')
		writeSteps(&b, r.Steps, 0)
	}
	if len(r.Rules) > 0 {
		b.WriteByte('\n')
		for _, ru := range r.Rules {
			b.WriteString("rule " + ru.Text + "\n")
		}
	}
	return b.String()
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var dottedRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$`)

// QuoteName writes a tool or step name as a routine spells it: bare when
// it is an identifier that is not reserved here, or a dotted identifier;
// between backticks otherwise.
func QuoteName(name string) string {
	if identRE.MatchString(name) && !reserved[name] || dottedRE.MatchString(name) {
		return name
	}
	return "`" + name + "`"
}

func argName(name string) string {
	if identRE.MatchString(name) {
		return name
	}
	return quoteJSON(name)
}

func writeSteps(b *strings.Builder, steps []*Step, depth int) {
	ind := strings.Repeat("  ", depth)
	for _, s := range steps {
		b.WriteString(ind)
		if s.Kind == StepEnd {
			b.WriteString("end\n")
			continue
		}
		b.WriteString(s.Number)
		if depth == 0 {
			b.WriteByte('.')
		}
		if s.Optional {
			b.WriteString(" optional")
		}
		if s.Desc != "" {
			b.WriteString(" " + quoteJSON(s.Desc))
		}
		switch s.Kind {
		case StepCall, StepAct:
			b.WriteString(" -> " + QuoteName(s.Name))
			if s.Kind == StepCall {
				var parts []string
				for _, a := range s.Args {
					parts = append(parts, argName(a.Name)+": "+argValue(a))
				}
				if s.Rest {
					parts = append(parts, "...")
				}
				b.WriteString("(" + strings.Join(parts, ", ") + ")")
			}
			if s.Result != "" {
				b.WriteString(" as " + s.Result)
			}
			b.WriteByte('\n')
		case StepIf:
			for i, arm := range s.Arms {
				if i == 0 {
					b.WriteString(" if ")
				} else {
					b.WriteString(" else if ")
				}
				b.WriteString(CondString(arm.Cond))
				writeBlock(b, arm.Body, depth)
			}
			if s.Else != nil {
				b.WriteString(" else")
				writeBlock(b, s.Else.Body, depth)
			}
			b.WriteByte('\n')
		case StepChoice:
			for i, arm := range s.Arms {
				if i == 0 {
					b.WriteString(" choice")
				} else {
					b.WriteString(" or")
				}
				if arm.Label != "" {
					b.WriteString(" " + quoteJSON(arm.Label))
				}
				writeBlock(b, arm.Body, depth)
			}
			b.WriteByte('\n')
		case StepRepeat:
			b.WriteString(" repeat")
			writeBlock(b, s.Body, depth)
			b.WriteString(" until " + CondString(s.Until) + " max " + strconv.Itoa(s.Max) + "\n")
		}
	}
}

func writeBlock(b *strings.Builder, steps []*Step, depth int) {
	b.WriteString(" {\n")
	writeSteps(b, steps, depth+1)
	b.WriteString(strings.Repeat("  ", depth) + "}")
}

func argValue(a *Arg) string {
	switch a.Kind {
	case ArgAny:
		return "any"
	case ArgRef:
		return a.Ref.String()
	}
	return a.Value.JSON
}

// String writes the reference as `$name.a.b`.
func (r *Ref) String() string {
	if len(r.Path) == 0 {
		return "$" + r.Name
	}
	return "$" + r.Name + "." + strings.Join(r.Path, ".")
}

// CondString writes a condition with the fewest parentheses that keep its
// shape (or looser than and looser than not).
func CondString(c *Cond) string {
	var b strings.Builder
	writeCond(&b, c, 0)
	return b.String()
}

func condPrec(c *Cond) int {
	switch c.Op {
	case CondOr:
		return 0
	case CondAnd:
		return 1
	case CondNot:
		return 2
	}
	return 3
}

func writeCond(b *strings.Builder, c *Cond, min int) {
	if condPrec(c) < min {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch c.Op {
	case CondOr:
		writeCond(b, c.X, 0)
		b.WriteString(" or ")
		writeCond(b, c.Y, 1)
	case CondAnd:
		writeCond(b, c.X, 1)
		b.WriteString(" and ")
		writeCond(b, c.Y, 2)
	case CondNot:
		b.WriteString("not ")
		writeCond(b, c.X, 2)
	default:
		b.WriteString(c.Atom.String())
	}
}

// String writes the atom as the language spells it.
func (a *Atom) String() string {
	switch a.Pred {
	case "failed", "succeeded":
		return a.Ref.String() + " " + a.Pred
	case "in":
		vs := make([]string, len(a.List))
		for i, v := range a.List {
			vs[i] = v.JSON
		}
		return a.Ref.String() + " in [" + strings.Join(vs, ", ") + "]"
	}
	return a.Ref.String() + " " + a.Pred + " " + a.Value.JSON
}
