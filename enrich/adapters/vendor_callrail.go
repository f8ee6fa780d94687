package adapters

import (
	"encoding/json"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// callrailSchemas maps CallRail's single event type to its schema.
var callrailSchemas = eventSchemas{
	{EventType: "call_complete", Schema: "iglu:com.callrail/call_complete/jsonschema/1-0-2"},
}

// callrailTypes gives the JSON type of CallRail's typed query parameters; the others are
// strings.
var callrailTypes = map[string]fieldType{
	"answered":   typeBool,
	"first_call": typeBool,
	"duration":   typeInt,
	"datetime":   typeSQLDate,
}

// callrailAdapter maps a CallRail GET request's query string to one call_complete event.
type callrailAdapter struct{}

func init() { register("com.callrail", "v1", callrailAdapter{}) }

// Adapt implements Adapter.
func (callrailAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if len(query) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "querystring", Expectation: "empty querystring"})
	}
	data := typedObject(formObject(query, webhookQueryExcluded, false), callrailTypes)
	schema := callrailSchemas[0].Schema
	return []event.Params{webhookEvent(vendorTrackerVersion("com.callrail", "v1"), query, "srv", schema, marshalTree(data))}, nil
}

// fieldType is the JSON type a string form value is converted to.
type fieldType uint8

// Field types of form values.
const (
	typeString  fieldType = iota
	typeBool              // "true"/"false" → true/false
	typeInt               // an integer → a JSON number
	typeNumber            // a decimal → a JSON number
	typeSQLDate           // "yyyy-MM-dd HH:mm:ss" → "yyyy-MM-ddTHH:mm:ss.000Z"
)

// typedObject converts the string values of o named in types; a value that does not
// parse as its type is kept as a string.
func typedObject(o *jobject, types map[string]fieldType) *jobject {
	for _, k := range o.keys {
		s, ok := o.vals[k].(string)
		if !ok {
			continue
		}
		if v, ok := convertValue(s, types[k]); ok {
			o.vals[k] = v
		}
	}
	return o
}

// convertValue converts s to type t; ok is false when s does not parse.
func convertValue(s string, t fieldType) (any, bool) {
	switch t {
	case typeBool:
		switch s {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case typeInt:
		var n json.Number
		if json.Unmarshal([]byte(s), &n) == nil && isInteger(s) {
			return n, true
		}
	case typeNumber:
		var n json.Number
		if json.Unmarshal([]byte(s), &n) == nil {
			return n, true
		}
	case typeSQLDate:
		return sqlDateToISO(s)
	}
	return nil, false
}

// isInteger reports whether s is an optionally negative run of decimal digits.
func isInteger(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
