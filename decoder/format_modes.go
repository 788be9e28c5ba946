package decoder

// The message grammar shared by the byte automaton and Format.Parse. A
// model message is a sequence of events; what may come next, and the text
// written before it, depend only on the message mode: where in the message
// the previous event left it. The project's own line formats have a single
// mode (every event ends with its newline, any event may follow any other).

type msgMode uint8

const (
	mBegin  msgMode = iota // nothing written yet in this message
	mText                  // after a step line or the think block
	mCall                  // after a call that is not in a list
	mList                  // inside an open call list, after a call
	mClosed                // after the message's calls: only the end of the message
	numModes
)

// eventKind is what is written: a step line, the think block, a call, or
// the close of a call list (not an event).
type eventKind uint8

const (
	evStep eventKind = iota
	evThink
	evCall
	evClose
)

// flat reports whether the format has a single message mode.
func (f Format) flat() bool {
	d := f.d
	return d.ListOpen == "" && d.CallSep == "" && !d.Single && d.Think == nil && d.StepsAfterCalls && !d.CallsOnly
}

// modes is how many message modes the format's states distinguish.
func (f Format) modes() int {
	if f.flat() {
		return 1
	}
	return int(numModes)
}

func (f Format) norm(m msgMode) msgMode {
	if f.flat() {
		return mBegin
	}
	return m
}

// before says whether an event of kind k may be written in mode m, the
// text written before the event's own text, and the mode after it.
func (f Format) before(k eventKind, m msgMode) (pre string, out msgMode, ok bool) {
	d := f.d
	if f.flat() {
		return "", mBegin, k != evThink && k != evClose
	}
	switch k {
	case evThink:
		return "", mText, m == mBegin && d.Think != nil
	case evStep:
		if m == mBegin && d.Think != nil && d.Think.InPrompt {
			return "", 0, false // the message starts inside the think block
		}
		switch m {
		case mBegin, mText:
			return "", mText, true
		case mCall:
			return d.CallSep, mText, d.StepsAfterCalls
		}
	case evCall:
		if m == mBegin && d.Think != nil && d.Think.InPrompt {
			return "", 0, false
		}
		if m == mText && d.CallsOnly {
			return "", 0, false // the template would drop the text before it
		}
		switch m {
		case mBegin, mText:
			switch {
			case d.ListOpen != "":
				if d.Single {
					return d.ListOpen, mClosed, true // list closed by the call's own text
				}
				return d.ListOpen, mList, true
			case d.Single:
				return "", mClosed, true
			}
			return "", mCall, true
		case mCall:
			return d.CallSep, mCall, !d.Single
		case mList:
			return d.ListSep, mList, !d.Single
		}
	case evClose:
		return d.ListClose, mClosed, m == mList
	}
	return "", 0, false
}

// after is the text written after a call's own text in mode out (a Single
// list format closes its list right after the call).
func (f Format) after(k eventKind, out msgMode) string {
	if k == evCall && f.d.ListOpen != "" && f.d.Single && out == mClosed {
		return f.d.ListClose
	}
	return ""
}

// canEnd reports whether a message may end in mode m.
func (f Format) canEnd(m msgMode) bool { return f.flat() || m != mList }
