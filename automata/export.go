package automata

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// edges groups the transitions of state q by target, in increasing target
// order; each group lists its symbols in increasing order.
func (d *DFA) edges(q int) (targets []int, syms [][]int) {
	group := map[int32]int{}
	for s, t := range d.Trans[q] {
		if t < 0 {
			continue
		}
		g, ok := group[t]
		if !ok {
			g = len(targets)
			group[t] = g
			targets = append(targets, int(t))
			syms = append(syms, nil)
		}
		syms[g] = append(syms[g], s)
	}
	// Sort groups by target (insertion sort: few groups per state).
	for i := 1; i < len(targets); i++ {
		for j := i; j > 0 && targets[j] < targets[j-1]; j-- {
			targets[j], targets[j-1] = targets[j-1], targets[j]
			syms[j], syms[j-1] = syms[j-1], syms[j]
		}
	}
	return targets, syms
}

func (d *DFA) names(syms []int) []string {
	out := make([]string, len(syms))
	for i, s := range syms {
		out[i] = d.Alphabet.Symbols[s].Name
	}
	return out
}

// WriteJSON writes d as one JSON object:
//
//	{"states":N,"initial":i,"accepting":[…],"alphabet":[…names…],"transitions":[[from,"symbol",to],…]}
//
// accepting lists the accepting states; transitions to the dead state are
// left out; transitions are sorted by source state, then symbol index.
func WriteJSON(w io.Writer, d *DFA) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `{"states":%d,"initial":%d,"accepting":[`, len(d.Trans), d.Initial)
	first := true
	for q, a := range d.Accepting {
		if a {
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.WriteString(strconv.Itoa(q))
		}
	}
	bw.WriteString(`],"alphabet":[`)
	for i, s := range d.Alphabet.Symbols {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeJSONString(bw, s.Name)
	}
	bw.WriteString(`],"transitions":[`)
	first = true
	for q, row := range d.Trans {
		for s, t := range row {
			if t < 0 {
				continue
			}
			if !first {
				bw.WriteByte(',')
			}
			first = false
			fmt.Fprintf(bw, "[%d,", q)
			writeJSONString(bw, d.Alphabet.Symbols[s].Name)
			fmt.Fprintf(bw, ",%d]", t)
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// writeJSONString writes s as a JSON string, leaving <, > and & as they
// are (symbol names are full of comparisons; HTML escaping would only
// obscure them).
func writeJSONString(w *bufio.Writer, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// WriteDOT writes d in Graphviz DOT: accepting states as double circles,
// an arrow from an invisible node into the initial state, one edge per
// (source, target) labelled with its symbols, one per line.
func WriteDOT(w io.Writer, d *DFA) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph dfa {\n\trankdir=LR;\n\tnode [shape=circle];\n")
	if d.Initial >= 0 {
		bw.WriteString("\t__start [shape=point];\n")
	}
	for q := range d.Trans {
		shape := "circle"
		if d.Accepting[q] {
			shape = "doublecircle"
		}
		fmt.Fprintf(bw, "\t%d [shape=%s];\n", q, shape)
	}
	if d.Initial >= 0 {
		fmt.Fprintf(bw, "\t__start -> %d;\n", d.Initial)
	}
	for q := range d.Trans {
		targets, syms := d.edges(q)
		for i, t := range targets {
			fmt.Fprintf(bw, "\t%d -> %d [label=%s];\n", q, t, dotQuote(strings.Join(d.names(syms[i]), "\n")))
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteMermaid writes d as a Mermaid stateDiagram-v2: states s0, s1, …,
// [*] into the initial state and out of accepting states, one transition
// per (source, target) labelled with its symbols separated by commas.
func WriteMermaid(w io.Writer, d *DFA) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("stateDiagram-v2\n")
	if d.Initial >= 0 {
		fmt.Fprintf(bw, "    [*] --> s%d\n", d.Initial)
	}
	for q := range d.Trans {
		targets, syms := d.edges(q)
		for i, t := range targets {
			fmt.Fprintf(bw, "    s%d --> s%d : %s\n", q, t, mermaidText(strings.Join(d.names(syms[i]), ", ")))
		}
	}
	for q, a := range d.Accepting {
		if a {
			fmt.Fprintf(bw, "    s%d --> [*]\n", q)
		}
	}
	return bw.Flush()
}

// mermaidText escapes the characters Mermaid reads as syntax in a label,
// using its #name; entity codes.
func mermaidText(s string) string {
	r := strings.NewReplacer("#", "#35;", ";", "#59;", "<", "#lt;", ">", "#gt;", `"`, "#quot;", ":", "#58;")
	return r.Replace(s)
}
