package chat

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ardanlabs/jinja"
)

// Conversation is what a template renders: OpenAI-shaped messages and an
// optional OpenAI tools array, both kept as ordered JSON so that a
// template's tojson prints keys in the order they were given.
type Conversation struct {
	Messages []Value // each an Object, checked by CheckMessages
	Tools    []Value // nil: no tools (the template sees none)
}

// Structural strings are the ones a template branches on (roles, ids,
// tool names, schema types). They reach the template as they are, so they
// must be plain: letters, digits and a little punctuation, never the
// brackets and bars that control tokens are spelled with.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_.:$@-]{1,128}$`)

var roles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true}

func msgErr(file, where, format string, args ...any) *Error {
	return &Error{Code: ErrMessage, File: file, Msg: where + ": " + fmt.Sprintf(format, args...)}
}

// ParseMessages reads a messages file: a JSON array of messages, or an
// object {"messages": [...], "tools": [...]} (tools optional).
func ParseMessages(file string, data []byte, lim JSONLimits) (Conversation, error) {
	v, err := ParseJSON(file, data, lim)
	if err != nil {
		return Conversation{}, err
	}
	var c Conversation
	switch v.Kind {
	case Array:
		c.Messages = v.Items
	case Object:
		for _, m := range v.Members {
			switch m.Key {
			case "messages":
				if m.Value.Kind != Array {
					return c, msgErr(file, "messages", "want an array")
				}
				c.Messages = m.Value.Items
			case "tools":
				if m.Value.Kind != Array {
					return c, msgErr(file, "tools", "want an array")
				}
				c.Tools = m.Value.Items
			default:
				return c, msgErr(file, "top level", "unknown key %q (want messages, tools)", m.Key)
			}
		}
		if c.Messages == nil {
			return c, msgErr(file, "top level", "no messages")
		}
	default:
		return c, msgErr(file, "top level", "want an array of messages")
	}
	if err := checkMessages(file, c.Messages); err != nil {
		return c, err
	}
	if c.Tools != nil {
		if err := checkTools(file, c.Tools); err != nil {
			return c, err
		}
	}
	return c, nil
}

// ParseTools reads an OpenAI tools array (or {"tools": [...]}).
func ParseTools(file string, data []byte, lim JSONLimits) ([]Value, error) {
	v, err := ParseJSON(file, data, lim)
	if err != nil {
		return nil, err
	}
	if v.Kind == Object && len(v.Members) == 1 && v.Members[0].Key == "tools" {
		v = v.Members[0].Value
	}
	if v.Kind != Array {
		return nil, msgErr(file, "top level", "want an array of tools")
	}
	if err := checkTools(file, v.Items); err != nil {
		return nil, err
	}
	return v.Items, nil
}

func checkPlain(file, where string, v Value) error {
	if v.Kind != String || !plainName.MatchString(v.Str) {
		return msgErr(file, where, "want a plain name (letters, digits, _ . : $ @ -, at most 128)")
	}
	return nil
}

func checkMessages(file string, msgs []Value) error {
	for i, m := range msgs {
		where := fmt.Sprintf("messages[%d]", i)
		if m.Kind != Object {
			return msgErr(file, where, "want an object")
		}
		role, ok := m.Get("role")
		if !ok || role.Kind != String || !roles[role.Str] {
			return msgErr(file, where+".role", "want one of system, developer, user, assistant, tool")
		}
		for _, mem := range m.Members {
			w := where + "." + mem.Key
			switch mem.Key {
			case "role":
			case "content":
				if err := checkContent(file, w, mem.Value); err != nil {
					return err
				}
			case "reasoning_content":
				if mem.Value.Kind != String && mem.Value.Kind != Null {
					return msgErr(file, w, "want a string")
				}
			case "name", "tool_call_id":
				if err := checkPlain(file, w, mem.Value); err != nil {
					return err
				}
			case "tool_calls":
				if role.Str != "assistant" {
					return msgErr(file, w, "only assistant messages carry tool calls")
				}
				if mem.Value.Kind != Array {
					return msgErr(file, w, "want an array")
				}
				for j, tc := range mem.Value.Items {
					if err := checkToolCall(file, fmt.Sprintf("%s[%d]", w, j), tc); err != nil {
						return err
					}
				}
			default:
				return msgErr(file, w, "unknown key (want role, content, reasoning_content, name, tool_calls, tool_call_id)")
			}
		}
	}
	return nil
}

func checkContent(file, where string, v Value) error {
	switch v.Kind {
	case String, Null:
		return nil
	case Array:
		for i, part := range v.Items {
			w := fmt.Sprintf("%s[%d]", where, i)
			if part.Kind != Object {
				return msgErr(file, w, "want a content part object")
			}
			typ, _ := part.Get("type")
			if typ.Kind != String || typ.Str != "text" {
				return msgErr(file, w+".type", `want "text" (other parts are not supported)`)
			}
			for _, m := range part.Members {
				switch m.Key {
				case "type":
				case "text":
					if m.Value.Kind != String {
						return msgErr(file, w+".text", "want a string")
					}
				default:
					return msgErr(file, w+"."+m.Key, "unknown key (want type, text)")
				}
			}
			if _, ok := part.Get("text"); !ok {
				return msgErr(file, w, "no text")
			}
		}
		return nil
	}
	return msgErr(file, where, "want a string, null or an array of content parts")
}

