package adapters

import (
	"bytes"
	"encoding/json"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// Schemas the redirect adapter writes.
const (
	UnstructEventSchema = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
	ContextsSchema      = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
	URIRedirectSchema   = "iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0"
)

// redirectAdapter is the click-redirect adapter (tracker-protocol.md §6.3).
type redirectAdapter struct{ maxDepth int }

// Adapt implements Adapter.
func (a redirectAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if len(query) == 0 {
		return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
			badrows.InputData{Field: "querystring", Expectation: "empty querystring: not a valid URI redirect"},
		}}
	}
	u, ok := query.Get("u")
	if !ok {
		return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
			badrows.InputData{Field: "querystring", Value: strp(p.Querystring), Expectation: "missing `u` parameter: not a valid URI redirect"},
		}}
	}
	entity := BuildSDJ(URIRedirectSchema, json.RawMessage(`{"uri":`+string(jsonString(u))+`}`))
	params := make(event.Params, 0, len(query)+3)
	for _, q := range query {
		if q.Name != "u" && q.Name != "tv" {
			params = append(params, q)
		}
	}
	params = append(params, event.Param{Name: "tv", Value: strp("r-tp2")})
	if _, ok := params.Get("p"); !ok {
		params = setParam(params, "p", "web")
	}
	if _, ok := params.Get("e"); !ok {
		params = append(params,
			event.Param{Name: "e", Value: strp("ue")},
			event.Param{Name: "ue_pr", Value: strp(string(BuildSDJ(UnstructEventSchema, entity)))})
		return []event.Params{params}, nil
	}
	co, hasCo := params.Get("co")
	cx, hasCx := params.Get("cx")
	switch {
	case hasCo && co != "":
		merged, err := prependContext(co, entity, a.maxDepth)
		if err != nil {
			return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
				badrows.NotJSON{Field: "co|cx", Value: strp(co), Error: err.Error()},
			}}
		}
		params = setParam(params, "co", merged)
	case hasCx && cx != "":
		decoded, err := DecodeBase64(cx)
		merged := ""
		if err == nil {
			merged, err = prependContext(decoded, entity, a.maxDepth)
		}
		if err != nil {
			return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
				badrows.NotJSON{Field: "co|cx", Value: strp(decoded), Error: err.Error()},
			}}
		}
		params = setParam(params, "cx", EncodeBase64URL(merged))
	default:
		params = setParam(params, "co", `{"schema":"`+ContextsSchema+`","data":[`+string(entity)+`]}`)
	}
	return []event.Params{params}, nil
}

// setParam replaces every value of name, or appends name=value when absent.
func setParam(ps event.Params, name, value string) event.Params {
	found := false
	for i := range ps {
		if ps[i].Name == name {
			ps[i].Value = strp(value)
			found = true
		}
	}
	if !found {
		ps = append(ps, event.Param{Name: name, Value: strp(value)})
	}
	return ps
}

// prependContext inserts entity at the front of the data array of a contexts JSON, keeping
// every other member and its position.
func prependContext(contexts string, entity json.RawMessage, maxDepth int) (string, error) {
	raw, err := ParseJSON(contexts, maxDepth)
	if err != nil {
		return "", err
	}
	ms, ok := Members(raw)
	if !ok {
		return "", errNotContexts
	}
	var b bytes.Buffer
	b.WriteByte('{')
	inserted := false
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(m.Key))
		b.WriteByte(':')
		if m.Key == "data" && !inserted {
			if els, ok := Elements(m.Value); ok {
				b.WriteByte('[')
				b.Write(entity)
				for _, e := range els {
					b.WriteByte(',')
					b.Write(compact(e))
				}
				b.WriteByte(']')
				inserted = true
				continue
			}
		}
		b.Write(compact(m.Value))
	}
	b.WriteByte('}')
	if !inserted {
		return "", errNotContexts
	}
	return b.String(), nil
}
