package iglu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// maxSupersedingHops bounds how many $supersededBy links are followed.
const maxSupersedingHops = 5

// Validator validates self-describing data against the schemas its resolver finds,
// with draft-04 semantics (iglu.md §6). It implements enrich.Validator. Compiled
// schemas live with the resolver's cache entries, so they are compiled once and
// dropped when the entry expires or is invalidated.
type Validator struct {
	resolver *Resolver
	log      *slog.Logger
}

var _ enrich.Validator = (*Validator)(nil)

// NewValidator returns a validator resolving schemas with r. A nil logger means
// slog.Default().
func NewValidator(r *Resolver, log *slog.Logger) *Validator {
	if log == nil {
		log = slog.Default()
	}
	return &Validator{resolver: r, log: log}
}

// Resolver returns the validator's resolver.
func (v *Validator) Resolver() *Resolver { return v.resolver }

// Validate validates data against the schema named by the Iglu URI schemaURI. It
// returns a ResolutionError when the schema cannot be found, and a ValidationError
// with dataReports (invalid data) or schemaIssues (invalid schema) otherwise. A schema
// with $supersededBy is replaced by its successor: Validation.Schema names the one
// used, and a failure carries supersededBy. A schemaURI that is not an Iglu URI gives
// a ResolutionError with an empty lookup history; callers check URIs first.
func (v *Validator) Validate(ctx context.Context, schemaURI string, data json.RawMessage) enrich.Validation {
	key, err := ParseSchemaKey(schemaURI)
	if err != nil {
		return enrich.Validation{Schema: schemaURI, Error: &badrows.ClientError{Error: "ResolutionError", LookupHistory: []badrows.LookupHistory{}}}
	}
	res, rerr := v.resolver.lookup(ctx, key)
	if rerr != nil {
		return enrich.Validation{Schema: schemaURI, Error: rerr.ClientError()}
	}
	cs := res.compiled.get(key, res.schema, v.log)
	var superseded *string
	for hops := 0; cs.issues == nil && cs.supersededBy != nil && hops < maxSupersedingHops; hops++ {
		next := key.WithVersion(*cs.supersededBy)
		if next == key {
			break
		}
		ver := next.Version.String()
		superseded = &ver
		res, rerr = v.resolver.lookup(ctx, next)
		if rerr != nil {
			return enrich.Validation{Schema: next.String(), Error: rerr.ClientError()}
		}
		key = next
		cs = res.compiled.get(key, res.schema, v.log)
	}
	out := enrich.Validation{Schema: key.String()}
	if cs.issues != nil {
		out.Error = &badrows.ClientError{Error: "ValidationError", SchemaIssues: cs.issues, SupersededBy: superseded}
		return out
	}
	if reports := validateInstance(cs.schema, data); reports != nil {
		out.Error = &badrows.ClientError{Error: "ValidationError", DataReports: reports, SupersededBy: superseded}
	}
	return out
}

// Lookup returns the schema for key as stored, with the lookup history; see
// Resolver.Lookup.
func (v *Validator) Lookup(ctx context.Context, key SchemaKey) ([]byte, []badrows.LookupHistory, error) {
	return v.resolver.Lookup(ctx, key)
}

// CheckSchema compiles a schema document as validation would and returns its issues,
// nil when it is valid draft-04 (for the registry's schema validation endpoint).
func (v *Validator) CheckSchema(key SchemaKey, schema []byte) []badrows.SchemaIssue {
	_, _, issues := compileSchema(key, schema, v.log)
	return issues
}

// validateInstance validates the JSON data against sch and returns its reports, nil
// when it is valid.
func validateInstance(sch *jsonschema.Schema, data json.RawMessage) []badrows.DataReport {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return []badrows.DataReport{{Message: "$: not valid JSON: " + err.Error(), Path: "$", Keyword: "json", Targets: []string{}}}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return []badrows.DataReport{{Message: "$: " + err.Error(), Path: "$", Keyword: "validation", Targets: []string{}}}
	}
	reports := dataReports(verr, inst)
	if len(reports) == 0 {
		reports = []badrows.DataReport{{Message: "$: " + verr.Error(), Path: "$", Keyword: "validation", Targets: []string{}}}
	}
	return reports
}
