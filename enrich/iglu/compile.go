package iglu

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// IgluMetaSchema is the $schema of every Iglu schema document (iglu.md §3).
const IgluMetaSchema = "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#"

// draft04 is the $schema every schema is compiled under, whatever it declares.
const draft04 = "http://json-schema.org/draft-04/schema#"

// assertedFormats are the draft-04 formats that are validated; other formats are
// ignored (iglu.md §6).
var assertedFormats = map[string]bool{
	"date-time": true, "email": true, "hostname": true, "ipv4": true, "ipv6": true, "uri": true,
}

// ignoredFormats are the formats the library knows but draft-04 does not define;
// they are registered as always valid.
var ignoredFormats = []string{
	"json-pointer", "relative-json-pointer", "uuid", "duration", "period", "date", "time",
	"iri", "uri-reference", "iri-reference", "uri-template", "semver", "idn-email", "idn-hostname",
}

// compiledSchema is a schema document compiled once for validation.
type compiledSchema struct {
	once         sync.Once
	schema       *jsonschema.Schema
	supersededBy *SchemaVer
	issues       []badrows.SchemaIssue // non-nil when the schema is invalid
}

// get compiles body on first use and returns the result.
func (c *compiledSchema) get(key SchemaKey, body []byte, log *slog.Logger) *compiledSchema {
	c.once.Do(func() {
		c.schema, c.supersededBy, c.issues = compileSchema(key, body, log)
	})
	return c
}

// compileSchema compiles an Iglu schema document with draft-04 semantics: the Iglu
// meta-schema $schema is replaced by draft-04's, "self" and other unknown keywords are
// ignored, remote $refs match anything and are never fetched, and patterns follow
// ECMA-262 as far as RE2 allows. A schema that is not valid draft-04 gives issues.
func compileSchema(key SchemaKey, body []byte, log *slog.Logger) (*jsonschema.Schema, *SchemaVer, []badrows.SchemaIssue) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, nil, []badrows.SchemaIssue{{Path: "$", Message: "schema is not JSON: " + err.Error()}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, []badrows.SchemaIssue{{Path: "$", Message: "$: schema must be a JSON object"}}
	}
	var superseded *SchemaVer
	if s, present := obj["$supersededBy"]; present {
		str, _ := s.(string)
		v, err := ParseSchemaVer(str)
		if err != nil {
			return nil, nil, []badrows.SchemaIssue{{Path: "$.$supersededBy", Message: fmt.Sprintf("$.$supersededBy: %v is not a SchemaVer M-R-A", s)}}
		}
		superseded = &v
	}
	if isRemoteRef(obj["$ref"]) {
		obj = map[string]any{} // a remote $ref hides its siblings and matches anything
	}
	obj["$schema"] = draft04
	neutraliseRemoteRefs(obj)

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseRegexpEngine(ecmaRegexpEngine(log))
	c.UseLoader(emptyLoader{})
	for _, f := range ignoredFormats {
		c.RegisterFormat(&jsonschema.Format{Name: f, Validate: func(any) error { return nil }})
	}
	loc := "https://schemas.plowbox.invalid/" + key.Path()
	if err := c.AddResource(loc, obj); err != nil {
		return nil, nil, []badrows.SchemaIssue{{Path: "$", Message: err.Error()}}
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, nil, schemaIssues(err, obj)
	}
	return sch, superseded, nil
}

// emptyLoader answers every external schema URL with the empty schema, so remote and
// unresolvable references match anything and nothing is fetched.
type emptyLoader struct{}

// Load implements jsonschema.URLLoader.
func (emptyLoader) Load(string) (any, error) { return map[string]any{}, nil }

// neutraliseRemoteRefs replaces, in place, every subschema whose $ref points at an
// http(s) URL by the empty schema (iglu.md §6). Values of keywords that hold data
// rather than schemas are left alone.
func neutraliseRemoteRefs(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			switch k {
			case "enum", "default", "examples", "const", "self":
				continue
			}
			if m, ok := child.(map[string]any); ok && isRemoteRef(m["$ref"]) {
				v[k] = map[string]any{}
				continue
			}
			neutraliseRemoteRefs(child)
		}
	case []any:
		for i, child := range v {
			if m, ok := child.(map[string]any); ok && isRemoteRef(m["$ref"]) {
				v[i] = map[string]any{}
				continue
			}
			neutraliseRemoteRefs(child)
		}
	}
}

// isRemoteRef reports whether ref is a string naming an http or https URL.
func isRemoteRef(ref any) bool {
	s, ok := ref.(string)
	if !ok {
		return false
	}
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// schemaIssues converts a compilation error into schema issues.
func schemaIssues(err error, schema any) []badrows.SchemaIssue {
	var sve *jsonschema.SchemaValidationError
	var verr *jsonschema.ValidationError
	if errors.As(err, &sve) && errors.As(sve.Err, &verr) {
		var issues []badrows.SchemaIssue
		for _, r := range dataReports(verr, schema) {
			issues = append(issues, badrows.SchemaIssue{Path: r.Path, Message: r.Message})
		}
		if len(issues) > 0 {
			return issues
		}
	}
	var rxe *jsonschema.InvalidRegexError
	if errors.As(err, &rxe) {
		return []badrows.SchemaIssue{{Path: pointerToPath(rxe.URL), Message: fmt.Sprintf("invalid regular expression %q: %v", rxe.Regex, rxe.Err)}}
	}
	return []badrows.SchemaIssue{{Path: "$", Message: err.Error()}}
}

// pointerToPath turns the JSON-pointer fragment of a schema location into a JSONPath.
func pointerToPath(loc string) string {
	_, frag, _ := strings.Cut(loc, "#")
	path := "$"
	for tok := range strings.SplitSeq(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		path += "." + tok
	}
	return path
}
