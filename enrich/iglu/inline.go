package iglu

import (
	"encoding/json"
	"log/slog"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plowbox/plowbox/enrich/badrows"
)

// InlineSchema is a JSON Schema given inline rather than by an Iglu URI (for example the
// narrowing of a tracking plan), compiled with the draft-04 semantics of registry schemas.
type InlineSchema struct {
	schema *jsonschema.Schema
}

// CompileInline compiles body; name only tells schemas apart in messages. A schema that
// is not valid draft-04 gives issues.
func CompileInline(name string, body []byte, log *slog.Logger) (*InlineSchema, []badrows.SchemaIssue) {
	if log == nil {
		log = slog.Default()
	}
	key := SchemaKey{Vendor: "plowbox.inline", Name: name, Format: "jsonschema"}
	sch, _, issues := compileSchema(key, body, log)
	if issues != nil {
		return nil, issues
	}
	return &InlineSchema{schema: sch}, nil
}

// Validate validates data against s and returns one report per failure, with its
// JSONPath; nil when data is valid.
func (s *InlineSchema) Validate(data json.RawMessage) []badrows.DataReport {
	return validateInstance(s.schema, data)
}
