package routines

import (
	"bytes"
	"encoding/json"
)

func jsonUnmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}
