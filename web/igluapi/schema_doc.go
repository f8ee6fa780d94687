package igluapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
)

// schemaDoc is a schema document ready to be stored: self-describing, with its key.
type schemaDoc struct {
	key  iglu.SchemaKey
	body []byte
}

// member is one top-level member of a JSON object, its value as written.
type member struct {
	name  string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members, in order, rejecting anything
// else and duplicate names.
func objectMembers(body []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the schema must be a JSON object")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("the body is not JSON: %w", err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, fmt.Errorf("the schema has the member %q twice", name)
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the body is not JSON: %w", err)
		}
		out = append(out, member{name, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("the body has data after the JSON object")
	}
	return out, nil
}

// selfKey reads a schema's self: exactly vendor, name, format and version, as valid
// Iglu parts: letters, digits, '-' and '_' (and '.' in the vendor), and a
// MODEL-REVISION-ADDITION version.
func selfKey(raw json.RawMessage) (iglu.SchemaKey, error) {
	var self map[string]any
	if err := json.Unmarshal(raw, &self); err != nil || self == nil {
		return iglu.SchemaKey{}, errors.New("self must be an object with vendor, name, format and version")
	}
	var parts [4]string
	for i, k := range []string{"vendor", "name", "format", "version"} {
		s, ok := self[k].(string)
		if !ok {
			return iglu.SchemaKey{}, fmt.Errorf("self.%s is required and must be a string", k)
		}
		parts[i] = s
	}
	if len(self) != 4 {
		return iglu.SchemaKey{}, errors.New("self must have only vendor, name, format and version")
	}
	key, err := iglu.ParseSchemaKey("iglu:" + strings.Join(parts[:], "/"))
	if err != nil {
		return iglu.SchemaKey{}, fmt.Errorf("self: %w", err)
	}
	if !key.Valid() {
		return iglu.SchemaKey{}, fmt.Errorf("self: invalid schema key %s", key)
	}
	return key, nil
}

// canonicalSchema checks a schema written to the registry and returns it
// self-describing. A document with self is kept as written, and self must equal key
// when key is given; a bare document (only with a key) gets the Iglu $schema and a self
// for key prepended, its other members kept as written.
func canonicalSchema(body []byte, key *iglu.SchemaKey) (schemaDoc, error) {
	members, err := objectMembers(body)
	if err != nil {
		return schemaDoc{}, err
	}
	for _, m := range members {
		if m.name != "self" {
			continue
		}
		k, err := selfKey(m.value)
		if err != nil {
			return schemaDoc{}, err
		}
		if key != nil && k != *key {
			return schemaDoc{}, fmt.Errorf("self (%s) does not match the path (%s)", k, *key)
		}
		return schemaDoc{key: k, body: bytes.TrimSpace(body)}, nil
	}
	if key == nil {
		return schemaDoc{}, errors.New("the schema has no self: publish a self-describing schema, or PUT it to its path")
	}
	self, _ := httpkit.Marshal(struct {
		Vendor  string `json:"vendor"`
		Name    string `json:"name"`
		Format  string `json:"format"`
		Version string `json:"version"`
	}{key.Vendor, key.Name, key.Format, key.Version.String()})
	var b bytes.Buffer
	b.WriteString(`{"$schema":"` + iglu.IgluMetaSchema + `","self":`)
	b.Write(self)
	for _, m := range members {
		if m.name == "$schema" {
			continue
		}
		name, _ := httpkit.Marshal(m.name)
		b.WriteByte(',')
		b.Write(name)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return schemaDoc{key: *key, body: b.Bytes()}, nil
}

// isoMillis is the layout of registry timestamps.
const isoMillis = "2006-01-02T15:04:05.000Z"

// withMetadata returns a schema document with a "metadata" member added:
// {"createdAt":…,"updatedAt":…,"isPublic":…} (repr=meta).
func withMetadata(body []byte, meta store.SchemaMeta) []byte {
	md, _ := httpkit.Marshal(struct {
		CreatedAt string `json:"createdAt"`
		UpdatedAt string `json:"updatedAt"`
		IsPublic  bool   `json:"isPublic"`
	}{meta.Created.Format(isoMillis), meta.Updated.Format(isoMillis), meta.Public})
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) < 2 || trimmed[0] != '{' {
		return body
	}
	inner := bytes.TrimSpace(trimmed[1 : len(trimmed)-1])
	out := []byte(`{"metadata":`)
	out = append(out, md...)
	if len(inner) > 0 {
		out = append(out, ',')
		out = append(out, inner...)
	}
	return append(out, '}')
}

// splitInstance reads self-describing data {"schema":"iglu:…","data":…}.
func splitInstance(body []byte) (schema string, data json.RawMessage, err error) {
	var sdj struct {
		Schema *string          `json:"schema"`
		Data   *json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &sdj); err != nil {
		return "", nil, fmt.Errorf("the body is not self-describing JSON: %w", err)
	}
	if sdj.Schema == nil || sdj.Data == nil {
		return "", nil, errors.New(`the body must be self-describing JSON {"schema":"iglu:…","data":…}`)
	}
	if _, err := iglu.ParseSchemaKey(*sdj.Schema); err != nil {
		return "", nil, err
	}
	return *sdj.Schema, *sdj.Data, nil
}

// jsonValid reports whether b is one JSON value.
func jsonValid(b []byte) bool { return json.Valid(b) }
