package adapters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DefaultMaxJSONDepth is the default nesting limit of tracker JSON (tracker-protocol.md §1.4).
const DefaultMaxJSONDepth = 50

// ParseJSON checks that s is exactly one JSON value nested at most maxDepth levels deep and
// returns it with surrounding whitespace removed. Errors read "invalid json: …".
func ParseJSON(s string, maxDepth int) (json.RawMessage, error) {
	b := bytes.TrimSpace([]byte(s))
	if len(b) == 0 {
		return nil, errors.New("invalid json: exhausted input")
	}
	if d := depth(b); d > maxDepth {
		return nil, fmt.Errorf("invalid json: maximum nesting depth %d exceeded", maxDepth)
	}
	if !json.Valid(b) {
		var v json.RawMessage
		err := json.Unmarshal(b, &v)
		if err == nil {
			err = errors.New("syntax error")
		}
		return nil, fmt.Errorf("invalid json: %w", err)
	}
	return json.RawMessage(b), nil
}

// depth returns the deepest nesting of arrays and objects in b, ignoring string contents.
// It does not validate b.
func depth(b []byte) int {
	d, max := 0, 0
	in, esc := false, false
	for _, c := range b {
		if in {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case '[', '{':
			d++
			if d > max {
				max = d
			}
		case ']', '}':
			d--
		}
	}
	return max
}

// Member is one key/value pair of a JSON object, in document order.
type Member struct {
	Key   string
	Value json.RawMessage
}

// Members returns the members of a JSON object in document order; ok is false when raw is
// not an object. raw must be valid JSON.
func Members(raw json.RawMessage) (ms []Member, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	ms = []Member{}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		var key string
		if key, i, ok = scanString(raw, i); !ok {
			return nil, false
		}
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		start := skipSpace(raw, i+1)
		end, ok := skipValue(raw, start)
		if !ok {
			return nil, false
		}
		ms = append(ms, Member{key, raw[start:end:end]})
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return ms, i < len(raw)
}

// Elements returns the elements of a JSON array; ok is false when raw is not an array.
// raw must be valid JSON.
func Elements(raw json.RawMessage) (es []json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	es = []json.RawMessage{}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != ']' {
		end, ok := skipValue(raw, i)
		if !ok {
			return nil, false
		}
		es = append(es, raw[i:end:end])
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return es, i < len(raw)
}

// skipValue returns the index just after the JSON value that starts at b[i]. b must be
// valid JSON; ok is false when the scan runs off the end.
func skipValue(b []byte, i int) (end int, ok bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		_, end, ok = scanString(b, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, next, ok := scanString(b, j)
				if !ok {
					return j, false
				}
				j = next - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(b), false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j, j > i
}

// Kind returns the JSON type name of raw as the networknt validator words it: "object",
// "array", "string", "integer", "number", "boolean" or "null".
func Kind(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "null"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(b, ".eE") {
		return "number"
	}
	return "integer"
}

// StringValue decodes a JSON string; ok is false when raw is not a string.
func StringValue(raw json.RawMessage) (string, bool) {
	var s string
	if Kind(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// compact returns raw without insignificant whitespace, keeping key order and number text.
func compact(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// jsonString returns s as a JSON string literal without HTML escaping.
func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}
