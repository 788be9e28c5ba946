//go:build unix

package specplan_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// TestToolsFromNeedsARegularFile: the file a spec names with `tools from`
// is read only when it is a regular file. A spec is input like any other:
// naming a FIFO made CompileFile wait for a writer (plan check hung), and
// a device (/dev/stdin, /dev/tty) read whatever was there. The error is at
// the declaration and says what the file is.
func TestToolsFromNeedsARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "c.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	// A writer with a valid catalog: before the fix the read succeeded.
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString(`[{"type":"function","function":{"name":"a"}}]`)
			f.Close()
		}
	}()
	t.Cleanup(func() {
		// Let the writer go if nothing opened the FIFO for reading.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	for _, target := range []string{"c.json", "/dev/null"} {
		spec := filepath.Join(dir, "s.ltl")
		os.WriteFile(spec, []byte("spec s\nsteps answer\ntools from \""+target+"\"\nrule F answer\n"), 0o644)
		_, err := specplan.CompileFile(spec, specplan.Options{})
		var l ltl.ErrorList
		if !errors.As(err, &l) || l[0].Pos.Filename != spec || l[0].Pos.Line != 3 || !strings.Contains(l[0].Msg, "not a regular file") {
			t.Errorf("tools from %q: %v, want an error at s.ltl:3 saying it is not a regular file", target, err)
		}
	}
}
