package llama

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// GGUF value types whose size is fixed, by type id.
var ggufFixedSize = map[uint32]uint64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

const (
	ggufTypeString = 8
	ggufTypeArray  = 9
	ggufMaxDims    = 4 // GGML_MAX_DIMS
)

// ggufLayout walks a GGUF file's header, metadata and tensor infos (never
// the tensor data) and checks every count and length against the bytes the
// file has left. llama.cpp's loader allocates what a length claims before
// it reads: a 70-byte file claiming a 2 GiB array made it allocate and
// zero 2 GiB, then fail. One pass, no allocation beyond a small buffer.
type ggufLayout struct {
	r    *bufio.Reader
	pos  uint64 // bytes consumed
	size uint64 // file size
}

func checkGGUFLayout(r io.Reader, size int64) error {
	g := &ggufLayout{r: bufio.NewReaderSize(r, 64<<10), size: uint64(size)}
	if err := g.skip(4); err != nil { // magic, checked by the caller
		return err
	}
	version, err := g.u32()
	if err != nil {
		return err
	}
	if version != 2 && version != 3 {
		return nil // llama.cpp refuses it with a message of its own, having allocated nothing
	}
	nTensors, err := g.u64()
	if err != nil {
		return err
	}
	nKV, err := g.u64()
	if err != nil {
		return err
	}
	// Each entry takes some bytes: a count beyond what the file can hold is
	// refused before the loop rather than looped over.
	if nKV > g.left()/13 {
		return fmt.Errorf("%d metadata entries claimed, but %d bytes are left (at byte %d)", nKV, g.left(), g.pos)
	}
	for range nKV {
		if err := g.str(); err != nil {
			return err
		}
		typ, err := g.u32()
		if err != nil {
			return err
		}
		if err := g.value(typ, 0); err != nil {
			return err
		}
	}
	if nTensors > g.left()/24 {
		return fmt.Errorf("%d tensors claimed, but %d bytes are left (at byte %d)", nTensors, g.left(), g.pos)
	}
	for range nTensors {
		if err := g.str(); err != nil {
			return err
		}
		nDims, err := g.u32()
		if err != nil {
			return err
		}
		if nDims > ggufMaxDims {
			return fmt.Errorf("a tensor with %d dimensions, over %d (at byte %d)", nDims, ggufMaxDims, g.pos)
		}
		if err := g.skip(uint64(nDims)*8 + 4 + 8); err != nil { // dims, type, offset
			return err
		}
	}
	return nil
}

func (g *ggufLayout) left() uint64 { return g.size - g.pos }

func (g *ggufLayout) need(n uint64, what string) error {
	if n > g.left() {
		return fmt.Errorf("%s of %d bytes runs past the end of the file (at byte %d of %d)", what, n, g.pos, g.size)
	}
	return nil
}

func (g *ggufLayout) skip(n uint64) error {
	if err := g.need(n, "a value"); err != nil {
		return err
	}
	for n > 0 {
		k := min(n, 1<<30)
		d, err := g.r.Discard(int(k))
		g.pos += uint64(d)
		if err != nil {
			return fmt.Errorf("cannot read at byte %d: %w", g.pos, err)
		}
		n -= k
	}
	return nil
}

func (g *ggufLayout) u32() (uint32, error) {
	var b [4]byte
	if err := g.need(4, "a 4-byte value"); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(g.r, b[:]); err != nil {
		return 0, err
	}
	g.pos += 4
	return binary.LittleEndian.Uint32(b[:]), nil
}

func (g *ggufLayout) u64() (uint64, error) {
	var b [8]byte
	if err := g.need(8, "an 8-byte value"); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(g.r, b[:]); err != nil {
		return 0, err
	}
	g.pos += 8
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (g *ggufLayout) str() error {
	n, err := g.u64()
	if err != nil {
		return err
	}
	if err := g.need(n, "a string"); err != nil {
		return err
	}
	return g.skip(n)
}

func (g *ggufLayout) value(typ uint32, depth int) error {
	if size, ok := ggufFixedSize[typ]; ok {
		return g.skip(size)
	}
	switch typ {
	case ggufTypeString:
		return g.str()
	case ggufTypeArray:
		if depth > 0 {
			return fmt.Errorf("an array inside an array (at byte %d)", g.pos)
		}
		elem, err := g.u32()
		if err != nil {
			return err
		}
		n, err := g.u64()
		if err != nil {
			return err
		}
		if size, ok := ggufFixedSize[elem]; ok {
			if n > g.left()/size {
				return fmt.Errorf("an array of %d %d-byte values runs past the end of the file (at byte %d of %d)", n, size, g.pos, g.size)
			}
			return g.skip(n * size)
		}
		if n > g.left()/8 { // every element is at least its 8-byte length
			return fmt.Errorf("an array of %d values runs past the end of the file (at byte %d of %d)", n, g.pos, g.size)
		}
		for range n {
			if err := g.value(elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown metadata value type %d (at byte %d)", typ, g.pos)
}
