package enrich

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// AtomicSchema is the schema key of atomic field errors.
const AtomicSchema = "iglu:com.snowplowanalytics.snowplow/atomic/jsonschema/1-0-0"

// Failure-entity error sources (enriched-event.md §10).
const (
	sourceUnstruct = "unstruct"
	sourceContexts = "contexts"
	sourceDerived  = "derived_contexts"
	sourceAtomic   = "atomic_field"
)

// notIgluMessages words the NotIglu codes in failure entities.
var notIgluMessages = map[string]string{
	"INVALID_SCHEMAVER":    "Invalid schema version",
	"INVALID_IGLUURI":      "Invalid Iglu URI",
	"INVALID_DATA_PAYLOAD": "Invalid data payload",
	"INVALID_SCHEMA":       "Invalid schema",
}

// issue is one failure found while processing an event: its bad-row message and the
// failure entity that describes it on the incomplete event.
type issue struct {
	phase   int // 1, 2 or 3
	message any // a bad-row message; badrows.EnrichmentMessage in phase 2
	entity  badrows.Failure
}

// issues collects the failures of one event.
type issues struct {
	list []issue
}

// add records a schema violation of phase 1 or 3, deriving its failure entity.
// data is the failing self-describing data, nil when not applicable.
func (is *issues) add(phase int, source string, msg any, data json.RawMessage) {
	is.list = append(is.list, issue{phase: phase, message: msg, entity: entityOf(source, msg, data)})
}

// addEnrichment records an enrichment failure of phase 2.
func (is *issues) addEnrichment(info *badrows.EnrichmentInfo, msg any) {
	id := "unknown"
	schema := ""
	if info != nil {
		id, schema = info.Identifier, info.SchemaKey
	}
	f := badrows.Failure{Type: "EnrichmentError: " + id, Schema: schema}
	switch m := msg.(type) {
	case badrows.InputData:
		f.Errors = []badrows.FailureError{{Message: m.Field + " - " + m.Expectation, Source: m.Field}}
		var b strings.Builder
		b.WriteString(`{`)
		b.Write(jsonText(m.Field))
		b.WriteString(`:`)
		if m.Value == nil {
			b.WriteString("null")
		} else {
			b.Write(jsonText(*m.Value))
		}
		b.WriteString(`}`)
		f.Data = json.RawMessage(b.String())
	case badrows.ErrorMessage:
		f.Errors = []badrows.FailureError{{Message: m.Error}}
	case badrows.IgluError:
		f.Errors = igluErrors(m, "")
	default:
		t, _ := json.Marshal(msg)
		f.Errors = []badrows.FailureError{{Message: string(t)}}
	}
	is.list = append(is.list, issue{phase: 2, message: badrows.EnrichmentMessage{Enrichment: info, Message: msg}, entity: f})
}

// has reports whether a failure of the given phase was recorded.
func (is *issues) has(phase int) bool {
	for _, i := range is.list {
		if i.phase == phase {
			return true
		}
	}
	return false
}

// entityOf derives the failure entity of a schema violation message.
func entityOf(source string, msg any, data json.RawMessage) badrows.Failure {
	switch m := msg.(type) {
	case badrows.NotJSON:
		var b strings.Builder
		b.WriteString(`{`)
		b.Write(jsonText(source))
		b.WriteString(`:`)
		if m.Value == nil {
			b.WriteString("null")
		} else {
			b.Write(jsonText(*m.Value))
		}
		b.WriteString(`}`)
		return badrows.Failure{Type: "NotJSON", Errors: []badrows.FailureError{{Message: m.Error, Source: source}},
			Data: json.RawMessage(b.String())}
	case badrows.NotIglu:
		text := notIgluMessages[m.Error]
		if text == "" {
			text = m.Error
		}
		return badrows.Failure{Type: "NotIglu", Errors: []badrows.FailureError{{Message: text, Source: source}}, Data: m.JSON}
	case badrows.CriterionMismatch:
		return badrows.Failure{Type: "CriterionMismatch", Errors: []badrows.FailureError{{
			Message: "Unexpected schema: " + m.SchemaKey + " does not match the criterion", Source: source, Criterion: m.SchemaCriterion,
		}}, Schema: m.SchemaKey, Data: data}
	case badrows.IgluError:
		return badrows.Failure{Type: m.Error.Error, Errors: igluErrors(m, source), Schema: m.SchemaKey, Data: data}
	}
	t, _ := json.Marshal(msg)
	return badrows.Failure{Type: "ValidationError", Errors: []badrows.FailureError{{Message: string(t), Source: source}}, Data: data}
}

// igluErrors renders the errors of an IgluError for a failure entity.
func igluErrors(m badrows.IgluError, source string) []badrows.FailureError {
	ce := m.Error
	var out []badrows.FailureError
	switch {
	case ce.Error == "ResolutionError":
		lh := ce.LookupHistory
		if lh == nil {
			lh = []badrows.LookupHistory{}
		}
		out = append(out, badrows.FailureError{
			Message: "Resolution error: schema " + m.SchemaKey + " not found", Source: source, LookupHistory: lh,
		})
	case len(ce.SchemaIssues) > 0:
		for _, si := range ce.SchemaIssues {
			out = append(out, badrows.FailureError{
				Message: "Invalid schema: " + m.SchemaKey + " - " + si.Message, Source: source, Path: strp(si.Path),
			})
		}
	default:
		for _, r := range ce.DataReports {
			targets := r.Targets
			if targets == nil {
				targets = []string{}
			}
			out = append(out, badrows.FailureError{
				Message: r.Message, Source: source, Path: strp(r.Path), Keyword: strp(r.Keyword), Targets: targets,
			})
		}
	}
	if out == nil {
		out = []badrows.FailureError{{Message: ce.Error, Source: source}}
	}
	return out
}

// strp returns a pointer to s.
func strp(s string) *string { return &s }

// jsonText renders s as a JSON string literal.
func jsonText(s string) []byte { return event.AppendJSONString(nil, s) }

// messages returns the bad-row messages of the given phases, in order.
func (is *issues) messages(phases ...int) []any {
	var out []any
	for _, i := range is.list {
		if slices.Contains(phases, i.phase) {
			out = append(out, i.message)
		}
	}
	return out
}

// enrichmentMessages returns the phase 2 messages.
func (is *issues) enrichmentMessages() []badrows.EnrichmentMessage {
	var out []badrows.EnrichmentMessage
	for _, i := range is.list {
		if m, ok := i.message.(badrows.EnrichmentMessage); ok && i.phase == 2 {
			out = append(out, m)
		}
	}
	return out
}
