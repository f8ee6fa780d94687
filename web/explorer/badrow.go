package explorer

import (
	"encoding/json"
	"slices"
	"strings"
)

// badRow is what the explorer shows of a bad row: its type, its messages and the
// data paths its failure points at.
type badRow struct {
	Type     string   // e.g. schema_violations
	Schema   string   // the bad row's schema URI
	Messages []string // one line per message, prefixed with its path or field
	Paths    []string // dataReports[].path and messages[].field values, in order, once each
}

// maxBadRowMessages caps the messages listed per bad row.
const maxBadRowMessages = 50

// parseBadRow reads the failure of a bad row; anything unreadable yields what could be read.
func parseBadRow(row []byte) *badRow {
	info := &badRow{}
	if len(row) == 0 {
		return info
	}
	var sDJ struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure json.RawMessage `json:"failure"`
		} `json:"data"`
	}
	if json.Unmarshal(row, &sDJ) != nil {
		info.Type = "unreadable bad row"
		return info
	}
	info.Schema = sDJ.Schema
	info.Type = badRowType(sDJ.Schema)
	var failure any
	if json.Unmarshal(sDJ.Data.Failure, &failure) == nil {
		info.walk(failure)
	}
	return info
}

// badRowType is the name part of a bad row schema URI.
func badRowType(uri string) string {
	s := strings.TrimPrefix(uri, "iglu:")
	parts := strings.Split(s, "/")
	if len(parts) >= 2 {
		return parts[1]
	}
	return s
}

// walk collects messages and paths from a decoded failure.
func (b *badRow) walk(v any) {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			b.walk(e)
		}
	case map[string]any:
		msg := firstString(t, "message", "expectation")
		if msg == "" && !hasNested(t) {
			msg = firstString(t, "error") // a bare error name, e.g. {"error":"NotFound"}
		}
		where := firstString(t, "path", "field")
		if where != "" && msg != "" {
			b.addPath(where)
		}
		if msg != "" && len(b.Messages) < maxBadRowMessages {
			if where != "" && !strings.Contains(msg, where) {
				msg = where + ": " + msg
			}
			b.Messages = append(b.Messages, msg)
		}
		for _, k := range sortedKeys(t) {
			if e, ok := t[k].(map[string]any); ok {
				b.walk(e)
			} else if e, ok := t[k].([]any); ok {
				b.walk(e)
			}
		}
	}
}

// addPath records a failure path once.
func (b *badRow) addPath(p string) {
	for _, q := range b.Paths {
		if q == p {
			return
		}
	}
	b.Paths = append(b.Paths, p)
}

// firstString is the first of keys that holds a non-empty string.
func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// sortedKeys returns m's keys in a fixed order: the walk's output must not vary.
func sortedKeys(m map[string]any) []string {
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
