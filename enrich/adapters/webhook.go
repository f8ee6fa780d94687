package adapters

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// Content types the webhook adapters expect.
const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// webhookQueryParams are the tracker parameters a webhook request's query string may carry
// onto each event it produces; everything else in the query string is vendor data.
var webhookQueryParams = []string{"nuid", "aid", "cv", "eid", "ttm", "url"}

// webhookQueryExcluded are the query parameters never treated as vendor data.
var webhookQueryExcluded = map[string]bool{"nuid": true, "aid": true, "cv": true, "eid": true, "ttm": true, "url": true, "p": true}

// vendorTrackerVersion is the v_tracker of a webhook vendor's events: "com.acme-v1".
func vendorTrackerVersion(vendor, version string) string { return vendor + "-" + version }

// webhookEvent builds the raw event parameters of one webhook event: tv, e=ue, p (from the
// query string, else defaultP), the tracker parameters of the query string, and ue_pr
// wrapping the vendor event {schema, data}.
func webhookEvent(tv string, query event.Params, defaultP, schema string, data []byte) event.Params {
	pv, ok := query.Get("p")
	if !ok || pv == "" {
		pv = defaultP
	}
	ps := event.Params{
		{Name: "tv", Value: strp(tv)},
		{Name: "e", Value: strp("ue")},
		{Name: "p", Value: strp(pv)},
	}
	for _, name := range webhookQueryParams {
		if v, ok := query.Get(name); ok {
			ps = append(ps, event.Param{Name: name, Value: strp(v)})
		}
	}
	return append(ps, event.Param{Name: "ue_pr", Value: strp(string(BuildSDJ(UnstructEventSchema, BuildSDJ(schema, data))))})
}

// adapterFailure wraps messages in an adapter_failures failure.
func adapterFailure(msgs ...any) *Failure {
	return &Failure{Kind: AdapterFailures, Messages: msgs}
}

// mediaType returns the lowercased media type of a content type, without parameters.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// checkBody returns the payload body, or the failure of a webhook POST whose body is
// missing or empty or whose content type is not want (parameters such as a charset are
// allowed). emptyMsg is the expectation of the empty-body message.
func checkBody(p *collector.Payload, want, emptyMsg string) (string, *Failure) {
	if p.Body == nil || *p.Body == "" {
		return "", adapterFailure(badrows.InputData{Field: "body", Expectation: emptyMsg})
	}
	if p.ContentType == nil {
		return "", adapterFailure(badrows.InputData{Field: "contentType", Expectation: "no content type: expected " + want})
	}
	if mediaType(*p.ContentType) != want {
		return "", adapterFailure(badrows.InputData{Field: "contentType", Value: p.ContentType, Expectation: "expected " + want})
	}
	return *p.Body, nil
}

// emptyBody is the usual expectation of an empty webhook body.
const emptyBody = "empty body: no events to process"

// parseForm decodes an application/x-www-form-urlencoded body; a malformed body is an
// InputData message on "body".
func parseForm(body string) (event.Params, *Failure) {
	form, err := event.ParseQuery(body)
	if err != nil {
		return nil, adapterFailure(badrows.InputData{Field: "body", Value: &body, Expectation: "could not parse body: " + err.Error()})
	}
	return form, nil
}

// formBody checks that the payload has a non-empty form body and parses it.
func formBody(p *collector.Payload) (body string, form event.Params, f *Failure) {
	if body, f = checkBody(p, ctForm, emptyBody); f != nil {
		return "", nil, f
	}
	form, f = parseForm(body)
	return body, form, f
}

// formObject renders form parameters as a JSON object of strings, the last value of a
// repeated name winning at its first position; an empty or missing value is null unless
// keepEmpty is set, and names in exclude are left out.
func formObject(form event.Params, exclude map[string]bool, keepEmpty bool) *jobject {
	o := &jobject{}
	for _, p := range form {
		if exclude[p.Name] {
			continue
		}
		switch {
		case p.Value != nil && (*p.Value != "" || keepEmpty):
			o.set(p.Name, *p.Value)
		default:
			o.set(p.Name, nil)
		}
	}
	return o
}

// parseJSONBody parses a webhook JSON body into a tree; a malformed body is a NotJSON
// message on field.
func parseJSONBody(field, body string) (any, *Failure) {
	v, err := parseTree(body, DefaultMaxJSONDepth)
	if err != nil {
		return nil, adapterFailure(badrows.NotJSON{Field: field, Value: &body, Error: err.Error()})
	}
	return v, nil
}

// eventSchemas maps vendor event types to Iglu schema URIs, in a fixed order.
type eventSchemas []badrows.MappingEntry

// lookup returns the schema of event type et. A nil et means the type was not provided;
// index ≥ 0 names the event's position in a batch in the failure's expectation.
func (m eventSchemas) lookup(et *string, index int) (string, any) {
	at := ""
	if index >= 0 {
		at = fmt.Sprintf(" at index %d", index)
	}
	mapping := badrows.Mapping(m)
	switch {
	case et == nil:
		return "", badrows.SchemaMapping{ExpectedMapping: mapping, Expectation: "cannot determine event type: type parameter not provided" + at}
	case *et == "":
		return "", badrows.SchemaMapping{Actual: et, ExpectedMapping: mapping, Expectation: "cannot determine event type: type parameter empty" + at}
	}
	for _, e := range m {
		if e.EventType == *et {
			return e.Schema, nil
		}
	}
	return "", badrows.SchemaMapping{Actual: et, ExpectedMapping: mapping, Expectation: "no schema associated with the provided type parameter" + at}
}

// batch runs one function per element of a batch and gathers either all events or all
// failure messages, so that one bad element fails the whole payload with every reason.
func batch(n int, f func(i int) (event.Params, []any)) ([]event.Params, *Failure) {
	var evs []event.Params
	var msgs []any
	for i := range n {
		ev, m := f(i)
		if m != nil {
			msgs = append(msgs, m...)
			continue
		}
		evs = append(evs, ev)
	}
	if msgs != nil {
		return nil, adapterFailure(msgs...)
	}
	return evs, nil
}

// itoa formats an int.
func itoa(i int) string { return fmt.Sprint(i) }

// fieldType is the JSON type a string form value is converted to.
type fieldType uint8

// Field types of form values.
const (
	typeString  fieldType = iota
	typeBool              // "true"/"false" → true/false
	typeInt               // an integer → a JSON number
	typeNumber            // a decimal → a JSON number
	typeSQLDate           // "yyyy-MM-dd HH:mm:ss" → "yyyy-MM-ddTHH:mm:ss.000Z"
	typeMoney             // a decimal rounded to two places (GA currency fields)
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