func checkToolCall(file, where string, tc Value) error {
	if tc.Kind != Object {
		return msgErr(file, where, "want an object")
	}
	fn, ok := tc.Get("function")
	if !ok || fn.Kind != Object {
		return msgErr(file, where+".function", "want an object")
	}
	for _, m := range tc.Members {
		w := where + "." + m.Key
		switch m.Key {
		case "id":
			if err := checkPlain(file, w, m.Value); err != nil {
				return err
			}
		case "type":
			if m.Value.Kind != String || m.Value.Str != "function" {
				return msgErr(file, w, `want "function"`)
			}
		case "function":
		default:
			return msgErr(file, w, "unknown key (want id, type, function)")
		}
	}
	if _, ok := fn.Get("name"); !ok {
		return msgErr(file, where+".function", "no name")
	}
	if _, ok := fn.Get("arguments"); !ok {
		return msgErr(file, where+".function", "no arguments")
	}
	for _, m := range fn.Members {
		w := where + ".function." + m.Key
		switch m.Key {
		case "name":
			if err := checkPlain(file, w, m.Value); err != nil {
				return err
			}
		case "arguments":
			if m.Value.Kind != Object && m.Value.Kind != String {
				return msgErr(file, w, "want an object (or a string holding one)")
			}
		default:
			return msgErr(file, w, "unknown key (want name, arguments)")
		}
	}
	return nil
}

func checkTools(file string, tools []Value) error {
	for i, t := range tools {
		where := fmt.Sprintf("tools[%d]", i)
		if t.Kind != Object {
			return msgErr(file, where, "want an object")
		}
		fn, ok := t.Get("function")
		if !ok || fn.Kind != Object {
			return msgErr(file, where+".function", "want an object")
		}
		for _, m := range t.Members {
			switch m.Key {
			case "type":
				if m.Value.Kind != String || m.Value.Str != "function" {
					return msgErr(file, where+".type", `want "function"`)
				}
			case "function":
			default:
				return msgErr(file, where+"."+m.Key, "unknown key (want type, function)")
			}
		}
		if _, ok := fn.Get("name"); !ok {
			return msgErr(file, where+".function", "no name")
		}
		for _, m := range fn.Members {
			w := where + ".function." + m.Key
			switch m.Key {
			case "name":
				if err := checkPlain(file, w, m.Value); err != nil {
					return err
				}
			case "description":
				if m.Value.Kind != String {
					return msgErr(file, w, "want a string")
				}
			case "strict":
				if m.Value.Kind != Bool {
					return msgErr(file, w, "want true or false")
				}
			case "parameters":
				if err := checkSchema(file, w, m.Value); err != nil {
					return err
				}
			default:
				return msgErr(file, w, "unknown key (want name, description, parameters, strict)")
			}
		}
	}
	return nil
}

// Schema keywords whose value is a map from names (data) to schemas.
var schemaMaps = map[string]bool{"properties": true, "patternProperties": true, "$defs": true, "definitions": true, "dependentSchemas": true}

// Schema keywords whose value is a schema, or an array of schemas.
var schemaSubs = map[string]bool{"items": true, "additionalProperties": true, "not": true, "if": true, "then": true, "else": true,
	"contains": true, "propertyNames": true, "unevaluatedItems": true, "unevaluatedProperties": true, "additionalItems": true,
	"anyOf": true, "oneOf": true, "allOf": true, "prefixItems": true}

func checkSchema(file, where string, v Value) error {
	switch v.Kind {
	case Bool:
		return nil
	case Array:
		for i, it := range v.Items {
			if err := checkSchema(file, fmt.Sprintf("%s[%d]", where, i), it); err != nil {
				return err
			}
		}
		return nil
	case Object:
	default:
		return msgErr(file, where, "want a JSON Schema object")
	}
	for _, m := range v.Members {
		w := where + "." + m.Key
		if !plainName.MatchString(m.Key) {
			return msgErr(file, w, "schema keyword is not a plain name")
		}
		switch {
		case schemaMaps[m.Key]:
			if m.Value.Kind != Object {
				return msgErr(file, w, "want an object")
			}
			for _, p := range m.Value.Members {
				if err := checkSchema(file, w+"."+p.Key, p.Value); err != nil {
					return err
				}
			}
		case schemaSubs[m.Key]:
			if err := checkSchema(file, w, m.Value); err != nil {
				return err
			}
		case m.Key == "type":
			ok := m.Value.Kind == String && plainName.MatchString(m.Value.Str)
			if m.Value.Kind == Array {
				ok = true
				for _, t := range m.Value.Items {
					ok = ok && t.Kind == String && plainName.MatchString(t.Str)
				}
			}
			if !ok {
				return msgErr(file, w, "want a type name or an array of them")
			}
		}
	}
	return nil
}

