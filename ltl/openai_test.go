package ltl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const logSpec = `spec s
steps answer, observation
tools get_order, refund
rule F answer
`

func logSpecParsed(t testing.TB) *Spec {
	t.Helper()
	s, err := Parse("s.ltl", []byte(logSpec), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func call(id, name, args string) string {
	b, _ := json.Marshal(args)
	return fmt.Sprintf(`{"id":%q,"type":"function","function":{"name":%q,"arguments":%s}}`, id, name, b)
}

var (
	logUser   = `{"role":"user","content":"refund order 7"}`
	logA1     = `{"role":"assistant","content":null,"tool_calls":[` + call("c1", "get_order", `{"id": 7}`) + `]}`
	logT1     = `{"role":"tool","tool_call_id":"c1","content":"{\"total\": 30}"}`
	logA2     = `{"role":"assistant","content":"","tool_calls":[` + call("c2", "refund", `{"amount": 30}`) + `]}`
	logT2     = `{"role":"tool","tool_call_id":"c2","name":"refund","content":"done"}`
	logA3     = `{"role":"assistant","content":"Refunded 30."}`
	logReq1   = `{"model":"m","messages":[` + logUser + `]}`
	logResp1  = `{"id":"r1","choices":[{"index":0,"message":` + logA1 + `,"finish_reason":"tool_calls"}]}`
	logReq2   = `{"model":"m","messages":[` + strings.Join([]string{logUser, logA1, logT1}, ",") + `]}`
	logResp2  = `{"id":"r2","choices":[{"index":0,"message":` + logA2 + `}]}`
	logReq3   = `{"model":"m","messages":[` + strings.Join([]string{logUser, logA1, logT1, logA2, logT2}, ",") + `]}`
	logResp3  = `{"id":"r3","choices":[{"index":0,"message":` + logA3 + `}]}`
	logWanted = []Event{
		{Tool: "get_order", Args: map[string]any{"id": json.Number("7")}, Outcome: Returned, Result: map[string]any{"total": json.Number("30")}},
		{Tool: "refund", Args: map[string]any{"amount": json.Number("30")}, Outcome: Returned, Result: "done"},
		{Step: "answer", Text: "Refunded 30."},
	}
)

func readLog(t *testing.T, src string, lo LogOptions) ([]LogEvent, error) {
	t.Helper()
	return ReadOpenAILog("log.json", []byte(src), logSpecParsed(t), lo)
}

func logEvents(l []LogEvent) []Event {
	out := make([]Event, len(l))
	for i, e := range l {
		out[i] = e.Event
	}
	return out
}

// Every shape of one conversation reads as the same events, each once.
func TestReadOpenAILogShapes(t *testing.T) {
	msgs := "[" + strings.Join([]string{logUser, logA1, logT1, logA2, logT2, logA3}, ",") + "]"
	for name, src := range map[string]string{
		"array":            msgs,
		"object":           `{"messages":` + msgs + `,"tools":[]}`,
		"jsonl":            strings.Join([]string{logReq1, logResp1, logReq2, logResp2, logReq3, logResp3}, "\n") + "\n",
		"jsonl requests":   strings.Join([]string{logReq1, logReq2, logReq3, `{"messages":` + msgs + `}`}, "\n"),
		"jsonl repeated":   strings.Join([]string{logReq1, logResp1, logReq1, logResp1, logReq2, logResp2, logReq2, logResp2, logReq3, logResp3}, "\n"),
		"pairs":            strings.Join([]string{`{"request":` + logReq1 + `,"response":` + logResp1 + `}`, `{"request":` + logReq2 + `,"response":` + logResp2 + `}`, `{"request":` + logReq3 + `,"response":` + logResp3 + `}`}, "\n"),
		"batch":            strings.Join([]string{`{"custom_id":"a","body":` + logReq3 + `}`, `{"custom_id":"a","response":{"status_code":200,"body":` + logResp3 + `}}`}, "\n"),
		"crlf and blanks":  "\r\n" + strings.Join([]string{logReq1, logResp1, "", logReq2, logResp2, logReq3, logResp3}, "\r\n"),
		"content as parts": strings.Replace(msgs, `"content":"Refunded 30."`, `"content":[{"type":"text","text":"Refunded "},{"type":"text","text":"30."}]`, 1),
	} {
		got, err := readLog(t, src, LogOptions{TextStep: "answer"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(logEvents(got), logWanted) {
			t.Errorf("%s: events\n%v\nwant\n%v", name, logEvents(got), logWanted)
		}
	}
}

// Positions: each event where its message first appears; ToolStep steps
// at the tool message; the last calls of a log stay pending.
func TestReadOpenAILogPositionsAndSteps(t *testing.T) {
	src := strings.Join([]string{logReq1, logResp1, logReq2, logResp2}, "\n")
	got, err := readLog(t, src, LogOptions{ToolStep: "observation"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, fmt.Sprintf("%s@%d:%d/%v", e.Event.Name(), e.Pos.Line, e.Pos.Column, e.Event.Outcome))
	}
	c1 := strings.Index(logResp1, `{"id":"c1"`) + 1
	t1 := strings.Index(logReq2, logT1) + 1
	c2 := strings.Index(logResp2, `{"id":"c2"`) + 1
	want := []string{
		fmt.Sprintf("get_order@2:%d/%v", c1, Returned),
		fmt.Sprintf("observation@3:%d/%v", t1, Pending),
		fmt.Sprintf("refund@4:%d/%v", c2, Pending),
	}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("got %v, want %v", kinds, want)
	}
	// Without TextStep, assistant text is not an event.
	got, err = readLog(t, "["+strings.Join([]string{logUser, logA1, logT1, logA3}, ",")+"]", LogOptions{})
	if err != nil || len(got) != 1 || got[0].Event.Tool != "get_order" {
		t.Errorf("without TextStep: %v, %v", logEvents(got), err)
	}
}

func TestReadOpenAILogErrors(t *testing.T) {
	arr := func(ms ...string) string { return "[" + strings.Join(ms, ",") + "]" }
	for _, c := range []struct {
		name, src string
		code      Code
		at        string // the text the error points at (its first occurrence)
		msg       string
	}{
		{"unknown id", arr(logUser, logA1, `{"role":"tool","tool_call_id":"zz","content":"x"}`), ErrLogAnswer, `{"role":"tool","tool_call_id":"zz"`, `"zz" answers no tool call`},
		{"answered twice", arr(logUser, logA1, logT1, strings.Replace(logT1, `"role"`, ` "role"`, 1)), ErrLogAnswer, `{ "role":"tool"`, "answered twice"},
		{"unanswered", arr(logUser, logA1, logA3), ErrLogAnswer, logA3, "has no tool message answering it"},
		{"unanswered before user", arr(logUser, logA1, logUser), ErrLogAnswer, logUser + "]", "before this user message"},
		{"id reused", arr(logUser, logA1, logT1, strings.Replace(logA1, `"content":null`, `"content":null `, 1)), ErrLogAnswer, `{"id":"c1","type":"function","function":{"name":"get_order","arguments":"{\"id\": 7}"}}]}]`, "used by an earlier call"},
		{"name mismatch", arr(logUser, logA1, `{"role":"tool","tool_call_id":"c1","name":"refund","content":"x"}`), ErrLogAnswer, `{"role":"tool","tool_call_id":"c1","name"`, `names "refund"`},
		{"bad arguments", arr(logUser, `{"role":"assistant","tool_calls":[`+call("c1", "get_order", `{"id": 7,}`)+`]}`), ErrLogCall, `}"}}]}]`, "not a JSON object"},
		{"arguments escaped", arr(logUser, `{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"get_order","arguments":"{\"n\u00e9\": 1 x}"}}]}`), ErrLogCall, `x}"}}]}]`, "not a JSON object"},
		{"duplicate argument", arr(logUser, `{"role":"assistant","tool_calls":[`+call("c1", "get_order", `{"id": 7, "id": 8}`)+`]}`), ErrLogCall, `\"id\": 8}`, "duplicate"},
		{"arguments not object", arr(logUser, `{"role":"assistant","tool_calls":[`+call("c1", "get_order", `[1]`)+`]}`), ErrLogCall, `"[1]"`, "not an object"},
		{"empty arguments", arr(logUser, `{"role":"assistant","tool_calls":[`+call("c1", "get_order", ``)+`]}`), ErrLogCall, `"}}]}]`, "not a JSON object"},
		{"no id", arr(logUser, `{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"get_order","arguments":"{}"}}]}`), ErrLogCall, `{"type":"function"`, `needs a string "id"`},
		{"undeclared tool", arr(logUser, `{"role":"assistant","tool_calls":[`+call("c1", "get_ordr", `{}`)+`]}`), ErrTraceUndeclared, `{"id":"c1"`, `did you mean "get_order"`},
		{"legacy function_call", arr(logUser, `{"role":"assistant","function_call":{"name":"get_order","arguments":"{}"}}`), ErrLogShape, `{"name":"get_order"`, "legacy"},
		{"case variant", arr(logUser, `{"role":"assistant","Tool_calls":[]}`), ErrLogShape, `"Tool_calls"`, "only in case"},
		{"duplicate key", arr(`{"role":"user","role":"user"}`), ErrLogShape, `"role":"user"}]`, "duplicate"},
		{"not a log", `{"model":"m"}`, ErrLogShape, `{"model"`, "no part of an OpenAI log"},
		{"two choices", `{"choices":[{"message":` + logA1 + `},{"message":` + logA1 + `}]}`, ErrLogShape, `[{"message"`, "exactly one choice"},
		{"history differs", strings.Join([]string{logReq2, strings.Replace(logReq3, `{\"id\": 7}`, `{\"id\": 8}`, 1)}, "\n"), ErrLogHistory, "\n" + `{"model":"m","messages":[{"role":"user","content":"refund order 7"},{"role":"assistant"`, "differs from the conversation's message 2 at 1:"},
		{"response differs", strings.Join([]string{logReq2, logReq1, logResp2}, "\n"), ErrLogHistory, `{"role":"assistant","content":""`, "this response's message 2 differs"},
		{"no events", arr(logUser), ErrTraceEmpty, "[", "no events"},
	} {
		_, err := readLog(t, c.src, LogOptions{})
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Errorf("%s: err %v, want an ErrorList", c.name, err)
			continue
		}
		e := list[0]
		if e.Code != c.code || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: %v [%v], want %v containing %q", c.name, e, e.Code, c.code, c.msg)
		}
		off := strings.Index(c.src, c.at)
		if strings.HasPrefix(c.at, "\n") { // the message on the next line
			off += len(c.at) - len(`{"role":"assistant"`)
		}
		if off < 0 || e.Pos.Offset != off {
			t.Errorf("%s: error at offset %d (%d:%d), want %d (%q)", c.name, e.Pos.Offset, e.Pos.Line, e.Pos.Column, off, c.at)
		}
	}
}

func TestReadOpenAILogLimits(t *testing.T) {
	long := logReq1 + "\n" + `{"messages":[` + logUser + `,{"role":"user","content":"` + strings.Repeat("x", 200) + `"}]}`
	_, err := Options{MaxLineBytes: 100}.ReadOpenAILog("l", []byte(long), nil, LogOptions{})
	if c := codesOf(err); len(c) != 1 || c[0] != ErrInputLimit || !strings.Contains(err.Error(), "--max-line-bytes") {
		t.Errorf("long line: %v", err)
	}
	_, err = Options{MaxInputBytes: 10}.ReadOpenAILog("l", []byte(logReq1), nil, LogOptions{})
	if c := codesOf(err); len(c) != 1 || c[0] != ErrInputLimit {
		t.Errorf("large input: %v", err)
	}
	deep := `[{"role":"assistant","tool_calls":[` + call("c", "t", strings.Repeat("[", 50)+strings.Repeat("]", 50)) + `]}]`
	_, err = Options{MaxJSONDepth: 20}.ReadOpenAILog("l", []byte(deep), nil, LogOptions{})
	if c := codesOf(err); len(c) != 1 || c[0] != ErrInputLimit || !strings.Contains(err.Error(), "--max-json-depth") {
		t.Errorf("deep arguments: %v", err)
	}
	_, err = ReadOpenAILog("l", []byte(logReq1), logSpecParsed(t), LogOptions{TextStep: "final"})
	if c := codesOf(err); len(c) != 1 || c[0] != ErrTraceUndeclared || !strings.Contains(err.Error(), "--text-step") {
		t.Errorf("undeclared text step: %v", err)
	}
}

func codesOf(err error) []Code {
	var list ErrorList
	if errors.As(err, &list) {
		return list.Codes()
	}
	return nil
}

func FuzzReadOpenAILog(f *testing.F) {
	f.Add([]byte(strings.Join([]string{logReq1, logResp1, logReq2, logResp2, logReq3, logResp3}, "\n")))
	f.Add([]byte("[" + strings.Join([]string{logUser, logA1, logT1, logA3}, ",") + "]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := logSpecParsed(t)
		evs, err := Options{MaxInputBytes: 1 << 16}.ReadOpenAILog("f", data, s, LogOptions{TextStep: "answer", ToolStep: "observation"})
		if err != nil {
			if !errors.As(err, new(ErrorList)) {
				t.Fatalf("error is not an ErrorList: %v", err)
			}
			return
		}
		for i, e := range evs {
			if (e.Event.Tool == "") == (e.Event.Step == "") {
				t.Fatalf("event %d is not exactly one of step/tool: %+v", i, e.Event)
			}
			if e.Pos.Line < 1 || e.Pos.Offset < 0 || e.Pos.Offset > len(data) {
				t.Fatalf("event %d at %+v, outside the input", i, e.Pos)
			}
		}
	})
}

// A few-shot example written in another call format is reported where it
// stands, inside an example or outside one, never absorbed as text.
func TestParseExamplesReportsOtherFormats(t *testing.T) {
	s, err := Parse("s.ltl", []byte("spec s\nsteps thought, observation, answer\ntools search\nrule F answer\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		src, format string
		line        int
	}{
		"hermes after a thought": {"Question: q\nThought: I'll search.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\"}}\n</tool_call>\nAnswer: a\n", "hermes", 3},
		"hermes alone":           {"Question: q\n<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>\n", "hermes", 2},
		"json line":              {"Thought: t\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\"}}\nAnswer: a\n", "json", 2},
		"llama3 line":            {"Thought: t\n{\"name\": \"search\", \"parameters\": {}}\n", "llama3", 2},
		"pythonic":               {"Thought: t\nsearch(q=\"x\")\nObservation: o\n", "pythonic", 2},
		"mistral":                {"Thought: t\n[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}}]\n", "mistral", 2},
	} {
		_, err := ParseExamples("p.md", []byte(c.src), s)
		var list ErrorList
		if !errors.As(err, &list) || list[0].Code != ErrExampleFormat || list[0].Pos.Line != c.line || !strings.Contains(list[0].Msg, "--examples-format "+c.format) {
			t.Errorf("%s: %v, want ErrExampleFormat at line %d naming %s", name, err, c.line, c.format)
		}
	}
	// Prose that mentions the syntax mid-line, and a tool name in text, stay prose.
	ex, err := ParseExamples("p.md", []byte("Wrap calls in <tool_call> tags.\nThought: call search(q) later\nAction: search[x]\nObservation: o\nAnswer: a\n"), s)
	if err != nil || len(ex) != 1 || len(ex[0].Events) != 4 {
		t.Errorf("prose: %v, %v", ex, err)
	}
}

func ExampleReadOpenAILog() {
	spec, _ := Parse("shop.ltl", []byte("spec shop\nsteps answer\ntools get_order\nrule F answer\n"), Options{})
	log := `{"messages":[{"role":"user","content":"Where is order 7?"}]}
{"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_order","arguments":"{\"id\": 7}"}}]}}]}
{"messages":[{"role":"user","content":"Where is order 7?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_order","arguments":"{\"id\": 7}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"status\": \"shipped\"}"}]}
{"choices":[{"message":{"role":"assistant","content":"It has shipped."}}]}
`
	events, err := ReadOpenAILog("log.jsonl", []byte(log), spec, LogOptions{TextStep: "answer"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Printf("%d:%d %s %v %v\n", e.Pos.Line, e.Pos.Column, e.Event.Name(), e.Event.Args, e.Event.Result)
	}
	// Output:
	// 2:58 get_order map[id:7] map[status:shipped]
	// 4:24 answer map[] <nil>
}
