package adapters

import (
	"encoding/json"

	"github.com/plowbox/plowbox/enrich/event"
)

// fastPayloadItems reads the data array of a payload_data body in one pass when it has the
// shape trackers send: a non-empty array of objects whose values are all strings and whose
// keys are all allowed. ok is false for anything else, and the caller falls back to the
// full validation, which explains what is wrong. data must be valid JSON.
func fastPayloadItems(data []byte, addition int) (items []event.Params, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	i = skipSpace(data, i+1)
	for {
		if i >= len(data) || data[i] != '{' {
			return nil, false
		}
		var params event.Params
		required := 0
		i = skipSpace(data, i+1)
		for i < len(data) && data[i] != '}' {
			var key, value string
			if key, i, ok = scanString(data, i); !ok {
				return nil, false
			}
			i = skipSpace(data, i)
			if i >= len(data) || data[i] != ':' {
				return nil, false
			}
			if value, i, ok = scanString(data, skipSpace(data, i+1)); !ok {
				return nil, false
			}
			if !allowedKey(addition, key) {
				return nil, false
			}
			if key == "tv" || key == "p" || key == "e" {
				required++
			}
			params = append(params, event.Param{Name: key, Value: &value})
			i = skipSpace(data, i)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
		if i >= len(data) || required != len(payloadDataRequired) || hasDuplicate(params) {
			return nil, false
		}
		items = append(items, params)
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			continue
		}
		if i < len(data) && data[i] == ']' {
			return items, true
		}
		return nil, false
	}
}

// hasDuplicate reports whether a key repeats; such objects take the full path, which
// treats them as the JSON decoder does.
func hasDuplicate(ps event.Params) bool {
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[i].Name == ps[j].Name {
				return true
			}
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] and returns its value and the index
// after it; ok is false when b[i] does not start a string.
func scanString(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return string(b[i+1 : j]), j + 1, true
			}
			if err := json.Unmarshal(b[i:j+1], &s); err != nil {
				return "", i, false
			}
			return s, j + 1, true
		}
	}
	return "", i, false
}