// converter turns checked input into the engine's values. With slots set,
// every untrusted string and float becomes a sentinel; without, values
// pass as they are (the check render).
type converter struct {
	slots *slots
}

func (c converter) str(s string) jinja.Value {
	if c.slots == nil || s == "" {
		return jinja.NewString(s)
	}
	return jinja.NewString(c.slots.str(s))
}

// data converts a value all of whose strings, keys and floats are content.
func (c converter) data(v Value) jinja.Value {
	switch v.Kind {
	case Null:
		return jinja.None()
	case Bool:
		return jinja.NewBool(v.Bool)
	case Int:
		return jinja.NewInt(v.Int)
	case Float:
		if c.slots != nil {
			if f, ok := c.slots.float(v.Float); ok {
				return jinja.NewFloat(f)
			}
		}
		return jinja.NewFloat(v.Float)
	case String:
		return c.str(v.Str)
	case Array:
		items := make([]jinja.Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = c.data(it)
		}
		return jinja.NewList(items)
	}
	d := jinja.NewDict()
	for _, m := range v.Members {
		d.AsDict().Set(c.str(m.Key).AsString(), c.data(m.Value))
	}
	return d
}

// object converts a checked object whose keys are structure: the members
// named in raw pass their string as it is, the rest go through each.
func (c converter) object(v Value, raw map[string]bool, each func(key string, v Value) jinja.Value) jinja.Value {
	d := jinja.NewDict()
	for _, m := range v.Members {
		if raw[m.Key] && m.Value.Kind == String {
			d.AsDict().Set(m.Key, jinja.NewString(m.Value.Str))
			continue
		}
		d.AsDict().Set(m.Key, each(m.Key, m.Value))
	}
	return d
}

func (c converter) message(file string, i int, m Value) (jinja.Value, error) {
	var err error
	out := c.object(m, map[string]bool{"role": true, "name": true, "tool_call_id": true}, func(key string, v Value) jinja.Value {
		switch key {
		case "content":
			if v.Kind == Array {
				items := make([]jinja.Value, len(v.Items))
				for j, part := range v.Items {
					items[j] = c.object(part, map[string]bool{"type": true}, func(_ string, v Value) jinja.Value { return c.data(v) })
				}
				return jinja.NewList(items)
			}
			return c.data(v)
		case "tool_calls":
			items := make([]jinja.Value, len(v.Items))
			for j, tc := range v.Items {
				items[j] = c.object(tc, map[string]bool{"id": true, "type": true}, func(_ string, fn Value) jinja.Value {
					return c.object(fn, map[string]bool{"name": true}, func(_ string, args Value) jinja.Value {
						if args.Kind == String {
							parsed, perr := ParseJSON(file, []byte(args.Str), JSONLimits{})
							if perr == nil && parsed.Kind != Object {
								perr = fmt.Errorf("not an object")
							}
							if perr != nil {
								err = msgErr(file, fmt.Sprintf("messages[%d].tool_calls[%d].function.arguments", i, j), "a string that does not hold a JSON object: %v", perr)
								return jinja.None()
							}
							args = parsed
						}
						return c.data(args)
					})
				})
			}
			return jinja.NewList(items)
		}
		return c.data(v)
	})
	return out, err
}

func (c converter) tool(t Value) jinja.Value {
	return c.object(t, map[string]bool{"type": true}, func(_ string, fn Value) jinja.Value {
		return c.object(fn, map[string]bool{"name": true}, func(key string, v Value) jinja.Value {
			if key == "parameters" {
				return c.schema(v)
			}
			return c.data(v)
		})
	})
}

func (c converter) schema(v Value) jinja.Value {
	switch v.Kind {
	case Array:
		items := make([]jinja.Value, len(v.Items))
		for i, it := range v.Items {
			items[i] = c.schema(it)
		}
		return jinja.NewList(items)
	case Object:
	default:
		return c.data(v)
	}
	d := jinja.NewDict()
	for _, m := range v.Members {
		switch {
		case schemaMaps[m.Key]:
			sub := jinja.NewDict()
			for _, p := range m.Value.Members {
				sub.AsDict().Set(c.str(p.Key).AsString(), c.schema(p.Value))
			}
			d.AsDict().Set(m.Key, sub)
		case schemaSubs[m.Key]:
			d.AsDict().Set(m.Key, c.schema(m.Value))
		case m.Key == "type":
			d.AsDict().Set(m.Key, jinja.FromGoValue(plainStrings(m.Value)))
		default:
			d.AsDict().Set(m.Key, c.data(m.Value))
		}
	}
	return d
}

func plainStrings(v Value) any {
	if v.Kind == String {
		return v.Str
	}
	out := make([]any, len(v.Items))
	for i, it := range v.Items {
		out[i] = it.Str
	}
	return out
}

// hasSentinelText reports whether s could be mistaken for a sentinel.
func hasSentinelText(s string) bool {
	return strings.Contains(s, sentOpen) || strings.Contains(s, sentClose)
}
