package adapters

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// NotIglu error codes (bad-rows.md §2).
const (
	InvalidSchemaVer   = "INVALID_SCHEMAVER"
	InvalidIgluURI     = "INVALID_IGLUURI"
	InvalidDataPayload = "INVALID_DATA_PAYLOAD"
	InvalidSchema      = "INVALID_SCHEMA"
)

// SchemaKey is a parsed Iglu schema URI.
type SchemaKey struct {
	Vendor, Name, Format      string
	Model, Revision, Addition int
}

var (
	igluURIRe   = regexp.MustCompile(`^iglu:([a-zA-Z0-9\-_.]+)/([a-zA-Z0-9\-_]+)/([a-zA-Z0-9\-_]+)/([^/]+)$`)
	schemaVerRe = regexp.MustCompile(`^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$`)
)

// ParseSchemaKey parses "iglu:vendor/name/format/M-R-A". On failure it returns the NotIglu
// code: INVALID_SCHEMAVER when only the version is malformed, else INVALID_IGLUURI.
func ParseSchemaKey(uri string) (SchemaKey, string) {
	m := igluURIRe.FindStringSubmatch(uri)
	if m == nil {
		return SchemaKey{}, InvalidIgluURI
	}
	v := schemaVerRe.FindStringSubmatch(m[4])
	if v == nil {
		return SchemaKey{}, InvalidSchemaVer
	}
	k := SchemaKey{Vendor: m[1], Name: m[2], Format: m[3]}
	var err1, err2, err3 error
	k.Model, err1 = strconv.Atoi(v[1])
	k.Revision, err2 = strconv.Atoi(v[2])
	k.Addition, err3 = strconv.Atoi(v[3])
	if err1 != nil || err2 != nil || err3 != nil {
		return SchemaKey{}, InvalidSchemaVer
	}
	return k, ""
}

// Version returns the key's SchemaVer "M-R-A".
func (k SchemaKey) Version() string {
	return strconv.Itoa(k.Model) + "-" + strconv.Itoa(k.Revision) + "-" + strconv.Itoa(k.Addition)
}

// URI renders the key as "iglu:vendor/name/format/M-R-A".
func (k SchemaKey) URI() string {
	return "iglu:" + k.Vendor + "/" + k.Name + "/" + k.Format + "/" + k.Version()
}

// Criterion is a schema criterion such as iglu:com.acme/x/jsonschema/1-0-*; a negative
// Revision or Addition is a wildcard.
type Criterion struct {
	Vendor, Name, Format      string
	Model, Revision, Addition int
}

// String renders the criterion with "*" for wildcards.
func (c Criterion) String() string {
	part := func(n int) string {
		if n < 0 {
			return "*"
		}
		return strconv.Itoa(n)
	}
	return "iglu:" + c.Vendor + "/" + c.Name + "/" + c.Format + "/" + part(c.Model) + "-" + part(c.Revision) + "-" + part(c.Addition)
}

// Matches reports whether k satisfies the criterion.
func (c Criterion) Matches(k SchemaKey) bool {
	return k.Vendor == c.Vendor && k.Name == c.Name && k.Format == c.Format &&
		(c.Model < 0 || k.Model == c.Model) &&
		(c.Revision < 0 || k.Revision == c.Revision) &&
		(c.Addition < 0 || k.Addition == c.Addition)
}

// Wrapper criteria of the tracker protocol.
var (
	PayloadDataCriterion   = Criterion{"com.snowplowanalytics.snowplow", "payload_data", "jsonschema", 1, 0, -1}
	UnstructEventCriterion = Criterion{"com.snowplowanalytics.snowplow", "unstruct_event", "jsonschema", 1, 0, -1}
	ContextsCriterion      = Criterion{"com.snowplowanalytics.snowplow", "contexts", "jsonschema", 1, 0, -1}
)

// SDJ is a self-describing JSON split into its parts.
type SDJ struct {
	Key    SchemaKey
	Schema string          // the schema URI as received
	Data   json.RawMessage // the data, verbatim
}

// ParseSDJ checks that raw (valid JSON) is a self-describing JSON: an object with a string
// "schema" holding a valid Iglu URI and a "data" member. On failure it returns a NotIglu code.
func ParseSDJ(raw json.RawMessage) (SDJ, string) {
	ms, ok := Members(raw)
	if !ok {
		return SDJ{}, InvalidDataPayload
	}
	var schemaRaw, data json.RawMessage
	for _, m := range ms {
		switch m.Key {
		case "schema":
			schemaRaw = m.Value
		case "data":
			data = m.Value
		}
	}
	uri, ok := StringValue(schemaRaw)
	if !ok {
		return SDJ{}, InvalidDataPayload
	}
	k, code := ParseSchemaKey(uri)
	if code != "" {
		return SDJ{}, code
	}
	if data == nil {
		return SDJ{}, InvalidDataPayload
	}
	return SDJ{Key: k, Schema: uri, Data: data}, ""
}

// BuildSDJ renders {"schema":schema,"data":data} compactly.
func BuildSDJ(schema string, data json.RawMessage) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"schema":`)
	b.Write(jsonString(schema))
	b.WriteString(`,"data":`)
	b.Write(compact(data))
	b.WriteString(`}`)
	return json.RawMessage(b.String())
}
