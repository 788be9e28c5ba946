package outfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mustCreate(t *testing.T, path string, opts Options) *File {
	t.Helper()
	f, err := Create(path, opts)
	if err != nil {
		t.Fatalf("Create(%q): %v", path, err)
	}
	return f
}

// leftovers lists the temporary files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewFileAppearsOnCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.dot")
	f := mustCreate(t, path, Options{})
	if _, err := io.WriteString(f, "digraph {}\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("target exists before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
	}
	if data, _ := os.ReadFile(path); string(data) != "digraph {}\n" {
		t.Errorf("content %q", data)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

func TestReplaceKeepsModeAndAbortKeepsContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := mustCreate(t, path, Options{})
	io.WriteString(f, "half")
	f.Abort()
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("after Abort the target holds %q, want the old content", data)
	}
	f = mustCreate(t, path, Options{})
	io.WriteString(f, "new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if data, _ := os.ReadFile(path); string(data) != "new" || fi.Mode() != 0o600 {
		t.Errorf("after Commit: %q mode %v, want \"new\" mode -rw-------", data, fi.Mode())
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

func TestSymlinkToFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.txt")
	os.WriteFile(real, []byte("keep"), 0o644)
	for name, dest := range map[string]string{"link": real, "dangling": filepath.Join(dir, "nowhere")} {
		link := filepath.Join(dir, name)
		if err := os.Symlink(dest, link); err != nil {
			t.Fatal(err)
		}
		_, err := Create(link, Options{})
		if !errors.Is(err, ErrSymlink) {
			t.Errorf("%s: Create = %v, want ErrSymlink", name, err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s: the link was replaced: %v %v", name, fi.Mode(), err)
		}
	}
	if data, _ := os.ReadFile(real); string(data) != "keep" {
		t.Errorf("the link's target was written: %q", data)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("a dangling link's target was created")
	}
}

// A link to /dev/null (never /dev/null itself: as root, a broken writer
// would replace the system's) is written in place; the link stays a link
// and the device a device.
func TestSymlinkToDevNullWritesInPlace(t *testing.T) {
	link := filepath.Join(t.TempDir(), "null")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	f := mustCreate(t, link, Options{})
	if _, err := io.WriteString(f, "discarded"); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if dest, err := os.Readlink(link); err != nil || dest != "/dev/null" {
		t.Errorf("link now %q, %v", dest, err)
	}
	if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a character device: %v %v", fi.Mode(), err)
	}
}

func TestFIFOIsWrittenInPlace(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		r, err := os.Open(fifo) // waits for the writer
		if err != nil {
			got <- err.Error()
			return
		}
		data, _ := io.ReadAll(r)
		r.Close()
		got <- string(data)
	}()
	f := mustCreate(t, fifo, Options{})
	io.WriteString(f, "through the pipe")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Errorf("reader got %q", s)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a speed check
		t.Fatal("the reader never got the data")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
}

// mknod makes a device node in a temporary directory (the test runs as root
// in CI and here; without CAP_MKNOD it says so and skips).
func mknod(t *testing.T, name string, mode uint32, major, minor int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := syscall.Mknod(path, mode|0o666, major<<8|minor); err != nil {
		t.Skipf("cannot make device nodes here (%v): needs CAP_MKNOD", err)
	}
	return path
}

func TestCharDeviceIsWrittenInPlace(t *testing.T) {
	null := mknod(t, "null", syscall.S_IFCHR, 1, 3)
	f := mustCreate(t, null, Options{})
	io.WriteString(f, "discarded")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	full := mknod(t, "full", syscall.S_IFCHR, 1, 7)
	f = mustCreate(t, full, Options{})
	_, err := io.WriteString(f, "no room")
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("write to a full device: %v, want ENOSPC", err)
	}
	if err := f.Commit(); err == nil || !strings.Contains(err.Error(), full) {
		t.Errorf("Commit = %v, want the write error naming %s", err, full)
	}
	for _, p := range []string{null, full} {
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s is no longer a character device: %v %v", p, fi.Mode(), err)
		}
	}
}

