package enrichments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/theory/jsonpath"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// inputParams is one input of api_request_enrichment_config (keyed by `key`) or
// sql_query_enrichment_config (keyed by `placeholder`): an atomic field (`pojo`) or a
// value inside an entity or the self-describing event (`json`).
type inputParams struct {
	Key         *string      `json:"key"`
	Placeholder *json.Number `json:"placeholder"`
	Pojo        *struct {
		Field *string `json:"field"`
	} `json:"pojo"`
	JSON *struct {
		Field           *string `json:"field"`
		SchemaCriterion *string `json:"schemaCriterion"`
		JSONPath        *string `json:"jsonPath"`
	} `json:"json"`
}

// input is a checked input: where its value comes from.
type input struct {
	pojo      event.Field
	isJSON    bool
	field     event.Field // contexts, derived_contexts or unstruct_event
	criterion [6]string
	path      *jsonpath.Path
}

// parseInput checks one input; at names it in errors ("inputs[0]").
func parseInput(at string, p inputParams) (input, error) {
	switch {
	case (p.Pojo == nil) == (p.JSON == nil):
		return input{}, fieldErr(at, "must have exactly one of pojo and json")
	case p.Pojo != nil:
		if p.Pojo.Field == nil {
			return input{}, fieldErr(at+".pojo.field", "is required")
		}
		f, ok := fieldNamed(*p.Pojo.Field)
		if !ok {
			return input{}, fieldErr(at+".pojo.field", "%q is not an enriched event field", *p.Pojo.Field)
		}
		return input{pojo: f}, nil
	}
	j := p.JSON
	in := input{isJSON: true}
	switch {
	case j.Field == nil:
		return input{}, fieldErr(at+".json.field", "is required")
	case *j.Field == "contexts":
		in.field = event.Contexts
	case *j.Field == "derived_contexts":
		in.field = event.DerivedContexts
	case *j.Field == "unstruct_event":
		in.field = event.UnstructEvent
	default:
		return input{}, fieldErr(at+".json.field", "must be one of contexts, derived_contexts, unstruct_event, not %q", *j.Field)
	}
	if j.SchemaCriterion == nil {
		return input{}, fieldErr(at+".json.schemaCriterion", "is required")
	}
	m := schemaCriterionRe.FindStringSubmatch(*j.SchemaCriterion)
	if m == nil {
		return input{}, fieldErr(at+".json.schemaCriterion", "must look like iglu:com.acme/name/jsonschema/1-*-*, not %q", *j.SchemaCriterion)
	}
	copy(in.criterion[:], m[1:])
	if j.JSONPath == nil {
		return input{}, fieldErr(at+".json.jsonPath", "is required")
	}
	path, err := jsonpath.Parse(*j.JSONPath)
	if err != nil {
		return input{}, fieldErr(at+".json.jsonPath", "%q: %v", *j.JSONPath, err)
	}
	in.path = path
	return in, nil
}

// fieldNamed finds an enriched field by its name.
func fieldNamed(name string) (event.Field, bool) {
	for f := range event.Field(event.NumFields) {
		if event.Fields[f].Name == name {
			return f, true
		}
	}
	return 0, false
}

// value extracts the input's value from the event: an atomic field as it is, or the
// first value the JSON path finds in the first entity matching the criterion. ok is
// false when there is no value (an empty field, no matching entity, a path that finds
// nothing or finds null).
func (in *input) value(e *event.Event, ein *enrich.Input) (v any, ok bool) {
	if !in.isJSON {
		s := e.Get(in.pojo)
		return s, s != ""
	}
	for _, ent := range in.entities(e, ein) {
		var sd struct {
			Schema string          `json:"schema"`
			Data   json.RawMessage `json:"data"`
		}
		if json.Unmarshal(ent, &sd) != nil || !matchCriterion(in.criterion, sd.Schema) {
			continue
		}
		data, err := decodeJSON(sd.Data)
		if err != nil {
			continue
		}
		for node := range in.path.Select(data).All() {
			if node != nil {
				return node, true
			}
		}
	}
	return nil, false
}

// entities returns the self-describing JSONs of the input's field.
func (in *input) entities(e *event.Event, ein *enrich.Input) []json.RawMessage {
	switch in.field {
	case event.UnstructEvent:
		if v := e.Get(event.UnstructEvent); v != "" {
			return []json.RawMessage{json.RawMessage(v)}
		}
		return nil
	case event.DerivedContexts:
		return ein.DerivedContexts()
	}
	var list []json.RawMessage
	if v := e.Get(event.Contexts); v != "" {
		_ = json.Unmarshal([]byte(v), &list)
	}
	return list
}

// decodeJSON decodes JSON with numbers kept as json.Number, so they keep their text.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// valueString renders an input value for a URI template or a cache key: strings as they
// are, numbers by their text, anything else as compact JSON.
func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// matchCriterion reports whether an Iglu URI satisfies a schema criterion (vendor, name,
// format, model, revision, addition; "*" matches any).
func matchCriterion(criterion [6]string, uri string) bool {
	rest, ok := strings.CutPrefix(uri, "iglu:")
	if !ok {
		return false
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) != 4 {
		return false
	}
	ver := strings.Split(parts[3], "-")
	if len(ver) != 3 {
		return false
	}
	got := [6]string{parts[0], parts[1], parts[2], ver[0], ver[1], ver[2]}
	for i, want := range criterion {
		if want != "*" && want != got[i] {
			return false
		}
	}
	return true
}

// marshalJSON encodes v as compact JSON without HTML escaping, as upstream writes it.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// selfDescribing renders {"schema":schema,"data":data}.
func selfDescribing(schema string, data []byte) json.RawMessage {
	b := append([]byte(`{"schema":`), event.AppendJSONString(nil, schema)...)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	return append(b, '}')
}
