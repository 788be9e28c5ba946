package decoder_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// fuzzFormats are the built-in formats; a seed's format byte picks
// fuzzFormats[format%len], so the seeds written for the first four still
// mean what they meant.
var fuzzFormats = decoder.Formats()

// FuzzFormatParse: Parse never panics, fails only with ErrParse, returns
// well-formed events, and is a fixed point of render∘parse: writing the
// events (and ids) back in the same format and parsing again gives the
// same. Seeds: testdata/fuzz/FuzzFormatParse (one per format at least).
func FuzzFormatParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := fuzzFormats[int(format)%len(fuzzFormats)]
		calls, err := fm.ParseMessage(data)
		if err != nil {
			if !errors.Is(err, decoder.ErrParse) {
				t.Fatalf("%s: error is not ErrParse: %v", fm, err)
			}
			return
		}
		// ParseWritten reads the same events, each at an offset after
		// the one before, its arguments text inside the message after it.
		ws, err := fm.ParseWritten(data)
		if err != nil || len(ws) != len(calls) {
			t.Fatalf("%s: ParseWritten: %d events, %v; ParseMessage: %d", fm, len(ws), err, len(calls))
		}
		for i, w := range ws {
			if !reflect.DeepEqual(w.Call, calls[i]) || w.Offset < 0 || w.Offset > len(data) || i > 0 && w.Offset <= ws[i-1].Offset ||
				w.Args != "" && !strings.Contains(string(data[w.Offset:]), w.Args) {
				t.Fatalf("%s: written event %d %+v (call %+v) in %q", fm, i, w, calls[i], data)
			}
		}
		var evs []ltl.Event
		for i, c := range calls {
			ev := c.Event
			if (ev.Step == "") == (ev.Tool == "") {
				t.Fatalf("%s: event %d has not exactly one of Step/Tool: %+v", fm, i, ev)
			}
			if ev.Step != "" && (ev.Args != nil || c.ID != "") {
				t.Fatalf("%s: step event %d has args or an id: %+v", fm, i, c)
			}
			if ev.Tool != "" && ev.Args == nil {
				t.Fatalf("%s: call event %d has nil args: %+v", fm, i, ev)
			}
			evs = append(evs, ev)
		}
		var text []byte
		if i := slices.Index(fuzzFormats, fm); i < 4 {
			text = renderEvents(t, fm, evs)
		} else {
			text = renderNative(t, fm.Spec(), calls)
		}
		again, err := fm.ParseMessage(text)
		if err != nil {
			t.Fatalf("%s: rendering of %q is %q, which does not parse: %v", fm, data, text, err)
		}
		if !reflect.DeepEqual(calls, again) {
			t.Fatalf("%s: round trip changed events\ninput   %q\nevents  %#v\nrender  %q\nreparse %#v", fm, data, calls, text, again)
		}
	})
}

// renderNative writes calls in a native format from its description alone
// (the reader of FormatSpec's documentation, not the decoder's code).
func renderNative(t *testing.T, d decoder.FormatSpec, calls []decoder.Call) []byte {
	var b strings.Builder
	const begin, text, call, list = 0, 1, 2, 3
	m := begin
	for _, c := range calls {
		ev := c.Event
		if ev.Step != "" {
			if d.Think != nil && ev.Step == d.Think.Step {
				if !d.Think.InPrompt {
					b.WriteString(d.Think.Open)
				}
				b.WriteString(ev.Text + d.Think.Close)
			} else {
				b.WriteString(decoder.StepLabel(ev.Step) + ": " + ev.Text + "\n")
			}
			m = text
			continue
		}
		name, err := json.Marshal(ev.Tool)
		if err != nil {
			t.Fatal(err)
		}
		args, err := json.Marshal(ev.Args)
		if err != nil {
			t.Fatal(err)
		}
		body := d.CallOpen + `{"` + d.NameKey + `": ` + string(name) + `, "` + d.ArgsKey + `": ` + string(args)
		if d.ID.Key != "" {
			body += `, "` + d.ID.Key + `": "` + c.ID + `"`
		}
		body += "}" + d.CallClose
		if d.Args == decoder.ArgsBracket {
			id := ""
			if d.ID.Key != "" {
				id = d.ID.Key + c.ID
			}
			body = d.CallOpen + ev.Tool + id + d.NameEnd + string(args) + d.ArgsEnd + d.CallClose
		}
		switch {
		case d.ListOpen != "" && m == list:
			b.WriteString(d.ListSep)
		case d.ListOpen != "":
			b.WriteString(d.ListOpen)
		case m == call:
			b.WriteString(d.CallSep)
		}
		b.WriteString(body)
		m = call
		if d.ListOpen != "" {
			m = list
		}
	}
	if m == list {
		b.WriteString(d.ListClose)
	}
	return []byte(b.String())
}

