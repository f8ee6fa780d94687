package adapters

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// tp2ContentTypes are the content types a TP2 POST may carry, after lowercasing.
var tp2ContentTypes = map[string]bool{
	"application/json":                true,
	"application/json; charset=utf-8": true,
}

const tp2ContentTypeExpectation = "expected one of application/json, application/json; charset=utf-8, application/json; charset=UTF-8"

// tp2Adapter is the tracker protocol v2 adapter (tracker-protocol.md §1.2).
type tp2Adapter struct{ maxDepth int }

// Adapt implements Adapter.
func (a tp2Adapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if p.Body == nil || *p.Body == "" {
		if len(query) == 0 {
			return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
				badrows.InputData{Field: "body", Expectation: "empty body: not a valid tracker protocol event"},
				badrows.InputData{Field: "querystring", Expectation: "empty querystring: not a valid tracker protocol event"},
			}}
		}
		return []event.Params{clone(query)}, nil
	}
	if p.ContentType == nil || !tp2ContentTypes[strings.ToLower(*p.ContentType)] {
		return nil, &Failure{Kind: TrackerProtocolViolations, Messages: []any{
			badrows.InputData{Field: "contentType", Value: p.ContentType, Expectation: tp2ContentTypeExpectation},
		}}
	}
	items, msgs := ParseTP2Body(*p.Body, a.maxDepth, p.Timestamp)
	if msgs != nil {
		return nil, &Failure{Kind: TrackerProtocolViolations, Messages: msgs}
	}
	for i, item := range items {
		items[i] = mergeQuery(item, query)
	}
	return items, nil
}

// mergeQuery returns the body parameters of one event with the query parameters merged in;
// a query parameter replaces a body parameter of the same name.
func mergeQuery(body, query event.Params) event.Params {
	if len(query) == 0 {
		return body
	}
	inQuery := make(map[string]bool, len(query))
	for _, q := range query {
		inQuery[q.Name] = true
	}
	out := make(event.Params, 0, len(body)+len(query))
	for _, b := range body {
		if !inQuery[b.Name] {
			out = append(out, b)
		}
	}
	return append(out, query...)
}

// payloadDataKeys lists the keys each payload_data version adds to its predecessor.
var payloadDataKeys = [][]string{
	0: strings.Fields(`tna aid p dtm tz e tid eid tv duid nuid uid vid ip res url page refr fp ctype cookie lang
		f_pdf f_qt f_realp f_wma f_dir f_fla f_java f_gears f_ag cd ds cs vp mac pp_mix pp_max pp_miy pp_may
		ad_ba ad_ca ad_ad ad_uid tr_id tr_af tr_tt tr_tx tr_sh tr_ci tr_st tr_co tr_cu ti_id ti_sk ti_nm ti_na
		ti_ca ti_pr ti_qu ti_cu sa sn st sp se_ca se_ac se_la se_pr se_va ue_na ue_pr ue_px co cx`),
	1: {"ua"},
	2: {"tnuid"},
	3: {"stm", "sid"},
	4: {"ttm"},
}

// payloadDataRequired are the keys every payload_data item must have, in schema order.
var payloadDataRequired = []string{"tv", "p", "e"}

// allowedKeys reports whether key is a property of payload_data 1-0-<addition>.
func allowedKey(addition int, key string) bool {
	for v := 0; v <= addition && v < len(payloadDataKeys); v++ {
		for _, k := range payloadDataKeys[v] {
			if k == key {
				return true
			}
		}
	}
	return false
}

