package apps_test

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/ltl"
)

const settings = `app settings "Android Settings" start Home
screen Home { tap("Network & internet") -> Network }
screen Network requires visible("Internet") {
  tap("Internet") -> Internet
  back -> Home
}
screen Internet {
  toggle("Wi-Fi") -> Internet ensures checked("Wi-Fi")
  back -> Network
}
goal F (Internet & checked("Wi-Fi"))
`

// Parse an app, check it, and print the shortest fault-free way to its goal.
func ExampleWitnesses() {
	app, err := apps.Parse("settings.app", []byte(settings), apps.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := apps.Check(app, specplan.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	ws, err := apps.Witnesses(app, 1, specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range ws[0] {
		fmt.Println(e.Tool, e.Args["label"], "->", e.Result.(map[string]any)["screen"])
	}
	// Output:
	// tap Network & internet -> Network
	// tap Internet -> Internet
	// toggle Wi-Fi -> Internet
}

// The lowered spec judges a device trace: an action the believed screen
// does not have is rejected.
func ExampleCompile() {
	app, _ := apps.Parse("settings.app", []byte(settings), apps.Options{})
	spec, err := apps.Compile(app, apps.LowerOptions{}, specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	trace := []ltl.Event{{
		Tool: "tap", Args: map[string]any{"label": "Internet"}, Outcome: ltl.Returned,
		Result: apps.ResultOf(apps.Observation{Screen: "Internet"}),
	}}
	fmt.Println("tap(\"Internet\") on Home accepted:", spec.Validate(trace).Accepted)
	// Output:
	// tap("Internet") on Home accepted: false
}

// Check reports each finding with its position and code.
func ExampleCheck() {
	src := []byte(`app a start Home
screen Home { tap("Go") -> Nowhere }
screen Lost { back -> Home }
`)
	app, _ := apps.Parse("a.app", src, apps.Options{})
	err := apps.Check(app, specplan.Options{})
	for _, e := range err.(ltl.ErrorList) {
		fmt.Println(apps.CodeName(e.Code), e)
	}
	// Output:
	// no-target a.app:2:25: target "Nowhere" of tap("Go") is no screen
	// unreachable a.app:3:8: screen Lost is unreachable: no path of actions from the start screen Home leads to it
}
