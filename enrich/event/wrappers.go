package event

import (
	"encoding/json"
	"strings"
)

// Wrapper schemas of the JSON columns.
const (
	// ContextsSchemaTSV wraps contexts and derived_contexts in the TSV and in bad rows.
	ContextsSchemaTSV = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
	// ContextsSchemaSDK wraps contexts and derived_contexts in the analytics-SDK JSON.
	ContextsSchemaSDK = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"
	// UnstructSchema wraps unstruct_event everywhere.
	UnstructSchema = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
)

// hasEntities reports whether a contexts field text holds at least one entity; "" and
// "[]" (with any spacing) hold none.
func hasEntities(s string) bool {
	if s == "" {
		return false
	}
	t := strings.TrimSpace(s)
	if len(t) >= 2 && t[0] == '[' && t[len(t)-1] == ']' && strings.TrimSpace(t[1:len(t)-1]) == "" {
		return false
	}
	return true
}

// appendWrapped appends {"schema":<schema>,"data":<data>}.
func appendWrapped(dst []byte, schema, data string) []byte {
	dst = append(dst, `{"schema":"`...)
	dst = append(dst, schema...)
	dst = append(dst, `","data":`...)
	dst = append(dst, data...)
	return append(dst, '}')
}

// SchemaURI returns the Micro `schema` of the event: "iglu:" + event_vendor/event_name/
// event_format/event_version, or "" when any of the four is null.
func (e *Event) SchemaURI() string {
	v, n, f, ver := e.v[EventVendor], e.v[EventName], e.v[EventFormat], e.v[EventVersion]
	if v == "" || n == "" || f == "" || ver == "" {
		return ""
	}
	return "iglu:" + v + "/" + n + "/" + f + "/" + ver
}

// ContextURIs returns the schema URIs of the tracker-sent entities (the contexts field) in
// event order; nil when there are none or the field is not a JSON array of objects.
func (e *Event) ContextURIs() []string {
	if !hasEntities(e.v[Contexts]) {
		return nil
	}
	var ents []struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal([]byte(e.v[Contexts]), &ents); err != nil {
		return nil
	}
	uris := make([]string, len(ents))
	for i, en := range ents {
		uris[i] = en.Schema
	}
	return uris
}
