package export

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
)

// FuzzExportGBNF: for any spec that compiles, the GBNF export is refused
// only with a typed error (a limit, an unsatisfiable spec, what the format
// cannot express), never with a panic; what is exported llama.cpp parses,
// and it agrees with the decoder on a walk of the decoder's masks.
func FuzzExportGBNF(f *testing.F) {
	f.Add("spec s\nsteps answer\ntools t\nrule F answer\nrule G(answer -> last)\n", uint8(0))
	f.Add("spec s\nsteps thought, observation, answer\ntools a, b\nrule G(call -> X observation)\nrule before(a, b)\nrule F answer\nrule G(answer -> last)\n", uint8(3))
	f.Add("spec s\nsteps answer\ntools t\nrule never(t(x > 5))\nrule G(t -> F answer)\nrule F answer\n", uint8(7))
	formats := decoder.Formats()
	f.Fuzz(func(t *testing.T, src string, fi uint8) {
		if len(src) > 2000 {
			return
		}
		spec, err := specplan.Compile("fuzz.ltl", []byte(src), specplan.Options{})
		if err != nil || spec.DFA().IsEmpty() {
			return
		}
		format := formats[int(fi)%len(formats)]
		opts := Options{Format: format, MaxBytes: 1 << 20, MaxRules: 5000, MaxLeafStates: 2000}
		gram, err := GBNF(spec, opts)
		if err != nil {
			var le *LimitError
			var ce *decoder.ConstraintError
			if errors.As(err, &le) || errors.As(err, &ce) || errors.Is(err, ErrUnsupported) {
				return
			}
			t.Fatalf("untyped error: %v", err)
		}
		_, ix, err := Language(spec, opts)
		if err != nil {
			t.Fatal(err)
		}
		c := &exportCase{name: "fuzz/" + format.String(), spec: spec, opts: opts, ix: ix, vocab: ix.Vocab(), eog: 256,
			rng: rand.New(rand.NewPCG(uint64(len(src)), uint64(fi))), starts: decoder.LanguageOptions{FromState: -1}}
		toks := c.walk(t)
		g, err := llama.NewGBNFVocab(string(gram), c.vocab, nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, gram)
		}
		defer g.Close()
		if got, want := llamaVerdict(t, g, toks, c.eog), c.decoderVerdict(t, toks); got != want {
			t.Fatalf("text %q: llama.cpp %+v, decoder %+v\n%s", c.text(toks), got, want, gram)
		}
	})
}
