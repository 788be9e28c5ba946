package decoder

import "testing"

// TestNumberKeysAgree: number prefixes that Leaf.Key puts together accept
// the same next bytes and agree on whether the number may end, in both
// spellings (the tojson one refuses "-0" and fractions ending in 0, which
// the key once ignored: an export then refused "8.67457," where the
// decoder took it).
func TestNumberKeysAgree(t *testing.T) {
	const alphabet = "-0123456789."
	for _, l := range []*numLeaf{newNumLeaf(false, fullLine), newPyNumLeaf(false, fullLine), newPyNumLeaf(true, fullLine)} {
		lf := Leaf{l: l}
		type behaviour struct {
			final bool
			next  string
		}
		seen := map[string]behaviour{}
		var prefixes []string
		frontier := []string{l.init()}
		for depth := 0; depth < 5; depth++ {
			var more []string
			for _, st := range frontier {
				prefixes = append(prefixes, st)
				for i := 0; i < len(alphabet); i++ {
					if ns, ok := l.step(st, alphabet[i]); ok {
						more = append(more, ns)
					}
				}
			}
			frontier = more
		}
		for _, st := range prefixes {
			b := behaviour{final: l.final(st)}
			for i := 0; i < len(alphabet); i++ {
				if _, ok := l.step(st, alphabet[i]); ok {
					b.next += alphabet[i : i+1]
				}
			}
			k := lf.Key(st)
			if prev, ok := seen[k]; ok && prev != b {
				t.Fatalf("tojson %v: prefix %q shares key %q with a prefix that behaves as %+v, but behaves as %+v", l.tojson, st, k, prev, b)
			}
			seen[k] = b
		}
	}
}
