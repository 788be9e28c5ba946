package outfile

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// pending holds the temporary files that exist now. While there is one, a
// signal handler is installed that removes them all and raises the signal
// again; with none, signals are left alone, so a command that writes no
// file (or a caller with its own handler) sees the usual behaviour.
var pending struct {
	sync.Mutex
	files map[*File]bool
	ch    chan os.Signal
}

var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// register runs create (which makes f's temporary file) under the lock, so
// a signal arriving meanwhile waits for the file to exist and removes it.
func register(f *File, create func() error) {
	pending.Lock()
	defer pending.Unlock()
	if pending.ch == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, cleanupSignals...)
		pending.ch = ch
		go watch(ch)
	}
	if create() != nil {
		stopIfIdle()
		return
	}
	if pending.files == nil {
		pending.files = map[*File]bool{}
	}
	pending.files[f] = true
}

func unregister(f *File) {
	pending.Lock()
	defer pending.Unlock()
	delete(pending.files, f)
	stopIfIdle()
}

// stopIfIdle removes the handler when no temporary file is left; the lock
// is held.
func stopIfIdle() {
	if len(pending.files) == 0 && pending.ch != nil {
		signal.Stop(pending.ch)
		close(pending.ch)
		pending.ch = nil
	}
}

// renameUnlessInterrupted renames f's temporary file over its target unless
// the signal handler removed it; under the lock, so the two cannot cross.
func renameUnlessInterrupted(f *File) error {
	pending.Lock()
	defer pending.Unlock()
	if f.interrupted {
		return ErrInterrupted
	}
	return os.Rename(f.f.Name(), f.target)
}

func watch(ch chan os.Signal) {
	sig, ok := <-ch
	if !ok {
		return
	}
	pending.Lock()
	for f := range pending.files {
		os.Remove(f.f.Name())
		f.interrupted = true
	}
	clear(pending.files)
	if pending.ch == ch {
		stopIfIdle()
	} else {
		signal.Stop(ch)
	}
	pending.Unlock()
	// Take the signal's usual course: with no other handler for it left,
	// the process dies of it (and the shell reports 128+N); a caller that
	// handles it itself gets it now.
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
}
