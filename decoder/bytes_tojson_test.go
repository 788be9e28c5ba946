package decoder

import (
	"math/big"
	"strings"
	"testing"
)

// pyCanonical reports whether Python's json.dumps(json.loads(s)) prints s
// back unchanged, for s in the decoder's number language: an integer other
// than -0, or a float whose fraction is "0" or ends in a non-zero digit and
// whose magnitude is 0 or at least 1e-4 (below, repr uses an exponent).
func pyCanonical(s string) bool {
	ip, fp, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if !dot {
		return s != "-0"
	}
	if fp != "0" && fp[len(fp)-1] == '0' {
		return false
	}
	if ip == "0" && strings.Trim(fp, "0") != "" && strings.HasPrefix(fp, "0000") {
		return false
	}
	return true
}

// TestPyNumLeafExhaustive: for every number text of up to 4 bytes and every
// prefix of one, under several sets, the tojson leaf accepts exactly the
// texts that Python prints back unchanged and lie in the set, and minRem
// is the length of the shortest such completion (compared where the
// brute force can see it: completions of up to 4 bytes).
func TestPyNumLeafExhaustive(t *testing.T) {
	const maxLen = 4
	var texts []string // every complete or partial text in the language
	var walk func(s string, integer bool)
	sets := []struct {
		name    string
		integer bool
		ivs     []interval
	}{
		{"all", false, fullLine},
		{"all-int", true, fullLine},
		{"[0,2]", false, []interval{{lo: ratOf(0), hi: ratOf(2)}}},
		{"[-3,-1]", false, []interval{{lo: ratOf(-3), hi: ratOf(-1)}}},
		{"[-1,0]", false, []interval{{lo: ratOf(-1), hi: ratOf(0)}}},
		{"[-1,0]-int", true, []interval{{lo: ratOf(-1), hi: ratOf(0)}}},
		{"{12.5}", false, []interval{{lo: ratOf(12.5), hi: ratOf(12.5)}}},
		{"[12.5,12.51)", false, []interval{{lo: ratOf(12.5), hi: ratOf(12.51), hiOpen: true}}},
		{"(0,0.01)", false, []interval{{lo: ratOf(0), loOpen: true, hi: ratOf(0.01), hiOpen: true}}},
		{"{0}", false, []interval{{lo: ratOf(0), hi: ratOf(0)}}},
		{"[1.05,1.1]", false, []interval{{lo: ratOf(1.05), hi: ratOf(1.1)}}},
	}
	for _, set := range sets {
		texts = texts[:0]
		walk = func(s string, integer bool) {
			texts = append(texts, s)
			if len(s) == maxLen {
				return
			}
			for _, b := range []byte("-0123456789.") {
				if _, ok := parseNumPrefix(s+string(b), integer); ok {
					walk(s+string(b), integer)
				}
			}
		}
		walk("", set.integer)
		l := newPyNumLeaf(set.integer, set.ivs)
		good := map[string]bool{}
		for _, s := range texts {
			if s == "" || s == "-" || strings.HasSuffix(s, ".") {
				continue
			}
			r, _ := new(big.Rat).SetString(s)
			in := false
			for _, iv := range set.ivs {
				lo := iv.lo == nil || r.Cmp(iv.lo) > 0 || r.Cmp(iv.lo) == 0 && !iv.loOpen
				hi := iv.hi == nil || r.Cmp(iv.hi) < 0 || r.Cmp(iv.hi) == 0 && !iv.hiOpen
				in = in || lo && hi
			}
			good[s] = in && pyCanonical(s)
		}
		// brute[s]: the shortest good completion of s within maxLen
		// bytes, by the trie of texts (children come after their prefix).
		brute := map[string]int{}
		for i := len(texts) - 1; i >= 0; i-- {
			s := texts[i]
			b := -1
			if good[s] {
				b = 0
			}
			for _, c := range []byte("-0123456789.") {
				if r, ok := brute[s+string(c)]; ok && r >= 0 && (b < 0 || r+1 < b) {
					b = r + 1
				}
			}
			brute[s] = b
		}
		finals := 0
		for _, s := range texts {
			if got := l.final(s); got != good[s] {
				t.Errorf("%s: final(%q) = %v, want %v", set.name, s, got, good[s])
			}
			if good[s] {
				finals++
			}
			brute := brute[s]
			got := l.minRem(s)
			switch {
			case brute >= 0 && got != brute:
				t.Errorf("%s: minRem(%q) = %d, want %d", set.name, s, got, brute)
			case brute < 0 && got >= 0 && len(s)+got <= maxLen:
				t.Errorf("%s: minRem(%q) = %d, but no text of up to %d bytes completes it", set.name, s, got, maxLen)
			}
		}
		if finals == 0 && set.name != "(0,0.01)" {
			t.Errorf("%s: no text accepted", set.name)
		}
	}
	// Below 1e-4 nothing is printed positionally; 1e-4 itself is.
	l := newPyNumLeaf(false, []interval{{lo: ratOf(0.00005), hi: ratOf(0.00009)}})
	if r := l.minRem(""); r != -1 {
		t.Errorf("5e-5..9e-5: minRem = %d, want -1 (repr prints 5e-05)", r)
	}
	l = newPyNumLeaf(false, []interval{{lo: ratOf(0), loOpen: true, hi: ratOf(1)}})
	if r := l.minRem("0.000"); r != 1 {
		t.Errorf("after 0.000: minRem = %d, want 1 (0.0001)", r)
	}
	// The plain leaf still writes every spelling.
	if p := newNumLeaf(false, fullLine); !p.final("12.50") || !p.final("-0") {
		t.Error("the plain leaf lost 12.50 or -0")
	}
}
