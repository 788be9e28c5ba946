package decoder

import (
	"math/big"
)

// Numbers are written as -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most
// maxNumDigits digits in all (integer and fraction digits, a leading 0
// included) and no exponent. With at most 15 significant digits two distinct
// written values parse to distinct float64s, and a value compares with a
// float64 constant (taken at its shortest decimal form) the same way in exact
// decimal arithmetic as after parsing, so the byte automaton and the parser
// that checks the output agree on every predicate.
const maxNumDigits = 15

// interval is a set of reals between lo and hi; nil bounds are infinite.
type interval struct {
	lo, hi         *big.Rat
	loOpen, hiOpen bool
}

// numLeaf recognizes a number in the union of ivs (integers only if integer).
// The leaf state is the text typed so far.
type numLeaf struct {
	integer bool
	// tojson: only the spellings Python's json.dumps prints (pyNumLeaf).
	tojson bool
	ivs    []interval
	memo   map[string]int // minRem by prefix; guarded by the Index lock
}

func newNumLeaf(integer bool, ivs []interval) *numLeaf {
	return &numLeaf{integer: integer, ivs: ivs, memo: map[string]int{}}
}

// newPyNumLeaf is newNumLeaf for formats whose template reprints the
// arguments with tojson (FormatSpec.TojsonNumbers): within the number
// language above, json.dumps prints an integer as written except -0 (it
// prints 0), and a float (at most 15 significant digits, so the shortest
// repr is the written digits) without trailing fraction zeros except a
// single ".0", and in exponent form below 1e-4. So the leaf writes no
// "-0", no fraction ending in 0 other than ".0", and no value with
// 0 < |v| < 1e-4 (taken out of the intervals; -0.0 stays, as Python
// prints it). minRem stays exact (see compute), so the leaf has no dead
// ends.
func newPyNumLeaf(integer bool, ivs []interval) *numLeaf {
	tiny := big.NewRat(1, 10000)
	ivs = intersect(ivs, []interval{{hi: neg(tiny)}, {lo: bigZero, hi: bigZero}, {lo: tiny}})
	return &numLeaf{integer: integer, tojson: true, ivs: ivs, memo: map[string]int{}}
}

func (l *numLeaf) init() string { return "" }

func (l *numLeaf) final(ls string) bool { return l.minRem(ls) == 0 }

// numPrefix is a parsed prefix of a number.
type numPrefix struct {
	neg  bool
	ip   string // integer digits
	dot  bool
	fp   string // fraction digits
	sign bool   // text is non-empty (sign or digits chosen)
}

