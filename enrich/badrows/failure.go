package badrows

import (
	"encoding/json"
	"time"

	"github.com/plowbox/plowbox/enrich/event"
)

// FailureSchema is the schema of the failure entity carried by incomplete events.
const FailureSchema = "iglu:com.snowplowanalytics.snowplow/failure/jsonschema/1-0-0"

// Failure is the content of a failure entity (enriched-event.md §10).
type Failure struct {
	// Type is the failureType: "ValidationError", "ResolutionError", "CriterionMismatch",
	// "NotJSON", "NotIglu" or "EnrichmentError: <enrichment id>".
	Type   string
	Errors []FailureError
	// Schema is the key of the failing self-describing JSON; "" renders as null.
	Schema string
	// Data is the failing data (a JSON object); nil renders as null.
	Data      json.RawMessage
	Timestamp time.Time // etl_tstamp
	Processor Processor // componentName / componentVersion
}

// FailureError is one entry of a failure entity's errors. Message and Source are always
// written; the other keys only when set (Targets whenever Keyword is set, as [] if empty).
type FailureError struct {
	Message       string
	Source        string // unstruct, contexts, derived_contexts, atomic_field, or an input field
	Path          *string
	Keyword       *string
	Targets       []string
	LookupHistory []LookupHistory
	Criterion     string
}

// MarshalJSON renders the entry with keys in the order message, source, path, keyword,
// targets, lookupHistory, criterion.
func (fe FailureError) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 128), `{"message":`...)
	b = appendString(b, fe.Message)
	b = append(b, `,"source":`...)
	b = appendString(b, fe.Source)
	if fe.Path != nil {
		b = append(b, `,"path":`...)
		b = appendString(b, *fe.Path)
	}
	if fe.Keyword != nil {
		b = append(b, `,"keyword":`...)
		b = appendString(b, *fe.Keyword)
		b = append(b, `,"targets":[`...)
		for i, t := range fe.Targets {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, t)
		}
		b = append(b, ']')
	}
	if fe.LookupHistory != nil {
		b = append(b, `,"lookupHistory":`...)
		b = appendAny(b, fe.LookupHistory)
	}
	if fe.Criterion != "" {
		b = append(b, `,"criterion":`...)
		b = appendString(b, fe.Criterion)
	}
	return append(b, '}'), nil
}

// FailureEntity renders the failure entity as a self-describing JSON
// {"schema":"iglu:…/failure/jsonschema/1-0-0","data":{failureType, errors, schema, data,
// timestamp, componentName, componentVersion}}, ready to be prepended to derived_contexts.
func FailureEntity(f Failure) []byte {
	b := make([]byte, 0, 512)
	b = append(b, `{"schema":"`+FailureSchema+`","data":{"failureType":`...)
	b = appendString(b, f.Type)
	b = append(b, `,"errors":[`...)
	for i, e := range f.Errors {
		if i > 0 {
			b = append(b, ',')
		}
		eb, _ := e.MarshalJSON()
		b = append(b, eb...)
	}
	b = append(b, `],"schema":`...)
	if f.Schema == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, f.Schema)
	}
	b = append(b, `,"data":`...)
	if len(f.Data) == 0 {
		b = append(b, "null"...)
	} else if c, err := compact(f.Data); err == nil {
		b = append(b, c...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"timestamp":`...)
	b = appendString(b, event.FormatISO(f.Timestamp))
	b = append(b, `,"componentName":`...)
	b = appendString(b, f.Processor.Artifact)
	b = append(b, `,"componentVersion":`...)
	b = appendString(b, f.Processor.Version)
	return append(b, '}', '}')
}
