package main

import (
	"bufio"
	"bytes"
	"encoding/json"
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

	"github.com/specplan/specplan/internal/safetext"
)

const reactSpec = "../../specs/react.ltl"

// helperPlan runs the plan CLI in a child process (this test binary, with
// TestHelperPlan selected), so that real file descriptors, SIGPIPE and
// signals behave as they do for the installed binary.
func helperPlan(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPlan$")
	enc, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), "PLAN_HELPER_ARGS="+string(enc))
	return cmd
}

func TestHelperPlan(t *testing.T) {
	a := os.Getenv("PLAN_HELPER_ARGS")
	if a == "" {
		t.Skip("helper process for the tests that run plan as a child")
	}
	var args []string
	if err := json.Unmarshal([]byte(a), &args); err != nil {
		os.Exit(99)
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

func isKind(t *testing.T, path string, kind fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if fi.Mode().Type() != kind {
		t.Errorf("%s is now %v, want type %v: the node was replaced", path, fi.Mode(), kind)
	}
}

func mknod(t *testing.T, dir, name string, mode uint32, major, minor int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := syscall.Mknod(path, mode|0o666, major<<8|minor); err != nil {
		t.Skipf("cannot make device nodes here (%v): needs CAP_MKNOD", err)
	}
	return path
}

// -o never replaces what is not a regular file. The device nodes are made
// in a temporary directory: the real /dev/null and /dev/full are never the
// target, since a broken writer running as root would replace them.
func TestCompileOutputToSpecialFiles(t *testing.T) {
	dir := t.TempDir()

	t.Run("fifo", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			r, err := os.Open(fifo)
			if err != nil {
				got <- err.Error()
				return
			}
			data, _ := io.ReadAll(r)
			r.Close()
			got <- string(data)
		}()
		_, stderr, code := runPlan(t, "compile", "-o", fifo, reactSpec)
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		select {
		case s := <-got:
			if !strings.HasPrefix(s, "digraph") {
				t.Errorf("the FIFO's reader got %.60q, want the DOT", s)
			}
		case <-time.After(30 * time.Second): // a hang guard, not a speed check
			t.Error("the FIFO's reader got nothing")
		}
		isKind(t, fifo, fs.ModeNamedPipe)
	})

	t.Run("null-device", func(t *testing.T) {
		null := mknod(t, dir, "null", syscall.S_IFCHR, 1, 3)
		if _, stderr, code := runPlan(t, "compile", "-o", null, reactSpec); code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		isKind(t, null, fs.ModeDevice|fs.ModeCharDevice)
	})

	t.Run("full-device", func(t *testing.T) {
		full := mknod(t, dir, "full", syscall.S_IFCHR, 1, 7)
		_, stderr, code := runPlan(t, "compile", "-o", full, reactSpec)
		if code != exitInput || stderr != "plan: cannot write "+full+": no space left on device\n" {
			t.Errorf("exit %d, stderr %q: want 2 and the write error naming the device", code, stderr)
		}
		isKind(t, full, fs.ModeDevice|fs.ModeCharDevice)
	})

	t.Run("block-device", func(t *testing.T) {
		blk := mknod(t, dir, "loop", syscall.S_IFBLK, 7, 0)
		_, stderr, code := runPlan(t, "compile", "-o", blk, reactSpec)
		if code != exitInput || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("exit %d, stderr %q: want a refusal", code, stderr)
		}
		isKind(t, blk, fs.ModeDevice)
	})

	t.Run("symlink-to-dev-null", func(t *testing.T) {
		link := filepath.Join(dir, "null-link")
		os.Symlink("/dev/null", link)
		if _, stderr, code := runPlan(t, "compile", "-o", link, reactSpec); code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		isKind(t, link, fs.ModeSymlink)
		isKind(t, "/dev/null", fs.ModeDevice|fs.ModeCharDevice)
	})

	t.Run("symlink-to-file", func(t *testing.T) {
		target := filepath.Join(dir, "real.dot")
		os.WriteFile(target, []byte("keep"), 0o644)
		link := filepath.Join(dir, "file-link")
		os.Symlink(target, link)
		_, stderr, code := runPlan(t, "compile", "-o", link, reactSpec)
		if code != exitInput || !strings.Contains(stderr, "symbolic link") {
			t.Errorf("exit %d, stderr %q: want a refusal naming the link", code, stderr)
		}
		isKind(t, link, fs.ModeSymlink)
		if data, _ := os.ReadFile(target); string(data) != "keep" {
			t.Errorf("the link's target was overwritten: %.40q", data)
		}
	})

	t.Run("regular-file-keeps-mode", func(t *testing.T) {
		path := filepath.Join(dir, "out.dot")
		os.WriteFile(path, []byte("old"), 0o600)
		if _, stderr, code := runPlan(t, "compile", "-o", path, reactSpec); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		fi, _ := os.Stat(path)
		data, _ := os.ReadFile(path)
		if fi.Mode() != 0o600 || !bytes.HasPrefix(data, []byte("digraph")) {
			t.Errorf("mode %v content %.20q: want the DOT with mode -rw-------", fi.Mode(), data)
		}
	})

	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// failingWriter fails every write with err, like stdout on /dev/full (ENOSPC)
