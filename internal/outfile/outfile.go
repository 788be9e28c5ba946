package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/specplan/specplan/internal/safetext"
	"golang.org/x/term"
)

// Sentinel causes of an *Error; tests and callers compare with errors.Is.
var (
	ErrSymlink     = errors.New("it is a symbolic link: give the file it points to, or remove the link")
	ErrNotWritable = errors.New("it is not a regular file, a FIFO or a character device")
	ErrDirectory   = errors.New("it is a directory")
	ErrTerminal    = errors.New("it is a terminal and the output is binary: redirect it to a file or give -o FILE")
	ErrInterrupted = errors.New("interrupted by a signal; the temporary file was removed")
	ErrEmptyName   = errors.New("empty file name (use - for standard output)")
)

// Error is a failure to write Path, the target the user named.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("cannot write %s: %v", safetext.Escape(e.Path), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Options say what Create may write to.
type Options struct {
	// Binary output is refused on a terminal (standard output or a tty
	// named by -o).
	Binary bool
	// Stdout is what "-" means; nil means os.Stdout.
	Stdout io.Writer
}

type kind int

const (
	kindStdout  kind = iota
	kindReplace      // temporary file renamed over the target
	kindInPlace      // FIFO or character device, opened and written
)

// File is an output being written. Write to it, then Commit or Abort; both
// may be called more than once and Abort after Commit does nothing.
type File struct {
	target string
	kind   kind
	w      io.Writer // stdout, the temporary file or the in-place node
	f      *os.File  // nil for stdout
	mode   fs.FileMode
	err    error // first write error, sticky
	done   bool  // committed or aborted
	abort  bool  // aborted: Commit must not report success

	// Guarded by pending's lock: set by the signal handler.
	interrupted bool
}

// Create opens path for writing under the rules of the package doc.
func Create(path string, opts Options) (*File, error) {
	if path == "" {
		return nil, &Error{Path: path, Err: ErrEmptyName}
	}
	if path == "-" {
		out := opts.Stdout
		if out == nil {
			out = os.Stdout
		}
		if opts.Binary && IsTerminal(out) {
			return nil, &Error{Path: "standard output", Err: ErrTerminal}
		}
		return &File{target: "standard output", kind: kindStdout, w: out}, nil
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createTemp(path, 0o644)
	case err != nil:
		return nil, &Error{Path: path, Err: errno(err)}
	case fi.Mode().IsRegular():
		return createTemp(path, fi.Mode().Perm())
	case fi.Mode()&fs.ModeSymlink != 0:
		// A link to a FIFO or a device (/dev/stdout on a pipe) is written
		// in place like the node itself: nothing is renamed. A link to
		// anything else is refused (see the package doc).
		if ti, err := os.Stat(path); err == nil && inPlaceKind(ti.Mode()) {
			return openInPlace(path, ti, opts)
		}
		return nil, &Error{Path: path, Err: ErrSymlink}
	case fi.IsDir():
		return nil, &Error{Path: path, Err: ErrDirectory}
	case inPlaceKind(fi.Mode()):
		return openInPlace(path, fi, opts)
	}
	return nil, &Error{Path: path, Err: ErrNotWritable}
}

// inPlaceKind: FIFOs and character devices, never block devices.
func inPlaceKind(m fs.FileMode) bool {
	return m&fs.ModeNamedPipe != 0 || m&fs.ModeCharDevice != 0
}

func openInPlace(path string, want fs.FileInfo, opts Options) (*File, error) {
	// No O_CREAT, no O_TRUNC: if the node was swapped for a regular file
	// since Lstat, opening it changes nothing, and the check below refuses.
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, &Error{Path: path, Err: errno(err)}
	}
	got, err := f.Stat()
	if err != nil || !inPlaceKind(got.Mode()) || !os.SameFile(got, want) {
		f.Close()
		return nil, &Error{Path: path, Err: ErrNotWritable}
	}
	if opts.Binary && term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, &Error{Path: path, Err: ErrTerminal}
	}
	return &File{target: path, kind: kindInPlace, w: f, f: f}, nil
}

func createTemp(path string, mode fs.FileMode) (*File, error) {
	base := filepath.Base(path)
	if len(base) > 64 { // the temporary name must stay under NAME_MAX
		base = base[:64]
	}
	out := &File{target: path, kind: kindReplace, mode: mode}
	var err error
	register(out, func() error {
		out.f, err = os.CreateTemp(filepath.Dir(path), "."+base+".*.tmp")
		return err
	})
	if err != nil {
		return nil, &Error{Path: path, Err: errno(err)}
	}
	out.w = out.f
	return out, nil
}

// Write writes to the output; an error names the target.
func (f *File) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.done {
		return 0, &Error{Path: f.target, Err: os.ErrClosed}
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.err = &Error{Path: f.target, Err: errno(err)}
		return n, f.err
	}
	return n, nil
}

// Name is the target, as given ("standard output" for "-").
func (f *File) Name() string { return f.target }

// Commit makes the output final: for a replaced file, sync, set the mode and
// rename over the target. After an earlier write error it aborts and
// returns that error.
func (f *File) Commit() error {
	if f.done {
		if f.abort && f.err == nil {
			return &Error{Path: f.target, Err: errors.New("aborted")}
		}
		return f.err
	}
	if f.err != nil {
		f.Abort()
		return f.err
	}
	f.done = true
	switch f.kind {
	case kindStdout:
		return nil
	case kindInPlace:
		if err := f.f.Close(); err != nil {
			f.err = &Error{Path: f.target, Err: errno(err)}
		}
		return f.err
	}
	err := f.f.Sync()
	if err == nil {
		err = f.f.Chmod(f.mode)
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = renameUnlessInterrupted(f)
	}
	unregister(f)
	if err != nil {
		os.Remove(f.f.Name())
		f.err = &Error{Path: f.target, Err: errno(err)}
	}
	return f.err
}

// Abort discards the output: a temporary file is removed, the target keeps
// what it had. Data already written to standard output or in place stays.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done, f.abort = true, true
	switch f.kind {
	case kindInPlace:
		f.f.Close()
	case kindReplace:
		f.f.Close()
		os.Remove(f.f.Name())
		unregister(f)
	}
}

// errno drops the *PathError or *LinkError wrapper, whose path may be the
// temporary file: errors name the target instead.
func errno(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// IsTerminal reports whether w is a terminal (an *os.File on a tty, or a
// writer that says so, like Checked around one).
func IsTerminal(w io.Writer) bool {
	switch w := w.(type) {
	case interface{ IsTerminal() bool }:
		return w.IsTerminal()
	case *os.File:
		return term.IsTerminal(int(w.Fd()))
	}
	return false
}

// Seekable is the temporary file of an output that is replaced atomically,
// for an encoder that must seek or write at offsets (GGUF); nil for
// standard output and in-place outputs, which cannot seek. Errors from
// writing to it go through Fail, so that they name the target.
func (f *File) Seekable() *os.File {
	if f.kind == kindReplace && !f.done {
		return f.f
	}
	return nil
}

// Fail aborts the output and returns err as an *Error for the target (err's
// own *PathError, which may name the temporary file, is dropped).
func (f *File) Fail(err error) error {
	f.Abort()
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return &Error{Path: f.target, Err: errno(err)}
}
