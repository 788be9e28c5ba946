package ltl

import (
	"bytes"
	"encoding/json"
)

// Event is one position of a trace: exactly one of a non-call step (Step set,
// Tool empty) or a call of one tool (Tool set, with its arguments and, once
// the environment has answered, its outcome: a result or an error).
//
// On the wire (JSON Lines) an event is `{"tool":"get_order","args":{"order_id":"A17"}}`
// or `{"step":"thought","text":"..."}`; a call that got an answer carries it,
// `{"tool":"get_order","args":{…},"result":{…}}` or
// `{"tool":"hold_seat","args":{…},"error":"sold out"}` (see ReadTrace for
// the observation-step form). Args and Result hold what encoding/json
// decodes into `any` with UseNumber; ReadTrace and ParseExamples give
// numbers as json.Number, exactly as written (9007199254740993 and 1e400
// stay so), and encoding an Event (MarshalJSON) writes them back unchanged,
// with the outcome on the call.
type Event struct {
	Step string         `json:"step,omitempty"`
	Tool string         `json:"tool,omitempty"`
	Args map[string]any `json:"args,omitempty"`
	Text string         `json:"text,omitempty"` // free text of a step; never affects verdicts
	// Outcome says whether a call has an answer yet: Pending (no result
	// yet, and always for steps), Returned (Result holds it; nil is the
	// JSON null) or Failed (Error holds the message, possibly empty).
	Outcome Outcome `json:"-"`
	Result  any     `json:"-"`
	Error   string  `json:"-"`
}

// Outcome is what the environment answered to a call.
type Outcome uint8

const (
	Pending  Outcome = iota // no answer (yet): a call in flight, or a log without results
	Returned                // the call returned Event.Result
	Failed                  // the call failed with Event.Error
)

func (o Outcome) String() string {
	switch o {
	case Pending:
		return "pending"
	case Returned:
		return "returned"
	case Failed:
		return "failed"
	}
	return "Outcome(?)"
}

// IsCall reports whether e is a tool call.
func (e Event) IsCall() bool { return e.Tool != "" }

// Name is the step kind or the tool name.
func (e Event) Name() string {
	if e.Tool != "" {
		return e.Tool
	}
	return e.Step
}

// MarshalJSON writes the event as one trace line: step, tool, args, text,
// then "result" (a Returned call, null included) or "error" (a Failed
// call). ReadTrace reads it back to an equal event.
func (e Event) MarshalJSON() ([]byte, error) {
	type wire struct {
		Step   string          `json:"step,omitempty"`
		Tool   string          `json:"tool,omitempty"`
		Args   map[string]any  `json:"args,omitempty"`
		Text   string          `json:"text,omitempty"`
		Result json.RawMessage `json:"result,omitempty"`
		Error  *string         `json:"error,omitempty"`
	}
	w := wire{Step: e.Step, Tool: e.Tool, Args: e.Args, Text: e.Text}
	if e.Tool != "" {
		switch e.Outcome {
		case Returned:
			raw, err := marshalText(e.Result)
			if err != nil {
				return nil, err
			}
			w.Result = raw
		case Failed:
			msg := e.Error
			w.Error = &msg
		}
	}
	return marshalText(w)
}

// marshalText is json.Marshal without HTML escaping: a trace is data, and
// `<tool_call>` in a text or result must read back as written (an encoder
// that escapes HTML still does so on top of this; one that does not keeps it).
func marshalText(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
