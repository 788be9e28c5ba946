package decoder_test

import (
	"fmt"

	"github.com/specplan/specplan/decoder"
)

// ParseWritten says where each event of a message starts and gives a
// call's arguments as the model wrote them (key order, number spelling),
// for rebuilding the message as an assistant message with tool_calls.
func ExampleFormat_ParseWritten() {
	msg := "Thought: both\n<tool_call>\n{\"name\": \"get\", \"arguments\": {\"z\": 1, \"a\": 2.50}}\n</tool_call>"
	ws, err := decoder.FormatQwen.ParseWritten([]byte(msg))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range ws {
		fmt.Printf("%d %s %q\n", w.Offset, w.Event.Name(), w.Args)
	}
	// Output:
	// 0 thought ""
	// 14 get "{\"z\": 1, \"a\": 2.50}"
}
