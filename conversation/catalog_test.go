package conversation

import (
	"strings"
	"testing"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/ltl"
)

// TestCatalogTools: the template sees every catalog shape as OpenAI tools,
// an OpenAI entry byte for byte in its own key order, an MCP entry as the
// function it describes.
func TestCatalogTools(t *testing.T) {
	src := `{"tools": [
	  {"type": "function", "function": {"name": "get_order", "description": "Look up <id>.", "parameters": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "number"}}}}},
	  {"name": "read-file", "description": "Read a file.", "inputSchema": {"type": "object", "required": ["path"], "properties": {"path": {"type": "string"}}}}
	]}`
	cat, err := ltl.ParseCatalog("c.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tools, err := CatalogTools(cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != 2 {
		t.Fatalf("got %d tools", len(tools))
	}
	keys := func(v chat.Value) []string {
		var ks []string
		for _, m := range v.Members {
			ks = append(ks, m.Key)
		}
		return ks
	}
	get := func(v chat.Value, path ...string) chat.Value {
		for _, k := range path {
			var ok bool
			if v, ok = v.Get(k); !ok {
				t.Fatalf("no %q in %v", k, keys(v))
			}
		}
		return v
	}
	for i, c := range []struct {
		path []string
		want string
	}{
		{nil, "type function"},
		{[]string{"function"}, "name description parameters"},
		{[]string{"function", "parameters", "properties"}, "z a"},
	} {
		if got := strings.Join(keys(get(tools[0], c.path...)), " "); got != c.want {
			t.Errorf("openai entry, case %d: keys %q, want %q", i, got, c.want)
		}
	}
	if got := strings.Join(keys(get(tools[1], "function", "parameters")), " "); got != "type required properties" {
		t.Errorf("mcp entry: parameters keys %q", got)
	}
	if got := get(tools[1], "function", "name").Str; got != "read-file" {
		t.Errorf("mcp entry: name %q", got)
	}
	if got := get(tools[1], "type").Str; got != "function" {
		t.Errorf("mcp entry: type %q", got)
	}
	if none, err := CatalogTools(nil); err != nil || none != nil {
		t.Errorf("no catalog: %v, %v", none, err)
	}
}
