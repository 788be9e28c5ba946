package apps_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/apps"
)

// adbDevice is a SKETCH of where a real driver plugs in: an Android phone
// over adb, its screen read from uiautomator's XML dump. It compiles and
// shows the shape; it has not been run against a phone (no device here),
// and a real driver needs more (scrolling, waiting for idle, bounds
// instead of labels, errors from adb's output).
type adbDevice struct{ serial string }

type uiNode struct {
	Text    string   `xml:"text,attr"`
	Desc    string   `xml:"content-desc,attr"`
	Checked string   `xml:"checked,attr"`
	Bounds  string   `xml:"bounds,attr"`
	Nodes   []uiNode `xml:"node"`
}

func (d adbDevice) adb(ctx context.Context, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, "adb", append([]string{"-s", d.serial}, args...)...).Output()
}

func (d adbDevice) dump(ctx context.Context) (uiNode, error) {
	out, err := d.adb(ctx, "exec-out", "uiautomator", "dump", "/dev/tty")
	if err != nil {
		return uiNode{}, err
	}
	var root uiNode
	err = xml.Unmarshal([]byte(strings.TrimSuffix(string(out), "UI hierchary dumped to: /dev/tty")), &root)
	return root, err
}

func (d adbDevice) Screen(ctx context.Context) (apps.Observation, error) {
	root, err := d.dump(ctx)
	var o apps.Observation
	var walk func(n uiNode)
	walk = func(n uiNode) {
		for _, l := range []string{n.Text, n.Desc} {
			if l != "" {
				o.Shows = append(o.Shows, l)
				if n.Checked == "true" {
					o.Checked = append(o.Checked, l)
				}
			}
		}
		for _, c := range n.Nodes {
			walk(c)
		}
	}
	walk(root)
	return o, err
}

func (d adbDevice) Do(ctx context.Context, c apps.Call) error {
	switch c.Tool {
	case "back":
		_, err := d.adb(ctx, "shell", "input", "keyevent", "KEYCODE_BACK")
		return err
	case "home":
		_, err := d.adb(ctx, "shell", "input", "keyevent", "KEYCODE_HOME")
		return err
	case "tap", "toggle":
		root, err := d.dump(ctx)
		if err != nil {
			return err
		}
		var x1, y1, x2, y2 int
		found := false
		var find func(n uiNode)
		find = func(n uiNode) {
			if !found && (n.Text == c.Args["label"] || n.Desc == c.Args["label"]) {
				_, err := fmt.Sscanf(n.Bounds, "[%d,%d][%d,%d]", &x1, &y1, &x2, &y2)
				found = err == nil
			}
			for _, k := range n.Nodes {
				find(k)
			}
		}
		find(root)
		if !found {
			return fmt.Errorf("no %q on the screen", c.Args["label"])
		}
		_, err = d.adb(ctx, "shell", "input", "tap", fmt.Sprint((x1+x2)/2), fmt.Sprint((y1+y2)/2))
		return err
	}
	return fmt.Errorf("the adb sketch does not do %s", c.Tool)
}

// A real driver implements apps.Device; Settled waits after each action
// for the app to redraw. This example only builds the device (it needs a
// phone and adb to run).
func ExampleDevice() {
	var dev apps.Device = apps.Settled(adbDevice{serial: "emulator-5554"}, 800e6)
	_ = dev
}

// A run on the emulator: the chooser takes the first allowed move each
// turn (a model under modelturn takes one of them too); the wrong screen
// at step 1 is rolled back.
func ExampleGoal_Run() {
	src, _ := os.ReadFile("../specs/settings.app")
	app, err := apps.Parse("settings.app", src, apps.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	goal, err := apps.CompileGoal(app, apps.LowerOptions{}, specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	emu := `{"faults": [{"step": 1, "kind": "wrong_screen", "screen": "Devices"}]}`
	env, err := apps.ReadEnv("EMU.json", []byte(emu), app, apps.EnvLimits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	shortest := map[string]string{"Home": `tap("Network & internet")`, "Network": `tap("Internet")`, "Internet": `toggle("Wi-Fi")`}
	first := apps.ChooserFunc(func(ctx context.Context, t apps.Turn) (apps.Call, error) {
		for _, m := range t.Allowed {
			if m.Key() == shortest[t.Screen] {
				c, _ := m.Action.Call(nil)
				return c, nil
			}
		}
		return apps.Call{}, apps.ErrNoMove
	})
	res, err := goal.Run(context.Background(), env.NewEmulator(), first, apps.RunOptions{Rollback: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range res.Trace {
		fmt.Printf("%d %s on %s: %s rollback=%v\n", l.Step, l.Call, l.Screen, l.Outcome, l.Rollback)
	}
	fmt.Println(res.End, res.Screen, res.Recoveries)
	// Output:
	// 1 tap("Network & internet") on Home: fail rollback=false
	// 2 back on Devices: success rollback=true
	// 3 tap("Network & internet") on Home: success rollback=false
	// 4 tap("Internet") on Network: success rollback=false
	// 5 toggle("Wi-Fi") on Internet: success rollback=false
	// goal Internet 1
}
