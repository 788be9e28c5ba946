package decoder_test

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/decoder"
)

// A conversation whose template drops the text before an assistant
// message's calls (Llama 3.1's) runs the format CallsOnly: a step line
// before a call is refused, a message of calls alone is read.
func ExampleFormat_WithCallsOnly() {
	f := decoder.FormatLlama3.WithCallsOnly()
	_, err := f.ParseMessage([]byte("Thought: look it up\n{\"name\": \"search\", \"parameters\": {}}"))
	fmt.Println(f, errors.Is(err, decoder.ErrParse))
	calls, err := f.ParseMessage([]byte(`{"name": "search", "parameters": {"q": "A1"}}`))
	fmt.Println(len(calls), calls[0].Event.Tool, calls[0].Event.Args, err)
	// Output:
	// llama3 true
	// 1 search map[q:A1] <nil>
}
