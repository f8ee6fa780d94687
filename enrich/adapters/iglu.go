package adapters

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// igluTrackerVersion is the v_tracker of Iglu webhook events.
const igluTrackerVersion = "com.snowplowanalytics.iglu-v1"

const (
	igluContentTypes    = "expected one of application/json, application/json; charset=utf-8, application/x-www-form-urlencoded"
	igluSDJContentTypes = "expected one of application/json, application/json; charset=utf-8"
)

// igluExcluded are the query parameters left out of the event data built from a query string.
var igluExcluded = map[string]bool{"nuid": true, "aid": true, "cv": true, "p": true, "schema": true}

// igluCopied are the tracker parameters copied from the query string onto each event.
var igluCopied = []string{"nuid", "aid", "cv", "eid", "ttm", "url"}

// igluAdapter is the Iglu webhook adapter (collector.md §9.2).
type igluAdapter struct{ maxDepth int }

// Adapt implements Adapter.
func (a igluAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	fail := func(msgs ...any) ([]event.Params, *Failure) {
		return nil, &Failure{Kind: AdapterFailures, Messages: msgs}
	}
	hasBody := p.Body != nil && *p.Body != ""
	ct := ""
	if p.ContentType != nil {
		ct = strings.ToLower(*p.ContentType)
	}
	isJSON := ct == "application/json" || ct == "application/json; charset=utf-8"
	isForm := ct == "application/x-www-form-urlencoded"

	schema, hasSchema := query.Get("schema")
	if !hasSchema || schema == "" {
		if !hasBody {
			return fail(
				badrows.InputData{Field: "schema", Expectation: "empty `schema` field"},
				badrows.InputData{Field: "body", Expectation: "empty body"})
		}
		if !isJSON {
			return fail(badrows.InputData{Field: "contentType", Value: p.ContentType, Expectation: igluSDJContentTypes})
		}
		raw, err := ParseJSON(*p.Body, a.maxDepth)
		if err != nil {
			return fail(badrows.NotJSON{Field: "body", Value: p.Body, Error: err.Error()})
		}
		sdj, code := ParseSDJ(raw)
		if code != "" {
			return fail(badrows.NotIglu{JSON: compact(raw), Error: code})
		}
		return []event.Params{igluEvent(query, "app", BuildSDJ(sdj.Schema, sdj.Data))}, nil
	}
	if _, code := ParseSchemaKey(schema); code != "" {
		return fail(badrows.InputData{Field: "schema", Value: strp(schema), Expectation: code})
	}
	if !hasBody {
		return []event.Params{igluEvent(query, "app", BuildSDJ(schema, queryData(query)))}, nil
	}
	switch {
	case isJSON:
		raw, err := ParseJSON(*p.Body, a.maxDepth)
		if err != nil {
			return fail(badrows.NotJSON{Field: "body", Value: p.Body, Error: err.Error()})
		}
		if els, ok := Elements(raw); ok {
			if len(els) == 0 {
				return fail(badrows.InputData{Field: "body", Value: p.Body, Expectation: "empty array of events"})
			}
			evs := make([]event.Params, 0, len(els))
			for _, el := range els {
				evs = append(evs, igluEvent(query, "app", BuildSDJ(schema, el)))
			}
			return evs, nil
		}
		if ms, ok := Members(raw); !ok || len(ms) == 0 {
			return fail(badrows.InputData{Field: "body", Value: p.Body, Expectation: "has no key-value pairs"})
		}
		return []event.Params{igluEvent(query, "app", BuildSDJ(schema, raw))}, nil
	case isForm:
		form, err := event.ParseQuery(*p.Body)
		if err != nil {
			return fail(badrows.InputData{Field: "body", Value: p.Body, Expectation: "invalid form body: " + err.Error()})
		}
		if len(form) == 0 {
			return fail(badrows.InputData{Field: "body", Value: p.Body, Expectation: "has no key-value pairs"})
		}
		return []event.Params{igluEvent(query, "srv", BuildSDJ(schema, paramsObject(form, nil)))}, nil
	default:
		return fail(badrows.InputData{Field: "contentType", Value: p.ContentType, Expectation: igluContentTypes})
	}
}

// igluEvent builds the parameters of one Iglu webhook event carrying sdj as its unstruct
// event; p comes from the query string, else defaultP.
func igluEvent(query event.Params, defaultP string, sdj json.RawMessage) event.Params {
	pv, ok := query.Get("p")
	if !ok || pv == "" {
		pv = defaultP
	}
	ps := event.Params{
		{Name: "tv", Value: strp(igluTrackerVersion)},
		{Name: "e", Value: strp("ue")},
		{Name: "p", Value: strp(pv)},
	}
	for _, name := range igluCopied {
		if v, ok := query.Get(name); ok {
			ps = append(ps, event.Param{Name: name, Value: strp(v)})
		}
	}
	return append(ps, event.Param{Name: "ue_pr", Value: strp(string(BuildSDJ(UnstructEventSchema, sdj)))})
}

// queryData renders the query parameters, minus the excluded ones, as a JSON object.
func queryData(query event.Params) json.RawMessage {
	return paramsObject(query, igluExcluded)
}

// paramsObject renders parameters as a JSON object of strings; an empty or missing value is
// null and, for a repeated name, the last value wins at the first position.
func paramsObject(ps event.Params, exclude map[string]bool) json.RawMessage {
	last := make(map[string]*string, len(ps))
	var order []string
	for _, p := range ps {
		if exclude[p.Name] {
			continue
		}
		if _, seen := last[p.Name]; !seen {
			order = append(order, p.Name)
		}
		last[p.Name] = p.Value
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(name))
		b.WriteByte(':')
		if v := last[name]; v == nil || *v == "" {
			b.WriteString("null")
		} else {
			b.Write(jsonString(*v))
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