func parseNumPrefix(s string, integer bool) (numPrefix, bool) {
	var p numPrefix
	i := 0
	if i < len(s) && s[i] == '-' {
		p.neg = true
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	p.ip = s[boolInt(p.neg):i]
	if len(p.ip) > 1 && p.ip[0] == '0' {
		return p, false
	}
	if i < len(s) && s[i] == '.' {
		if integer || len(p.ip) == 0 {
			return p, false
		}
		p.dot = true
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		p.fp = s[j:i]
	}
	if i != len(s) || len(p.ip)+len(p.fp) > maxNumDigits {
		return p, false
	}
	p.sign = len(s) > 0
	return p, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (l *numLeaf) step(ls string, b byte) (string, bool) {
	if !(b >= '0' && b <= '9' || b == '-' || b == '.') {
		return "", false
	}
	s := ls + string(b)
	if _, ok := parseNumPrefix(s, l.integer); !ok {
		return "", false
	}
	if l.minRem(s) < 0 {
		return "", false
	}
	return s, true
}

var (
	ratTen  = big.NewRat(10, 1)
	pow10   [2*maxNumDigits + 2]*big.Rat // 10^i
	pow10n  [2*maxNumDigits + 2]*big.Rat // 10^-i
	bigZero = new(big.Rat)
)

func init() {
	pow10[0], pow10n[0] = big.NewRat(1, 1), big.NewRat(1, 1)
	for i := 1; i < len(pow10); i++ {
		pow10[i] = new(big.Rat).Mul(pow10[i-1], ratTen)
		pow10n[i] = new(big.Rat).Inv(pow10[i])
	}
}

// minRem is the fewest bytes that complete ls to a number in the set, -1 if
// none: it tries the completion shapes (extra integer digits k, fraction
// digits j) in order of their length and asks whether the grid of values of
// that shape meets an interval.
func (l *numLeaf) minRem(ls string) int {
	if r, ok := l.memo[ls]; ok {
		return r
	}
	r := l.compute(ls)
	l.memo[ls] = r
	return r
}

type numShape struct {
	neg   bool
	base  *big.Rat // smallest magnitude of the shape
	step  *big.Rat // distance between consecutive values
	count *big.Rat // number of values (an integer)
	bytes int
}

// numGroup is a family of completion shapes that differ only in the number
// of fraction digits j; grids with more fraction digits contain those with
// fewer (trailing zeros), so if the largest j misses, the group is dead.
type numGroup struct {
	neg        bool
	base       *big.Rat
	count      *big.Rat // number of values at j = 0 (times 10^j for j digits)
	countShift int      // count at j is count·10^(j-countShift)
	jmin, jmax int
	bytes      func(j int) int
}

func (g numGroup) shape(j int) numShape {
	return numShape{neg: g.neg, base: g.base, step: pow10n[j],
		count: new(big.Rat).Mul(g.count, pow10[j-g.countShift]), bytes: g.bytes(j)}
}

func (l *numLeaf) compute(ls string) int {
	p, ok := parseNumPrefix(ls, l.integer)
	if !ok {
		return -1
	}
	maxJ := func(used int) int {
		if l.integer {
			return 0
		}
		return maxNumDigits - used
	}
	fracBytes := func(j int) int {
		if j == 0 {
			return 0
		}
		return j + 1
	}
	var groups []numGroup
	switch {
	case len(p.ip) == 0:
		signs := []bool{true}
		if !p.sign {
			signs = []bool{false, true}
		}
		for _, neg := range signs {
			extra := boolInt(neg && !p.sign)
			for L := 1; L <= maxNumDigits; L++ {
				base, count := new(big.Rat), new(big.Rat).SetInt64(10)
				if L > 1 {
					base = pow10[L-1]
					count = new(big.Rat).Mul(big.NewRat(9, 1), pow10[L-1])
				}
				bytes := func(j int) int { return extra + L + fracBytes(j) }
				if l.tojson && neg && L == 1 {
					// "-1".."-9" as integers, "-0.…" only with a fraction.
					groups = append(groups, numGroup{neg: true, base: big.NewRat(1, 1), count: big.NewRat(9, 1), bytes: bytes})
					if maxJ(L) >= 1 {
						groups = append(groups, numGroup{neg: true, base: base, count: count, jmin: 1, jmax: maxJ(L), bytes: bytes})
					}
					continue
				}
				groups = append(groups, numGroup{neg: neg, base: base, count: count, jmax: maxJ(L), bytes: bytes})
			}
		}
	case !p.dot:
		P, _ := new(big.Rat).SetString(p.ip)
		maxK := maxNumDigits - len(p.ip)
		if p.ip == "0" {
			maxK = 0
		}
		for k := 0; k <= maxK; k++ {
			jmin := 0
			if l.tojson && p.neg && p.ip == "0" {
				jmin = 1 // "-0" is printed 0; "-0.0" is kept
			}
			if jmax := maxJ(len(p.ip) + k); jmax >= jmin {
				groups = append(groups, numGroup{neg: p.neg, base: new(big.Rat).Mul(P, pow10[k]), count: pow10[k],
					jmin: jmin, jmax: jmax, bytes: func(j int) int { return k + fracBytes(j) }})
			}
		}
	default:
		P, _ := new(big.Rat).SetString(p.ip + "." + p.fp + "0")
		f := len(p.fp)
		if l.tojson && f >= 2 && p.fp[f-1] == '0' {
			// The prefix itself is not printed so (12.50): a completion
			// adds digits, the last not 0, i.e. P + m·10^-j with m ≥ 1.
			// At the least j where such a value is in the set, one of
			// them has m not a multiple of 10 (else j-1 had one).
			return l.trailingZeroRem(p.neg, P, f, maxNumDigits-len(p.ip))
		}
		if jmax := maxNumDigits - len(p.ip); jmax >= max(f, 1) {
			groups = append(groups, numGroup{neg: p.neg, base: P, count: big.NewRat(1, 1), countShift: f,
				jmin: max(f, 1), jmax: jmax, bytes: func(j int) int { return j - f }})
		}
	}
	best := -1
	for _, g := range groups {
		if best >= 0 && g.bytes(g.jmin) >= best {
			continue
		}
		if !l.meets(g.shape(g.jmax)) {
			continue
		}
		for j := g.jmin; j <= g.jmax; j++ {
			b := g.bytes(j)
			if best >= 0 && b >= best {
				break
			}
			if l.meets(g.shape(j)) {
				best = b
				break
			}
		}
	}
	return best
}

// trailingZeroRem is compute's answer for a prefix P with f fraction
// digits ending in 0 under tojson: the fewest digits j-f (j ≤ jmax) such
// that some ±(P + m·10^-j), 1 ≤ m < 10^(j-f), lies in the set.
func (l *numLeaf) trailingZeroRem(neg bool, P *big.Rat, f, jmax int) int {
	for j := f + 1; j <= jmax; j++ {
		count := new(big.Rat).Sub(pow10[j-f], big.NewRat(1, 1))
		if l.meets(numShape{neg: neg, base: new(big.Rat).Add(P, pow10n[j]), step: pow10n[j], count: count, bytes: j - f}) {
			return j - f
		}
	}
	return -1
}

// meets reports whether some value ±(base + m·step), 0 <= m < count, lies in
// one of the intervals.
func (l *numLeaf) meets(sh numShape) bool {
	last := new(big.Rat).Mul(sh.step, new(big.Rat).Sub(sh.count, big.NewRat(1, 1)))
	last.Add(last, sh.base)
	for _, iv := range l.ivs {
		lo, hi, loOpen, hiOpen := iv.lo, iv.hi, iv.loOpen, iv.hiOpen
		if sh.neg { // magnitudes of negative values: mirror the interval
			lo, hi, loOpen, hiOpen = neg(iv.hi), neg(iv.lo), iv.hiOpen, iv.loOpen
		}
		first := sh.base
		if lo != nil {
			if c := lo.Cmp(sh.base); c > 0 {
				// first grid point >= lo
				q := new(big.Rat).Sub(lo, sh.base)
				q.Quo(q, sh.step)
				m := new(big.Int).Quo(q.Num(), q.Denom())
				if !q.IsInt() {
					m.Add(m, big.NewInt(1))
				}
				first = new(big.Rat).Mul(new(big.Rat).SetInt(m), sh.step)
				first.Add(first, sh.base)
				if loOpen && first.Cmp(lo) == 0 {
					first.Add(first, sh.step)
				}
			} else if c == 0 && loOpen {
				first = new(big.Rat).Add(sh.base, sh.step)
			}
		}
		if first.Cmp(last) > 0 {
			continue
		}
		if hi != nil {
			c := first.Cmp(hi)
			if c > 0 || c == 0 && hiOpen {
				continue
			}
		}
		return true
	}
	return false
}

func neg(r *big.Rat) *big.Rat {
	if r == nil {
		return nil
	}
	return new(big.Rat).Neg(r)
}

// Interval algebra for predicates and schema bounds.

var fullLine = []interval{{}}

func intersect(a, b []interval) []interval {
	var out []interval
	for _, x := range a {
		for _, y := range b {
			iv := interval{lo: x.lo, loOpen: x.loOpen, hi: x.hi, hiOpen: x.hiOpen}
			if y.lo != nil && (iv.lo == nil || y.lo.Cmp(iv.lo) > 0 || y.lo.Cmp(iv.lo) == 0 && y.loOpen) {
				iv.lo, iv.loOpen = y.lo, y.loOpen
			}
			if y.hi != nil && (iv.hi == nil || y.hi.Cmp(iv.hi) < 0 || y.hi.Cmp(iv.hi) == 0 && y.hiOpen) {
				iv.hi, iv.hiOpen = y.hi, y.hiOpen
			}
			if iv.lo != nil && iv.hi != nil {
				c := iv.lo.Cmp(iv.hi)
				if c > 0 || c == 0 && (iv.loOpen || iv.hiOpen) {
					continue
				}
			}
			out = append(out, iv)
		}
	}
	return out
}

var _ = bigZero

// resetMemo drops the memo with the byte automaton's generation: it holds
// one entry per number prefix ever written.
func (l *numLeaf) resetMemo() { l.memo = map[string]int{} }