func TestBlockDeviceDirectoryAndSocketAreRefused(t *testing.T) {
	blk := mknod(t, "loop", syscall.S_IFBLK, 7, 0)
	if _, err := Create(blk, Options{}); !errors.Is(err, ErrNotWritable) {
		t.Errorf("block device: %v, want ErrNotWritable", err)
	}
	if fi, err := os.Lstat(blk); err != nil || fi.Mode()&fs.ModeDevice == 0 {
		t.Errorf("block device node replaced: %v %v", fi.Mode(), err)
	}
	if _, err := Create(t.TempDir(), Options{}); !errors.Is(err, ErrDirectory) {
		t.Errorf("directory: %v, want ErrDirectory", err)
	}
}

// Errors name the target, never the temporary file.
func TestErrorsNameTheTarget(t *testing.T) {
	dir := t.TempDir()
	_, err := Create(filepath.Join(dir, "missing", "out.svg"), Options{})
	if err == nil || !strings.Contains(err.Error(), "missing/out.svg") || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("Create in a missing directory: %v", err)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	target := filepath.Join(sub, "out.svg")
	f := mustCreate(t, target, Options{})
	io.WriteString(f, "x")
	os.RemoveAll(sub) // the rename now fails
	err = f.Commit()
	if err == nil || !strings.Contains(err.Error(), target) || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("Commit after the directory vanished: %v", err)
	}
	var oe *Error
	if !errors.As(err, &oe) || oe.Path != target {
		t.Errorf("error %T %v is not an *Error for %s", err, err, target)
	}
}

func TestErrorEscapesTheName(t *testing.T) {
	err := &Error{Path: "a\x1b]0;x\x07\nb", Err: ErrSymlink}
	if s := err.Error(); strings.ContainsAny(s, "\x1b\x07\n") {
		t.Errorf("error text carries controls: %q", s)
	}
}

type fakeTerminal struct{ bytes.Buffer }

func (*fakeTerminal) IsTerminal() bool { return true }

func TestStdout(t *testing.T) {
	var out bytes.Buffer
	f := mustCreate(t, "-", Options{Stdout: &out, Binary: true})
	io.WriteString(f, "PNG")
	if err := f.Commit(); err != nil || out.String() != "PNG" {
		t.Errorf("stdout got %q, %v", out.String(), err)
	}
	if _, err := os.Lstat("-"); err == nil {
		t.Error(`a file named "-" was created`)
	}
	tty := &fakeTerminal{}
	if _, err := Create("-", Options{Stdout: NewChecked(tty), Binary: true}); !errors.Is(err, ErrTerminal) {
		t.Errorf("binary to a terminal: %v, want ErrTerminal", err)
	}
	if _, err := Create("-", Options{Stdout: tty}); err != nil {
		t.Errorf("text to a terminal: %v", err)
	}
	if _, err := Create("", Options{}); !errors.Is(err, ErrEmptyName) {
		t.Errorf(`Create(""): %v`, err)
	}
}

// The helper process: Create a file in $OUTFILE_HELPER_DIR, write to it,
// say "ready" and wait to be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("OUTFILE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper for TestSignalRemovesTemporaryFile")
	}
	f, err := Create(filepath.Join(dir, "model.gguf"), Options{})
	if err != nil {
		os.Exit(3)
	}
	io.WriteString(f, "partial")
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
	os.Exit(4) // the signal should have ended the process first
}

func TestSignalRemovesTemporaryFile(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "OUTFILE_HELPER_DIR="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
		if l := leftovers(t, dir); len(l) != 1 {
			t.Errorf("%v: want one temporary file while writing, have %v", sig, l)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: helper ended with %v, want death by the signal", sig, err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 0 {
			t.Errorf("%v: files left after the signal: %v", sig, entries)
		}
	}
}
