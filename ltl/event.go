package ltl

// Event is one position of a trace: exactly one of a non-call step (Step set,
// Tool empty) or a call of one tool (Tool set, with its arguments).
//
// On the wire (JSON Lines) an event is `{"tool":"get_order","args":{"order_id":"A17"}}`
// or `{"step":"thought","text":"..."}`. Args holds what encoding/json decodes
// into `any` with UseNumber; ReadTrace and ParseExamples give numbers as
// json.Number, exactly as written (9007199254740993 and 1e400 stay so), and
// encoding an Event writes them back unchanged.
type Event struct {
	Step string         `json:"step,omitempty"`
	Tool string         `json:"tool,omitempty"`
	Args map[string]any `json:"args,omitempty"`
	Text string         `json:"text,omitempty"` // free text of a step; never affects verdicts
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
