package event

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ColumnName returns the flattened-JSON key of a self-describing entity or event
// (enriched-event.md §11.3): prefix + "_" + vendor + "_" + name + "_" + model, where "."
// and "-" become "_", camelCase in the name becomes snake_case and everything is
// lower-cased; e.g. ColumnName("contexts", "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0")
// is "contexts_org_w3_performance_timing_1". It returns "" when schemaURI is not an
// Iglu URI.
func ColumnName(prefix, schemaURI string) string {
	rest, ok := strings.CutPrefix(schemaURI, "iglu:")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return ""
	}
	model, _, _ := strings.Cut(parts[3], "-")
	if model == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(prefix) + len(parts[0]) + 2*len(parts[1]) + len(model) + 3)
	b.WriteString(prefix)
	b.WriteByte('_')
	for i := 0; i < len(parts[0]); i++ {
		b.WriteByte(snakeByte(parts[0][i]))
	}
	b.WriteByte('_')
	name := parts[1]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if i > 0 && isUpper(c) {
			if p := snakeByte(name[i-1]); p != '_' && !isUpper(name[i-1]) {
				b.WriteByte('_')
			}
		}
		b.WriteByte(snakeByte(c))
	}
	b.WriteByte('_')
	b.WriteString(model)
	return b.String()
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// snakeByte maps '.' and '-' to '_' and lower-cases ASCII letters.
func snakeByte(c byte) byte {
	switch {
	case c == '.' || c == '-':
		return '_'
	case isUpper(c):
		return c + 'a' - 'A'
	}
	return c
}

// sdj is a self-describing JSON with its data kept as raw text.
type sdj struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// lossyColumn is one flattened contexts key and its array items, comma-separated.
type lossyColumn struct {
	key string
	val []byte
}

// AppendLossyJSON appends the event as flattened ("lossy") JSON (enriched-event.md
// §11.3): the 128 atomic keys as in AppendSDKJSON, then one
// contexts_<vendor>_<name>_<model> array per entity schema (tracker contexts, then derived
// contexts, a derived key replacing a tracker key of the same name), each entity's data
// with "_schema_version" (the full URI) appended last, then
// unstruct_event_<vendor>_<name>_<model>, then geo_location when both coordinates are set.
// JSON values keep their key order and number text; entities that are not
// self-describing are skipped.
func (e *Event) AppendLossyJSON(dst []byte) []byte {
	dst = append(dst, '{')
	first := true
	for f := range NumFields {
		switch Fields[f].Kind {
		case KindContexts, KindUnstruct:
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, sdkKeys[f]...)
		dst = e.appendSDKValue(dst, Field(f))
	}
	var cols []lossyColumn
	cols = addContexts(cols, e.v[Contexts], false)
	cols = addContexts(cols, e.v[DerivedContexts], true)
	for _, c := range cols {
		dst = append(dst, ',')
		dst = AppendJSONString(dst, c.key)
		dst = append(dst, ':', '[')
		dst = append(dst, c.val...)
		dst = append(dst, ']')
	}
	if s := e.v[UnstructEvent]; s != "" {
		var ue sdj
		if json.Unmarshal([]byte(s), &ue) == nil {
			if key := ColumnName("unstruct_event", ue.Schema); key != "" && len(ue.Data) > 0 {
				dst = append(dst, ',')
				dst = AppendJSONString(dst, key)
				dst = append(dst, ':')
				dst = appendCompact(dst, ue.Data)
			}
		}
	}
	if lat, lon := e.v[GeoLatitude], e.v[GeoLongitude]; lat != "" && lon != "" {
		var loc []byte
		var ok1, ok2 bool
		loc, ok1 = appendJavaDouble(loc, lat)
		loc = append(loc, ',')
		loc, ok2 = appendJavaDouble(loc, lon)
		if ok1 && ok2 {
			dst = append(dst, `,"geo_location":`...)
			dst = AppendJSONString(dst, string(loc))
		}
	}
	return append(dst, '}')
}

// addContexts adds the columns of a contexts field text to cols. Entities with the same
// key are gathered in one array in event order; with replace, a key already present from
// an earlier field is replaced, keeping its position.
func addContexts(cols []lossyColumn, text string, replace bool) []lossyColumn {
	if !hasEntities(text) {
		return cols
	}
	var ents []sdj
	if err := json.Unmarshal([]byte(text), &ents); err != nil {
		return cols
	}
	touched := make(map[string]bool, len(ents))
	for _, en := range ents {
		key := ColumnName("contexts", en.Schema)
		if key == "" || len(en.Data) == 0 {
			continue
		}
		i := 0
		for i < len(cols) && cols[i].key != key {
			i++
		}
		if i == len(cols) {
			cols = append(cols, lossyColumn{key: key})
		} else if replace && !touched[key] {
			cols[i].val = nil
		}
		touched[key] = true
		c := &cols[i]
		if len(c.val) > 0 {
			c.val = append(c.val, ',')
		}
		c.val = appendEntityData(c.val, en.Data, en.Schema)
	}
	return cols
}

// appendEntityData appends an entity's data compacted, with "_schema_version":<uri>
// added as the last key when the data is an object.
func appendEntityData(dst, data []byte, uri string) []byte {
	start := len(dst)
	dst = appendCompact(dst, data)
	if len(dst)-start < 2 || dst[start] != '{' {
		return dst
	}
	dst = dst[:len(dst)-1] // drop '}'
	if len(dst)-start > 1 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"_schema_version":`...)
	dst = AppendJSONString(dst, uri)
	return append(dst, '}')
}

// appendCompact appends the compact form of the JSON text b (b itself if it is invalid).
func appendCompact(dst, b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return append(dst, b...)
	}
	return append(dst, buf.Bytes()...)
}
