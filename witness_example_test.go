package specplan_test

import (
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// Witnesses are traces that pass Validate: with a catalog, every call
// carries the arguments its schema requires.
func ExampleSpec_Witnesses() {
	tools, _ := ltl.ParseCatalog("tools.json", []byte(`[{"type":"function","function":{"name":"refund","parameters":{
	  "type":"object","properties":{"order_id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"},"amount":{"type":"number","minimum":0}},
	  "required":["order_id","amount"]}}}]`))
	spec, err := specplan.Compile("w.ltl", []byte("spec w\nrule F refund(amount > 100)\n"), specplan.Options{Catalog: tools})
	if err != nil {
		fmt.Println(err)
		return
	}
	ws, err := spec.Witnesses(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(ws[0])
	fmt.Println(string(b))
	// Output: [{"tool":"refund","args":{"amount":101,"order_id":"A0"}}]
}
