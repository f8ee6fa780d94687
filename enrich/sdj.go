package enrich

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// ValidationInfoSchema is the schema of the entity recording a superseded schema.
const ValidationInfoSchema = "iglu:com.snowplowanalytics.iglu/validation_info/jsonschema/1-0-0"

// Bad-row field names of the JSON parameters (iglu.md §8).
const (
	fieldUnstruct = "ue_properties"
	fieldContexts = "contexts"
)

// jsonParam returns the value of the plain parameter, else of the base64 one; the plain
// form wins when both are sent (tracker-protocol.md §3).
func jsonParam(ps event.Params, plain, b64 string) (v string, isB64, ok bool) {
	if v, ok := ps.Get(plain); ok {
		return v, false, true
	}
	if v, ok := ps.Get(b64); ok {
		return v, true, true
	}
	return "", false, false
}

// parseWrapper runs steps 1-4 of iglu.md §8: base64, JSON, SDJ, wrapper criterion. It
// returns the wrapper or records the failure.
func (en *Enricher) parseWrapper(v string, isB64 bool, field, source string, crit adapters.Criterion, is *issues) (adapters.SDJ, bool) {
	text := v
	if isB64 {
		d, err := adapters.DecodeBase64(v)
		if err != nil {
			is.add(1, source, badrows.NotJSON{Field: field, Value: strp(v), Error: "invalid base64: " + err.Error()}, nil)
			return adapters.SDJ{}, false
		}
		text = d
	}
	raw, err := adapters.ParseJSON(text, en.maxDepth)
	if err != nil {
		is.add(1, source, badrows.NotJSON{Field: field, Value: strp(text), Error: err.Error()}, nil)
		return adapters.SDJ{}, false
	}
	sdj, code := adapters.ParseSDJ(raw)
	if code != "" {
		is.add(1, source, badrows.NotIglu{JSON: raw, Error: code}, nil)
		return adapters.SDJ{}, false
	}
	if !crit.Matches(sdj.Key) {
		is.add(1, source, badrows.CriterionMismatch{SchemaKey: sdj.Schema, SchemaCriterion: crit.String()}, sdj.Data)
		return adapters.SDJ{}, false
	}
	return sdj, true
}

// selfDescribing parses and validates unstruct_event and contexts (iglu.md §8), sets both
// fields, and returns the validation_info entities of superseded schemas.
func (en *Enricher) selfDescribing(ctx context.Context, e *event.Event, ps event.Params, etl time.Time, is *issues) []json.RawMessage {
	var infos []json.RawMessage
	if v, isB64, ok := jsonParam(ps, "ue_pr", "ue_px"); ok {
		if w, ok := en.parseWrapper(v, isB64, fieldUnstruct, sourceUnstruct, adapters.UnstructEventCriterion, is); ok {
			if w.Key.Addition != 0 {
				is.add(1, sourceUnstruct, badrows.IgluError{SchemaKey: w.Schema, Error: notFound(etl)}, w.Data)
			} else if reps := validateUnstructWrapper(w.Data); reps != nil {
				is.add(1, sourceUnstruct, validationError(w.Schema, reps), w.Data)
			} else if out, info, ok := en.validateEntity(ctx, w.Data, sourceUnstruct, is); ok {
				e.Set(event.UnstructEvent, string(out))
				infos = append(infos, info...)
			}
		}
	}
	if v, isB64, ok := jsonParam(ps, "co", "cx"); ok {
		if w, ok := en.parseWrapper(v, isB64, fieldContexts, sourceContexts, adapters.ContextsCriterion, is); ok {
			if w.Key.Addition > 1 {
				is.add(1, sourceContexts, badrows.IgluError{SchemaKey: w.Schema, Error: notFound(etl)}, w.Data)
			} else if reps := validateContextsWrapper(w.Data, w.Key.Addition); reps != nil {
				is.add(1, sourceContexts, validationError(w.Schema, reps), w.Data)
			} else {
				els, _ := adapters.Elements(w.Data)
				var kept []string
				for _, el := range els {
					if out, info, ok := en.validateEntity(ctx, el, sourceContexts, is); ok {
						kept = append(kept, string(out))
						infos = append(infos, info...)
					}
				}
				if len(kept) > 0 {
					e.Set(event.Contexts, "["+strings.Join(kept, ",")+"]")
				}
			}
		}
	}
	return infos
}

// validateEntity validates one inner self-describing JSON through the configured
// validator (steps 6-7 of iglu.md §8). It returns the entity, with its version rewritten
// when its schema was superseded, and the validation_info entity of such a rewrite.
func (en *Enricher) validateEntity(ctx context.Context, raw json.RawMessage, source string, is *issues) (json.RawMessage, []json.RawMessage, bool) {
	sdj, code := adapters.ParseSDJ(raw)
	if code != "" {
		is.add(1, source, badrows.NotIglu{JSON: raw, Error: code}, nil)
		return nil, nil, false
	}
	if en.cfg.Validator == nil {
		return adapters.BuildSDJ(sdj.Schema, sdj.Data), nil, true
	}
	v := en.cfg.Validator.Validate(ctx, sdj.Schema, sdj.Data)
	if v.Error != nil {
		phase := 1
		if source == sourceDerived {
			phase = 3
		}
		is.add(phase, source, badrows.IgluError{SchemaKey: sdj.Schema, Error: *v.Error}, sdj.Data)
		return nil, nil, false
	}
	used := supersedingURI(sdj.Key, v.Schema)
	if used == "" || used == sdj.Schema {
		return adapters.BuildSDJ(sdj.Schema, sdj.Data), nil, true
	}
	k, _ := adapters.ParseSchemaKey(used)
	info := adapters.BuildSDJ(ValidationInfoSchema, json.RawMessage(
		`{"originalSchema":`+string(jsonText(sdj.Schema))+`,"validatedWith":`+string(jsonText(k.Version()))+`}`))
	return adapters.BuildSDJ(used, sdj.Data), []json.RawMessage{info}, true
}

// supersedingURI returns the full URI of the schema a validator used, which it may give as
// a URI or as a bare version; "" when it gave none or an invalid one.
func supersedingURI(requested adapters.SchemaKey, used string) string {
	if used == "" {
		return ""
	}
	if strings.HasPrefix(used, "iglu:") {
		if _, code := adapters.ParseSchemaKey(used); code != "" {
			return ""
		}
		return used
	}
	k, code := adapters.ParseSchemaKey("iglu:" + requested.Vendor + "/" + requested.Name + "/" + requested.Format + "/" + used)
	if code != "" {
		return ""
	}
	return k.URI()
}

// validationError is an IgluError with data reports.
func validationError(schema string, reports []badrows.DataReport) badrows.IgluError {
	return badrows.IgluError{SchemaKey: schema, Error: badrows.ClientError{Error: "ValidationError", DataReports: reports}}
}

// notFound is the resolution error of a wrapper schema version that does not exist.
func notFound(at time.Time) badrows.ClientError {
	return badrows.ClientError{Error: "ResolutionError", LookupHistory: []badrows.LookupHistory{{
		Repository: "Iglu Client Embedded", Errors: []badrows.RegistryError{{Error: "NotFound"}}, Attempts: 1, LastAttempt: at.UTC(),
	}}}
}
