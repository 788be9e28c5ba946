package decoder

import (
	"container/list"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// Mask is the set of tokens allowed in one state, as a bitset over token ids.
// A Mask is immutable once built and may be shared by many sessions.
type Mask struct {
	bits  []uint64
	n     int // vocabulary size
	count int
	// maxCost is the largest budget any allowed token needs (1 + the cost
	// of its end state): with a budget at least this large the mask is the
	// same as without budget.
	maxCost int32
}

func newMask(n int) *Mask { return &Mask{bits: make([]uint64, (n+63)/64), n: n} }

func (m *Mask) set(tok int) {
	w, b := tok>>6, uint(tok&63)
	if m.bits[w]&(1<<b) == 0 {
		m.bits[w] |= 1 << b
		m.count++
	}
}

// Has reports whether tok is allowed.
func (m *Mask) Has(tok int) bool {
	if tok < 0 || tok >= m.n {
		return false
	}
	return m.bits[tok>>6]&(1<<uint(tok&63)) != 0
}

// Count is the number of allowed tokens.
func (m *Mask) Count() int { return m.count }

// First is the smallest allowed token, -1 if none.
func (m *Mask) First() int {
	for i, w := range m.bits {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// Nth is the k-th allowed token in increasing order (0-based), -1 when k is
// out of range: a uniform draw from the mask without listing it.
func (m *Mask) Nth(k int) int {
	if k < 0 || k >= m.count {
		return -1
	}
	for i, w := range m.bits {
		c := bits.OnesCount64(w)
		if k >= c {
			k -= c
			continue
		}
		for ; k > 0; k-- {
			w &= w - 1
		}
		return i*64 + bits.TrailingZeros64(w)
	}
	return -1
}

// Tokens lists the allowed tokens in increasing order.
func (m *Mask) Tokens() []int {
	out := make([]int, 0, m.count)
	for i, w := range m.bits {
		for w != 0 {
			out = append(out, i*64+bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
	return out
}

// Apply sets the logits of disallowed tokens to -Inf. Logits beyond the
// vocabulary (some models pad the output layer) are disallowed too. Runs of
// disallowed words are filled with one copy from a -Inf template (memmove
// speed); mixed words touch only their disallowed bits.
func (m *Mask) Apply(logits []float32) {
	ninf := float32(math.Inf(-1))
	tmpl := negInfTemplate(len(logits))
	nw := min(len(m.bits), (len(logits)+63)/64)
	for i := 0; i < nw; {
		w := m.bits[i]
		if w == 0 {
			j := i + 1
			for j < nw && m.bits[j] == 0 {
				j++
			}
			end := min(j*64, len(logits))
			copy(logits[i*64:end], tmpl)
			i = j
			continue
		}
		if w != math.MaxUint64 {
			base := i * 64
			for z := ^w; z != 0; z &= z - 1 {
				if k := base + bits.TrailingZeros64(z); k < len(logits) {
					logits[k] = ninf
				}
			}
		}
		i++
	}
	if m.n < len(logits) {
		copy(logits[m.n:], tmpl)
	}
}

var negInfTmpl atomic.Pointer[[]float32]

// negInfTemplate returns a read-only slice of at least n -Inf values.
func negInfTemplate(n int) []float32 {
	if p := negInfTmpl.Load(); p != nil && len(*p) >= n {
		return *p
	}
	t := make([]float32, max(n, 1<<17))
	for i := range t {
		t[i] = float32(math.Inf(-1))
	}
	negInfTmpl.Store(&t)
	return t
}

func (m *Mask) sizeBytes() int { return len(m.bits)*8 + 64 }

func (m *Mask) equal(o *Mask) bool {
	return m.n == o.n && m.count == o.count && m.maxCost == o.maxCost && slices.Equal(m.bits, o.bits)
}

// maskCache keeps masks by key (state id and budget) under a memory cap,
// evicting the least recently used entries; identical masks are stored once
// (deduplicated by hash). It never fails: a mask larger than the cap is
// returned to the caller and simply not kept.
type maskCache struct {
	mu      sync.Mutex
	capB    int
	used    int
	seed    maphash.Seed
	entries map[cacheKey]*list.Element // key → element holding *cacheEntry
	// gen is the byte automaton's generation whose state ids the keys
	// name; masks of other generations are neither returned nor kept.
	gen     uint64
	lru     *list.List             // front: most recent
	uniq    map[uint64][]*uniqMask // content hash → masks
	hits    int64
	misses  int64
	evicted int64
}

// cacheKey names a mask: the byte state (id within generation gen) and
// the budget (noBudget: none).
type cacheKey struct {
	gen    uint64
	id     uint32
	budget uint32
}

type cacheEntry struct {
	key cacheKey
	u   *uniqMask
}

type uniqMask struct {
	m    *Mask
	hash uint64
	refs int
}

func newMaskCache(capBytes int) *maskCache {
	return &maskCache{capB: capBytes, seed: maphash.MakeSeed(), entries: map[cacheKey]*list.Element{},
		lru: list.New(), uniq: map[uint64][]*uniqMask{}}
}

func (c *maskCache) get(key cacheKey) *Mask {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key.gen != c.gen {
		c.misses++
		return nil
	}
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.hits++
		return el.Value.(*cacheEntry).u.m
	}
	c.misses++
	return nil
}

func (c *maskCache) hash(m *Mask) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	var b [8]byte
	for _, w := range m.bits {
		for i := range 8 {
			b[i] = byte(w >> (8 * i))
		}
		h.Write(b[:])
	}
	return h.Sum64() ^ uint64(m.maxCost)<<1
}

// put stores m under key and returns the canonical (deduplicated) mask.
func (c *maskCache) put(key cacheKey, m *Mask) *Mask {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key.gen != c.gen {
		return m // computed for a dropped generation: its ids mean nothing now
	}
	if el, ok := c.entries[key]; ok {
		return el.Value.(*cacheEntry).u.m
	}
	h := c.hash(m)
	var u *uniqMask
	for _, x := range c.uniq[h] {
		if x.m.equal(m) {
			u = x
			break
		}
	}
	if u == nil {
		if m.sizeBytes() > c.capB {
			return m
		}
		u = &uniqMask{m: m, hash: h}
		c.uniq[h] = append(c.uniq[h], u)
		c.used += m.sizeBytes()
	}
	u.refs++
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, u: u})
	for c.used > c.capB && c.lru.Len() > 0 {
		c.evictOldest()
	}
	return u.m
}

// clear drops every entry and moves the cache to generation gen (the
// counters stay: they describe the Index's whole life).
func (c *maskCache) clear(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen = gen
	c.entries = map[cacheKey]*list.Element{}
	c.lru.Init()
	c.uniq = map[uint64][]*uniqMask{}
	c.used = 0
}

func (c *maskCache) evictOldest() {
	el := c.lru.Back()
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.evicted++
	e.u.refs--
	if e.u.refs == 0 {
		c.used -= e.u.m.sizeBytes()
		lst := c.uniq[e.u.hash]
		lst = slices.DeleteFunc(lst, func(x *uniqMask) bool { return x == e.u })
		if len(lst) == 0 {
			delete(c.uniq, e.u.hash)
		} else {
			c.uniq[e.u.hash] = lst
		}
	}
}
