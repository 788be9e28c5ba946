package ltl_test

import (
	"fmt"

	"github.com/specplan/specplan/ltl"
)

// Tool names as catalogs have them, written as a spec spells them.
func ExampleQuoteName() {
	for _, name := range []string{"refund", "ancient_empires.get_religion_info", "read-file", "next", "bad\x1b[2J"} {
		q, ok := ltl.QuoteName(name)
		fmt.Println(q, ok)
	}
	// Output:
	// refund true
	// ancient_empires.get_religion_info true
	// `read-file` true
	// `next` true
	// "bad\x1b[2J" false
}

// A position as errors print it: the file name escaped.
func ExampleFormatPos() {
	fmt.Println(ltl.FormatPos(ltl.Pos{Filename: "evil\x1b]0;x\a\n.ltl", Line: 3, Column: 7}))
	// Output:
	// evil\x1b]0;x\x07\n.ltl:3:7
}