// or on a pipe whose reader left (EPIPE).
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// Every command that prints to stdout: a lost write is exit 2 and one
// message, whatever the command found; a closed pipe is quiet.
func TestStdoutWriteErrors(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.jsonl")
	os.WriteFile(trace, []byte(`{"step":"thought"}`+"\n"+`{"step":"answer"}`+"\n"), 0o644)
	commands := [][]string{
		{"check", reactSpec},
		{"validate", reactSpec, trace},
		{"validate", "--json", reactSpec, trace},
		{"witness", "-n", "3", reactSpec},
		{"compile", reactSpec},
		{"compile", "-f", "json", "-o", "-", reactSpec},
		{"diff", reactSpec, "../../specs/reflexion.ltl"},
		{"diff", "--json", reactSpec, reactSpec},
		{"--help"},
	}
	for _, args := range commands {
		var stderr bytes.Buffer
		code := run(args, failingWriter{syscall.ENOSPC}, &stderr)
		if code != exitInput || stderr.String() != "plan: cannot write standard output: no space left on device\n" {
			t.Errorf("%v on a full disk: exit %d, stderr %q; want 2 and one message", args, code, stderr.String())
		}
		stderr.Reset()
		code = run(args, failingWriter{syscall.EPIPE}, &stderr)
		if code != exitBrokenPipe || stderr.Len() != 0 {
			t.Errorf("%v on a closed pipe: exit %d, stderr %q; want 141 and silence", args, code, stderr.String())
		}
	}
}

// The same with real file descriptors: stdout on /dev/full (opened for
// writing, never replaced), and `plan witness | head -1`.
func TestStdoutOnDevFullAndClosedPipe(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	for _, args := range [][]string{{"check", reactSpec}, {"validate", reactSpec, "../../specs/testdata/react/accept/" + firstFile(t, "../../specs/testdata/react/accept")}} {
		cmd := helperPlan(t, args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != exitInput || !strings.Contains(stderr.String(), "cannot write standard output: no space left on device") {
			t.Errorf("%v > /dev/full: exit %d, stderr %q", args, code, stderr.String())
		}
	}

	cmd := helperPlan(t, "witness", "-n", "20000", reactSpec)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	stdout.Close() // like head -1
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	brokenPipe := ws.Signaled() && ws.Signal() == syscall.SIGPIPE || ws.Exited() && ws.ExitStatus() == exitBrokenPipe
	if !strings.HasPrefix(line, "{") || !brokenPipe || stderr.Len() != 0 {
		t.Errorf("witness | head -1: first line %q, status %v, stderr %q; want SIGPIPE (141) and silence", line, ws, stderr.String())
	}
}

// hostile names a file so that printing it raw would set the terminal's
// title, forge an "ok" line and reverse the text after it.
const hostile = "evil\x1b]0;PWNED\x07\nok    fake\u202e\u0085.jsonl"

func assertSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range strings.ReplaceAll(strings.ReplaceAll(out, "\n", ""), "\t", "") {
		if safetext.Unsafe(r) {
			t.Errorf("%s carries %U: %q", what, r, out)
			return
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ok    fake") {
			t.Errorf("%s has a forged line: %q", what, out)
		}
	}
}