// renderEvents writes events in format f, the syntax of format.go's
// callFrame and StepLabel. Values of every type Parse returns (string,
// float64, bool, nil, []any, map[string]any) are rendered, so the round
// trip is checked for all arguments, not only scalars.
func renderEvents(t *testing.T, f decoder.Format, evs []ltl.Event) []byte {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Step != "" {
			b.WriteString(decoder.StepLabel(ev.Step) + ": " + ev.Text + "\n")
			continue
		}
		switch f {
		case decoder.FormatJSON, decoder.FormatHermes:
			name, err := json.Marshal(ev.Tool)
			if err != nil {
				t.Fatal(err)
			}
			args, err := json.Marshal(ev.Args)
			if err != nil {
				t.Fatal(err)
			}
			call := `{"name": ` + string(name) + `, "arguments": ` + string(args) + "}\n"
			if f == decoder.FormatHermes {
				call = "<tool_call>\n" + call + "</tool_call>\n"
			}
			b.WriteString(call)
		case decoder.FormatReAct:
			args, err := json.Marshal(ev.Args)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString("Action: " + ev.Tool + "[" + string(args) + "]\n")
		case decoder.FormatPythonic:
			b.WriteString(ev.Tool + "(")
			for i, k := range sortedKeys(ev.Args) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k + "=")
				writePy(t, &b, ev.Args[k])
			}
			b.WriteString(")\n")
		}
	}
	return []byte(b.String())
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writePy(t *testing.T, b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case string:
		q, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(q)
	case []any:
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(t, b, e)
		}
		b.WriteString("]")
	case map[string]any:
		b.WriteString("{")
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(t, b, k)
			b.WriteString(": ")
			writePy(t, b, v[k])
		}
		b.WriteString("}")
	default:
		t.Fatalf("Parse returned a value of type %T", v)
	}
}

// FuzzTokenizerJSON: LoadTokenizerJSON never panics on file contents, fails
// only with a *TokenizerError, and on success returns a consistent Vocab.
// Seeds: testdata/fuzz/FuzzTokenizerJSON and testdata/vocab/*.json.
func FuzzTokenizerJSON(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "vocab", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "tokenizer.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		v, err := decoder.LoadTokenizerJSON(path)
		if err != nil {
			var te *decoder.TokenizerError
			if !errors.As(err, &te) {
				t.Fatalf("error is not a *TokenizerError: %T %v", err, err)
			}
			return
		}
		if len(v.Pieces) != v.Size() || len(v.Special) != v.Size() || v.Size() == 0 {
			t.Fatalf("inconsistent vocab: %d pieces, %d special, size %d", len(v.Pieces), len(v.Special), v.Size())
		}
		for _, id := range v.EOG {
			if id < 0 || id >= v.Size() {
				t.Fatalf("EOG id %d outside [0,%d)", id, v.Size())
			}
		}
		if v.BOS < -1 || v.BOS >= v.Size() {
			t.Fatalf("BOS id %d outside [-1,%d)", v.BOS, v.Size())
		}
	})
}

// TestParseNestingLimit: nesting past the parsers' depth limit (10000, as in
// encoding/json) is an ErrParse naming the limit in every format, not a
// stack overflow. (Kept out of the fuzz corpus: so deep a seed saturates the
// fuzzer's coverage counters.)
func TestParseNestingLimit(t *testing.T) {
	deep := strings.Repeat("[", 20000)
	texts := [4]string{
		`{"name": "t", "arguments": {"a": ` + deep + "}\n",
		"<tool_call>\n" + `{"name": "t", "arguments": {"a": ` + deep + "}\n</tool_call>\n",
		"t(a=" + deep + ")\n",
		`Action: t[{"a": ` + deep + "}]\n",
	}
	for i, text := range texts {
		f := fuzzFormats[i]
		_, err := f.Parse([]byte(text))
		if !errors.Is(err, decoder.ErrParse) || !strings.Contains(err.Error(), "depth") && !strings.Contains(err.Error(), "nest") {
			t.Errorf("%s: want ErrParse naming the nesting limit, got %v", f, err)
		}
	}
}