// ParseTP2Body parses a TP2 POST body: a payload_data self-describing JSON whose data is a
// non-empty array of objects of string values. It returns the parameters of each event in
// document order, or the tracker_protocol_violations messages explaining why the body is
// invalid. maxDepth limits JSON nesting; at stamps resolution failures.
func ParseTP2Body(body string, maxDepth int, at time.Time) ([]event.Params, []any) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxJSONDepth
	}
	raw, err := ParseJSON(body, maxDepth)
	if err != nil {
		return nil, []any{badrows.NotJSON{Field: "body", Value: strp(body), Error: err.Error()}}
	}
	sdj, code := ParseSDJ(raw)
	if code != "" {
		return nil, []any{badrows.NotIglu{JSON: compact(raw), Error: code}}
	}
	if !PayloadDataCriterion.Matches(sdj.Key) {
		return nil, []any{badrows.CriterionMismatch{SchemaKey: sdj.Schema, SchemaCriterion: PayloadDataCriterion.String()}}
	}
	if sdj.Key.Addition >= len(payloadDataKeys) {
		return nil, []any{badrows.IgluError{SchemaKey: sdj.Schema, Error: notFound(at)}}
	}
	if items, ok := fastPayloadItems(sdj.Data, sdj.Key.Addition); ok {
		return items, nil
	}
	items, reports := validatePayloadData(sdj.Data, sdj.Key.Addition)
	if len(reports) > 0 {
		return nil, []any{badrows.IgluError{SchemaKey: sdj.Schema, Error: badrows.ClientError{
			Error: "ValidationError", DataReports: reports,
		}}}
	}
	return items, nil
}

// notFound is the resolution error of a payload_data version plowbox does not know.
func notFound(at time.Time) badrows.ClientError {
	return badrows.ClientError{Error: "ResolutionError", LookupHistory: []badrows.LookupHistory{{
		Repository:  "Iglu Client Embedded",
		Errors:      []badrows.RegistryError{{Error: "NotFound"}},
		Attempts:    1,
		LastAttempt: at.UTC(),
	}}}
}

// validatePayloadData applies the rules of payload_data 1-0-<addition> to its data and
// returns the events' parameters, or the validation reports.
func validatePayloadData(data json.RawMessage, addition int) ([]event.Params, []badrows.DataReport) {
	elems, ok := Elements(data)
	if !ok {
		k := Kind(data)
		return nil, []badrows.DataReport{{
			Message: "$: " + k + " found, array expected", Path: "$", Keyword: "type", Targets: []string{k, "array"},
		}}
	}
	if len(elems) == 0 {
		return nil, []badrows.DataReport{{
			Message: "$: expected at least 1 items but found 0", Path: "$", Keyword: "minItems", Targets: []string{"1"},
		}}
	}
	var reports []badrows.DataReport
	items := make([]event.Params, 0, len(elems))
	for i, el := range elems {
		at := "$[" + strconv.Itoa(i) + "]"
		ms, ok := Members(el)
		if !ok {
			k := Kind(el)
			reports = append(reports, badrows.DataReport{
				Message: at + ": " + k + " found, object expected", Path: at, Keyword: "type", Targets: []string{k, "object"},
			})
			continue
		}
		present := make(map[string]bool, len(ms))
		for _, m := range ms {
			present[m.Key] = true
		}
		for _, req := range payloadDataRequired {
			if !present[req] {
				reports = append(reports, badrows.DataReport{
					Message: at + "." + req + ": is missing but it is required", Path: at, Keyword: "required", Targets: []string{req},
				})
			}
		}
		params := make(event.Params, 0, len(ms))
		var typeReports []badrows.DataReport
		for _, m := range ms {
			if !allowedKey(addition, m.Key) {
				reports = append(reports, badrows.DataReport{
					Message: at + "." + m.Key + ": is not defined in the schema and the schema does not allow additional properties",
					Path:    at, Keyword: "additionalProperties", Targets: []string{m.Key},
				})
				continue
			}
			s, ok := StringValue(m.Value)
			if !ok {
				k := Kind(m.Value)
				msg := "value is not a string"
				if k == "null" {
					msg = "value cannot be null"
				}
				typeReports = append(typeReports, badrows.DataReport{
					Message: msg, Path: at + "." + m.Key, Keyword: "type", Targets: []string{k, "string"},
				})
				continue
			}
			params = append(params, event.Param{Name: m.Key, Value: strp(s)})
		}
		reports = append(reports, typeReports...)
		items = append(items, params)
	}
	if len(reports) > 0 {
		return nil, reports
	}
	return items, nil
}
