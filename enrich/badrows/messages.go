package badrows

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Processor identifies the software that produced a bad row or failure entity.
type Processor struct {
	Artifact string `json:"artifact"`
	Version  string `json:"version"`
}

// InputData is the message of an input that did not meet an adapter's or enrichment's
// expectation: {"field","value","expectation"}.
type InputData struct {
	Field       string  `json:"field"`
	Value       *string `json:"value"`
	Expectation string  `json:"expectation"`
}

// NotJSON is the message of a value that is not valid JSON: {"field","value","error"}.
type NotJSON struct {
	Field string  `json:"field"`
	Value *string `json:"value"`
	Error string  `json:"error"`
}

// NotIglu is the message of JSON that is not self-describing: {"json","error"}; Error is
// one of INVALID_SCHEMAVER, INVALID_IGLUURI, INVALID_DATA_PAYLOAD, INVALID_SCHEMA.
type NotIglu struct {
	JSON  json.RawMessage `json:"json"` // nil renders as null
	Error string          `json:"error"`
}

// CriterionMismatch is the message of a self-describing JSON whose schema does not match
// the expected criterion.
type CriterionMismatch struct {
	SchemaKey       string `json:"schemaKey"`
	SchemaCriterion string `json:"schemaCriterion"`
}

// IgluError is the message of a resolution or validation failure (iglu.md §8.1).
type IgluError struct {
	SchemaKey string      `json:"schemaKey"`
	Error     ClientError `json:"error"`
}

// SchemaMapping is the message of a webhook event type with no schema.
type SchemaMapping struct {
	Actual          *string `json:"actual"`
	ExpectedMapping Mapping `json:"expectedMapping"`
	Expectation     string  `json:"expectation"`
}

// MappingEntry is one vendor event type and the schema it maps to.
type MappingEntry struct {
	EventType string
	Schema    string
}

// Mapping is an ordered map of vendor event types to schema URIs, rendered as a JSON
// object in slice order.
type Mapping []MappingEntry

// MarshalJSON renders the mapping as a JSON object with keys in slice order.
func (m Mapping) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, e := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.EventType)
		b = append(b, ':')
		b = appendString(b, e.Schema)
	}
	return append(b, '}'), nil
}

// EnrichmentInfo identifies the enrichment that failed.
type EnrichmentInfo struct {
	SchemaKey  string `json:"schemaKey"`
	Identifier string `json:"identifier"`
}

// EnrichmentMessage is one message of an enrichment_failures bad row. Enrichment is nil
// for built-in steps; Message is an ErrorMessage, an InputData or an IgluError.
type EnrichmentMessage struct {
	Enrichment *EnrichmentInfo `json:"enrichment"`
	Message    any             `json:"message"`
}

// ErrorMessage is the simple {"error":…} message form of enrichment failures.
type ErrorMessage struct {
	Error string `json:"error"`
}

// LoaderMessage is the message of a collector_payload_format_violation: the error form
// {"error":…} when PayloadField is empty, else the field form
// {"payloadField","value","expectation"}.
type LoaderMessage struct {
	Error        string
	PayloadField string
	Value        *string
	Expectation  string
}

// MarshalJSON renders the error form or the payloadField form.
func (m LoaderMessage) MarshalJSON() ([]byte, error) {
	if m.PayloadField == "" {
		return marshal(ErrorMessage{Error: m.Error})
	}
	return marshal(struct {
		PayloadField string  `json:"payloadField"`
		Value        *string `json:"value"`
		Expectation  string  `json:"expectation"`
	}{m.PayloadField, m.Value, m.Expectation})
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// appendAny appends v as compact JSON; a value that cannot be encoded becomes
// {"error":"<why>"} so that a bad row is never lost.
func appendAny(dst []byte, v any) []byte {
	b, err := marshal(v)
	if err != nil {
		return append(appendString(append(dst, `{"error":`...), err.Error()), '}')
	}
	return append(dst, b...)
}

// compact returns the compact form of the JSON text b.
func compact(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("compact JSON: %w", err)
	}
	return buf.Bytes(), nil
}
