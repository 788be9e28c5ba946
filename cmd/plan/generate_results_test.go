package main

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// TestGenerateResultSpec: plan generate runs specs/travel_booking.ltl (a
// spec that reads results and binds captured values) with a JSON
// --observation: the canned text is every call's result, parsed as JSON;
// text that is not JSON is a string result. Every run is accepted.
func TestGenerateResultSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("generations on the real backend")
	}
	model := tinyModel(t)
	const answer = `{"limit": 480, "currency": "EUR", "id": "H1"}`
	var want any
	if err := json.Unmarshal([]byte(answer), &want); err != nil {
		t.Fatal(err)
	}
	calls := 0
	for seed := 1; seed <= 6; seed++ {
		obs := answer
		expect := want
		if seed%3 == 0 {
			obs, expect = "seat held", "seat held"
		}
		stdout, stderr, code := runPlan(t, "generate", "--json", "--model", model, "--spec", "../../specs/travel_booking.ltl",
			"--tools", "../../specs/travel_booking.tools.json", "--max-tokens", "300", "--temperature", "1.5",
			"--seed", strconv.Itoa(seed), "--observation", obs)
		if code != 0 {
			t.Fatalf("seed %d: exit %d: %s\n%s", seed, code, stderr, stdout)
		}
		var rep struct {
			Accepted bool             `json:"accepted"`
			Events   []map[string]any `json:"events"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("seed %d: %v: %s", seed, err, stdout)
		}
		if !rep.Accepted {
			t.Errorf("seed %d: not accepted: %s", seed, stdout)
		}
		for _, e := range rep.Events {
			if e["tool"] == nil {
				continue
			}
			calls++
			if !reflect.DeepEqual(e["result"], expect) {
				t.Errorf("seed %d: %v: result %#v, want %#v", seed, e["tool"], e["result"], expect)
			}
		}
	}
	if calls == 0 {
		t.Error("no run called a tool: the result path was not exercised")
	}
}
