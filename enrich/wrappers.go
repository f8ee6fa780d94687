package enrich

import (
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/badrows"
)

// wrapperSchemaPattern is the pattern the wrapper schemas require of an inner SDJ's schema.
const wrapperSchemaPattern = `^iglu:[a-zA-Z0-9-_.]+/[a-zA-Z0-9-_]+/[a-zA-Z0-9-_]+/[0-9]+-[0-9]+-[0-9]+$`

var wrapperSchemaRe = regexp.MustCompile(`^iglu:[a-zA-Z0-9\-_.]+/[a-zA-Z0-9\-_]+/[a-zA-Z0-9\-_]+/[0-9]+-[0-9]+-[0-9]+$`)

// validateUnstructWrapper applies unstruct_event 1-0-0 to the wrapper's data: an object
// with a pattern-matching string schema and a data member, nothing else.
func validateUnstructWrapper(data json.RawMessage) []badrows.DataReport {
	return validateInnerSDJ(data, "$")
}

// validateContextsWrapper applies contexts 1-0-<addition> to the wrapper's data: an array
// (non-empty in 1-0-0) of inner self-describing JSONs.
func validateContextsWrapper(data json.RawMessage, addition int) []badrows.DataReport {
	els, ok := adapters.Elements(data)
	if !ok {
		k := adapters.Kind(data)
		return []badrows.DataReport{{Message: "$: " + k + " found, array expected", Path: "$", Keyword: "type", Targets: []string{k, "array"}}}
	}
	if addition == 0 && len(els) == 0 {
		return []badrows.DataReport{{Message: "$: expected at least 1 items but found 0", Path: "$", Keyword: "minItems", Targets: []string{"1"}}}
	}
	var reports []badrows.DataReport
	for i, el := range els {
		reports = append(reports, validateInnerSDJ(el, "$["+strconv.Itoa(i)+"]")...)
	}
	return reports
}

// validateInnerSDJ checks one inner SDJ at path at against the wrapper item schema.
func validateInnerSDJ(raw json.RawMessage, at string) []badrows.DataReport {
	ms, ok := adapters.Members(raw)
	if !ok {
		k := adapters.Kind(raw)
		return []badrows.DataReport{{Message: at + ": " + k + " found, object expected", Path: at, Keyword: "type", Targets: []string{k, "object"}}}
	}
	var reports []badrows.DataReport
	var schema json.RawMessage
	hasData := false
	for _, m := range ms {
		switch m.Key {
		case "schema":
			schema = m.Value
		case "data":
			hasData = true
		}
	}
	for _, req := range []struct {
		name    string
		present bool
	}{{"schema", schema != nil}, {"data", hasData}} {
		if !req.present {
			reports = append(reports, badrows.DataReport{
				Message: at + "." + req.name + ": is missing but it is required", Path: at, Keyword: "required", Targets: []string{req.name},
			})
		}
	}
	for _, m := range ms {
		if m.Key != "schema" && m.Key != "data" {
			reports = append(reports, badrows.DataReport{
				Message: at + "." + m.Key + ": is not defined in the schema and the schema does not allow additional properties",
				Path:    at, Keyword: "additionalProperties", Targets: []string{m.Key},
			})
		}
	}
	if schema != nil {
		p := at + ".schema"
		if s, ok := adapters.StringValue(schema); !ok {
			k := adapters.Kind(schema)
			reports = append(reports, badrows.DataReport{Message: p + ": " + k + " found, string expected", Path: p, Keyword: "type", Targets: []string{k, "string"}})
		} else if !wrapperSchemaRe.MatchString(s) {
			reports = append(reports, badrows.DataReport{
				Message: p + ": does not match the regex pattern " + wrapperSchemaPattern, Path: p, Keyword: "pattern", Targets: []string{wrapperSchemaPattern},
			})
		}
	}
	return reports
}