func TestFileNamesAreEscapedInOutput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	good := `{"step":"thought"}` + "\n" + `{"step":"answer"}` + "\n"
	if err := os.WriteFile(hostile, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := hostile + ".bad"
	os.WriteFile(bad, []byte(`{"step":"answer"}`+"\n"+`{"step":"answer"}`+"\n"), 0o644)
	spec := "spec\x1b[2J\u202e.ltl"
	src, _ := os.ReadFile(filepath.Join(pkgRoot, "specs/react.ltl"))
	os.WriteFile(spec, src, 0o644)
	unsat := "unsat\x1b[31m.ltl"
	os.WriteFile(unsat, []byte("spec u\nsteps a\nrule G !a\nrule F a\n"), 0o644)
	for _, args := range [][]string{
		{"validate", spec, hostile, bad},
		{"validate", "--json", spec, hostile, bad},
		{"validate", spec, hostile + ".missing"},
		{"check", spec, hostile + ".missing"},
		{"compile", unsat},
		{"compile", "-o", hostile + "/x", spec},
		{"diff", spec, unsat},
		{"diff", "--json", spec, unsat},
		{"witness", unsat},
		{"check", "--tools", hostile, spec},
		{"no-such-command\x1b]0;x\x07"},
	} {
		stdout, stderr, _ := runPlan(t, args...)
		assertSafe(t, "stdout of "+safetext.Escape(strings.Join(args, " ")), stdout)
		assertSafe(t, "stderr of "+safetext.Escape(strings.Join(args, " ")), stderr)
	}
	// And the escape is visible: a reader can tell what the name was.
	stdout, _, _ := runPlan(t, "validate", spec, hostile)
	if want := `ok    evil\x1b]0;PWNED\x07\nok    fake\u202e\u0085.jsonl`; !strings.Contains(stdout, want) {
		t.Errorf("stdout %q does not show the name as %q", stdout, want)
	}
}

// pkgRoot is the repository root, fixed before any test changes directory.
var pkgRoot = func() string { r, _ := filepath.Abs("../.."); return r }()

// JSON output: exact for a JSON reader (the value round-trips), inert for a
// terminal (controls, C1 and bidi runes as \u escapes).
func TestJSONOutputEscapesUnsafeRunes(t *testing.T) {
	var buf bytes.Buffer
	name := "a\u202eb\u0085c\x7fd\u2028e\x1b"
	if err := writeJSONL(&buf, traceReport{Trace: name}); err != nil {
		t.Fatal(err)
	}
	assertSafe(t, "JSON", buf.String())
	var back traceReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Trace != name {
		t.Errorf("round trip: %q, %v; want %q", back.Trace, err, name)
	}
}

