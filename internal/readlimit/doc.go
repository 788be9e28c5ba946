// Package readlimit reads untrusted input under a size limit.
//
// Contract: All and File never read more than one byte past the limit, so
// a reader that never ends (/dev/zero, a FIFO) costs the limit, not the
// machine; the buffer grows as data arrives, so a small input costs
// little. Over the limit they report over (and no data) and leave the
// error message to the caller, which names its own limit, flag and
// Option. Read and open errors are returned as they are.
package readlimit
