package automata

// Minimize returns the minimal trimmed DFA of d's language: Hopcroft's
// partition refinement on d completed with an explicit dead state, then the
// quotient restricted to states that are reachable and can reach
// acceptance, numbered in breadth-first order from the initial state
// (symbols in increasing order), so equal languages give identical DFAs.
// Runs in O(n·|Σ|·log n) time for n states.
func Minimize(d *DFA) *DFA {
	t := Trim(d) // smaller input; also makes the dead class exactly the missing transitions
	n := len(t.Trans)
	if n == 0 {
		return emptyDFA(d.Alphabet)
	}
	nsym := len(t.Alphabet.Symbols)
	N := n + 1 // state n is the dead state
	dead := int32(n)
	// Inverse transitions in CSR form per symbol: for symbol a, the
	// predecessors of state q are inv[a][off[a][q]:off[a][q+1]].
	off := make([][]int32, nsym)
	inv := make([][]int32, nsym)
	for a := 0; a < nsym; a++ {
		cnt := make([]int32, N+1)
		for q := 0; q < N; q++ {
			cnt[tgt(t, q, a, dead)+1]++
		}
		for i := 1; i <= N; i++ {
			cnt[i] += cnt[i-1]
		}
		list := make([]int32, N)
		fill := append([]int32(nil), cnt[:N]...)
		for q := 0; q < N; q++ {
			r := tgt(t, q, a, dead)
			list[fill[r]] = int32(q)
			fill[r]++
		}
		off[a], inv[a] = cnt, list
	}
	// Partition: elems holds states grouped by block; block b is
	// elems[first[b]:end[b]].
	elems := make([]int32, 0, N)
	for q := 0; q < n; q++ {
		if t.Accepting[q] {
			elems = append(elems, int32(q))
		}
	}
	nacc := len(elems)
	for q := 0; q < N; q++ {
		if q == n || !t.Accepting[q] {
			elems = append(elems, int32(q))
		}
	}
	pos := make([]int32, N)
	block := make([]int32, N)
	var first, end []int32
	newBlock := func(lo, hi int) {
		b := int32(len(first))
		first = append(first, int32(lo))
		end = append(end, int32(hi))
		for i := lo; i < hi; i++ {
			block[elems[i]] = b
		}
	}
	for i, q := range elems {
		pos[q] = int32(i)
	}
	if nacc > 0 {
		newBlock(0, nacc)
	}
	if nacc < N {
		newBlock(nacc, N)
	}
	marked := make([]int32, 0, N)
	inW := make([]bool, len(first), N)
	var work []int32
	for b := range first {
		work = append(work, int32(b))
		inW[b] = true
	}
	mcount := make([]int32, N)
	var touched []int32
	splitter := make([]int32, 0, N)
	for len(work) > 0 {
		B := work[len(work)-1]
		work = work[:len(work)-1]
		inW[B] = false
		splitter = append(splitter[:0], elems[first[B]:end[B]]...)
		for a := 0; a < nsym; a++ {
			touched = touched[:0]
			marked = marked[:0]
			for _, r := range splitter {
				for _, q := range inv[a][off[a][r]:off[a][r+1]] {
					b := block[q]
					// Move q to the marked prefix of its block.
					if pos[q] < first[b]+mcount[b] {
						continue // already marked (deterministic: cannot happen twice, but cheap to guard)
					}
					if mcount[b] == 0 {
						touched = append(touched, b)
					}
					j := first[b] + mcount[b]
					other := elems[j]
					elems[j], elems[pos[q]] = q, other
					pos[other], pos[q] = pos[q], j
					mcount[b]++
					marked = append(marked, q)
				}
			}
			for _, b := range touched {
				m := mcount[b]
				mcount[b] = 0
				size := end[b] - first[b]
				if m == size {
					continue
				}
				// Split: the marked prefix becomes a new block.
				lo := first[b]
				first[b] = lo + m
				newBlock(int(lo), int(lo+m))
				nb := int32(len(first) - 1)
				inW = append(inW, false)
				if inW[b] || m <= size-m {
					work = append(work, nb)
					inW[nb] = true
				} else {
					work = append(work, b)
					inW[b] = true
				}
				if inW[b] && !inW[nb] {
					work = append(work, nb)
					inW[nb] = true
				}
			}
		}
	}
	// Quotient: one state per block, the dead state's block dropped.
	nb := len(first)
	qt := make([][]int32, nb)
	qacc := make([]bool, nb)
	deadBlock := block[dead]
	for b := 0; b < nb; b++ {
		rep := int(elems[first[b]])
		row := make([]int32, nsym)
		for a := 0; a < nsym; a++ {
			r := block[tgt(t, rep, a, dead)]
			if r == deadBlock {
				row[a] = -1
			} else {
				row[a] = r
			}
		}
		qt[b] = row
		if rep != n {
			qacc[b] = t.Accepting[rep]
		}
	}
	init := int(block[t.Initial])
	if block[t.Initial] == deadBlock {
		return emptyDFA(d.Alphabet)
	}
	return Trim(&DFA{Alphabet: d.Alphabet, Initial: init, Accepting: qacc, Trans: qt})
}

func tgt(d *DFA, q, a int, dead int32) int32 {
	if q == int(dead) {
		return dead
	}
	if r := d.Trans[q][a]; r >= 0 {
		return r
	}
	return dead
}

// Trim returns d restricted to the states that are reachable from the
// initial state and can reach an accepting state; transitions to other
// states become -1. States are renumbered in breadth-first order from the
// initial state (symbols in increasing order). If the initial state cannot
// reach acceptance the result is the empty DFA (zero states, Initial -1).
func Trim(d *DFA) *DFA {
	if d.Initial < 0 || d.Initial >= len(d.Trans) {
		return emptyDFA(d.Alphabet)
	}
	dist := d.Distances()
	if dist[d.Initial] < 0 {
		return emptyDFA(d.Alphabet)
	}
	num := make([]int32, len(d.Trans))
	for i := range num {
		num[i] = -1
	}
	order := []int{d.Initial}
	num[d.Initial] = 0
	for i := 0; i < len(order); i++ {
		for _, t := range d.Trans[order[i]] {
			if t >= 0 && dist[t] >= 0 && num[t] < 0 {
				num[t] = int32(len(order))
				order = append(order, int(t))
			}
		}
	}
	trans := make([][]int32, len(order))
	acc := make([]bool, len(order))
	for i, q := range order {
		row := make([]int32, len(d.Trans[q]))
		for a, t := range d.Trans[q] {
			row[a] = -1
			if t >= 0 {
				row[a] = num[t]
			}
		}
		trans[i] = row
		acc[i] = d.Accepting[q]
	}
	return &DFA{Alphabet: d.Alphabet, Initial: 0, Accepting: acc, Trans: trans}
}