func TestModelTinyToStdout(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	stdout, stderr, code := runPlan(t, "model", "tiny", "--embd", "8", "--layers", "1", "-o", "-")
	if code != 0 || !strings.HasPrefix(stdout, "GGUF") {
		t.Fatalf("exit %d, stdout %.8q, stderr %s: want a GGUF on stdout", code, stdout, stderr)
	}
	if !strings.HasPrefix(stderr, "wrote standard output: llama architecture") {
		t.Errorf("stderr %q: want the summary there, not mixed into the model", stderr)
	}
	if _, err := os.Lstat("-"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(`a file named "-" was written (%v)`, err)
	}
	// The model through a file is the same bytes.
	if _, stderr, code := runPlan(t, "model", "tiny", "--embd", "8", "--layers", "1", "-o", "m.gguf"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile("m.gguf"); !bytes.Equal(data, []byte(stdout)) {
		t.Errorf("-o - and -o FILE differ (%d and %d bytes)", len(stdout), len(data))
	}
	var errb bytes.Buffer
	code = run([]string{"model", "tiny", "--embd", "8", "--layers", "1", "-o", "-"}, &terminal{}, &errb)
	if code != exitInput || !strings.Contains(errb.String(), "terminal") {
		t.Errorf("binary to a terminal: exit %d, stderr %q; want a refusal", code, errb.String())
	}
	code = run([]string{"compile", "-f", "png", reactSpec}, &terminal{}, &errb)
	if code != exitInput {
		t.Errorf("png to a terminal: exit %d; want a refusal", code)
	}
}

// terminal is a writer that says it is a terminal.
type terminal struct{ bytes.Buffer }

func (*terminal) IsTerminal() bool { return true }

// Interrupting `plan model tiny -o F` removes the temporary file: the
// directory holds nothing afterwards, neither F nor a .F.*.tmp.
func TestModelTinyInterruptedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		target := filepath.Join(dir, "m.gguf")
		cmd := helperPlan(t, "model", "tiny", "--embd", "2048", "--layers", "4", "-o", target)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the temporary file (the tokenizer loads first).
		deadline := time.Now().Add(2 * time.Minute) // hang guard
		for {
			m, _ := filepath.Glob(filepath.Join(dir, ".*")) // any temporary file
			if len(m) > 0 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no temporary file appeared; stderr %s", stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: ended with %v (stderr %q), want death by the signal", sig, ws, stderr.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v: left %v", sig, entries)
		}
	}
}

func firstFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	return entries[0].Name()
}

// plan model tiny -o follows the same rules as compile -o: a FIFO gets the
// model in place (through a scratch file, since GGUF is written at
// offsets), a device node stays a device, a link to a file is refused.
func TestModelTinyOutputToSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	small := []string{"model", "tiny", "--embd", "8", "--layers", "1", "-o"}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		r, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		data, _ := io.ReadAll(r)
		r.Close()
		got <- data
	}()
	if _, stderr, code := runPlan(t, append(small, fifo)...); code != 0 {
		t.Errorf("-o FIFO: exit %d: %s", code, stderr)
	}
	select {
	case data := <-got:
		if !bytes.HasPrefix(data, []byte("GGUF")) {
			t.Errorf("the FIFO's reader got %.8q, want a GGUF", data)
		}
	case <-time.After(60 * time.Second): // a hang guard, not a speed check
		t.Error("the FIFO's reader got nothing")
	}
	isKind(t, fifo, fs.ModeNamedPipe)

	target := filepath.Join(dir, "real.gguf")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link.gguf")
	os.Symlink(target, link)
	if _, stderr, code := runPlan(t, append(small, link)...); code != exitInput || !strings.Contains(stderr, "symbolic link") {
		t.Errorf("-o link: exit %d, stderr %q: want a refusal", code, stderr)
	}
	isKind(t, link, fs.ModeSymlink)
	if data, _ := os.ReadFile(target); string(data) != "keep" {
		t.Errorf("the link's target was overwritten")
	}

	full := mknod(t, dir, "full", syscall.S_IFCHR, 1, 7)
	if _, stderr, code := runPlan(t, append(small, full)...); code != exitInput || !strings.Contains(stderr, "cannot write "+full+": no space left on device") {
		t.Errorf("-o full device: exit %d, stderr %q", code, stderr)
	}
	isKind(t, full, fs.ModeDevice|fs.ModeCharDevice)
}
