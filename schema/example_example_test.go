package schema_test

import (
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan/schema"
)

func ExampleExample() {
	params := json.RawMessage(`{"type":"object","properties":{
	  "order_id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"},
	  "amount":{"type":"number","minimum":10}},"required":["order_id","amount"]}`)
	v, err := schema.Example(params, nil)
	fmt.Println(v, err)
	// Output: map[amount:10 order_id:A0] <nil>
}
