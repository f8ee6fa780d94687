package explorer

import (
	"encoding/json"
	"slices"
	"strings"
)

// uiBadRow is what the explorer shows of a bad row: its type, its messages and the
// data paths its failure points at.
type uiBadRow struct {
	Type     string   // e.g. schema_violations
	Schema   string   // the bad row's schema URI
	Messages []string // one line per message, prefixed with its path or field
	Paths    []string // dataReports[].path and messages[].field values, in order, once each
}

// uiMaxBadRowMessages caps the messages listed per bad row.
const uiMaxBadRowMessages = 50

// uiParseBadRow reads the failure of a bad row; anything unreadable yields what could be read.
func uiParseBadRow(row []byte) *uiBadRow {
	info := &uiBadRow{}
	if len(row) == 0 {
		return info
	}
	var uiSDJ struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure json.RawMessage `json:"failure"`
		} `json:"data"`
	}
	if json.Unmarshal(row, &uiSDJ) != nil {
		info.Type = "unreadable bad row"
		return info
	}
	info.Schema = uiSDJ.Schema
	info.Type = uiBadRowType(uiSDJ.Schema)
	var failure any
	if json.Unmarshal(uiSDJ.Data.Failure, &failure) == nil {
		info.walk(failure)
	}
	return info
}

// uiBadRowType is the name part of a bad row schema URI.
func uiBadRowType(uri string) string {
	s := strings.TrimPrefix(uri, "iglu:")
	parts := strings.Split(s, "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return s
}

// walk collects messages and paths from a decoded failure.
func (b *uiBadRow) walk(v any) {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			b.walk(e)
		}
	case map[string]any:
		msg := uiFirstString(t, "message", "expectation")
		if msg == "" && !hasNested(t) {
			msg = uiFirstString(t, "error") // a bare error name, e.g. {"error":"NotFound"}
		}
		where := uiFirstString(t, "path", "field")
		if where != "" && msg != "" {
			b.addPath(where)
		}
		if msg != "" && len(b.Messages) < uiMaxBadRowMessages {
			if where != "" && !strings.Contains(msg, where) {
				msg = where + ": " + msg
			}
			b.Messages = append(b.Messages, msg)
		}
		for _, k := range uiSortedKeys(t) {
			if e, ok := t[k].(map[string]any); ok {
				b.walk(e)
			} else if e, ok := t[k].([]any); ok {
				b.walk(e)
			}
		}
	}
}

// addPath records a failure path once.
func (b *uiBadRow) addPath(p string) {
	for _, q := range b.Paths {
		if q == p {
			return
		}
	}
	b.Paths = append(b.Paths, p)
}

// uiFirstString is the first of keys that holds a non-empty string.
func uiFirstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// uiSortedKeys returns m's keys in a fixed order: the walk's output must not vary.
func uiSortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// hasNested reports whether m holds an object or array: an "error" key beside nested
// reports names their kind, it is not a message.
func hasNested(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return true
		}
	}
	return false
}
