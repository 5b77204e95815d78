package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// JSON encodes v the way Recorder.Evidence stores it: json.RawMessage and []byte holding
// valid JSON are compacted and kept, any other value goes through json.Marshal without
// HTML escaping. A []byte that is not JSON is an error here; Evidence keeps it as text.
func JSON(v any) (json.RawMessage, error) {
	raw, text, err := encode(v)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("evidence json: %d bytes are not valid JSON", len(text))
	}
	return raw, nil
}

// encode returns v as JSON, or as text when v is bytes that are not JSON.
func encode(v any) (json.RawMessage, string, error) {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	case []byte:
		b = x
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, "", err
		}
		return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), "", nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		if !utf8.Valid(b) {
			const show = 4096
			if len(b) > show {
				return nil, fmt.Sprintf("%d bytes of binary data, first %d: %q", len(b), show, b[:show]), nil
			}
			return nil, fmt.Sprintf("%d bytes of binary data: %q", len(b), b), nil
		}
		return nil, string(b), nil
	}
	return json.RawMessage(buf.Bytes()), "", nil
}
