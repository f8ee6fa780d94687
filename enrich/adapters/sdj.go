package adapters

import (
	"encoding/json"
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

// ParseSchemaKey parses "iglu:vendor/name/format/M-R-A". On failure it returns the NotIglu
// code: INVALID_SCHEMAVER when only the version is malformed, else INVALID_IGLUURI.
func ParseSchemaKey(uri string) (SchemaKey, string) {
	rest, ok := strings.CutPrefix(uri, "iglu:")
	if !ok {
		return SchemaKey{}, InvalidIgluURI
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || !igluPart(parts[0], true) || !igluPart(parts[1], false) || !igluPart(parts[2], false) || parts[3] == "" {
		return SchemaKey{}, InvalidIgluURI
	}
	k := SchemaKey{Vendor: parts[0], Name: parts[1], Format: parts[2]}
	nums := strings.Split(parts[3], "-")
	if len(nums) != 3 {
		return SchemaKey{}, InvalidSchemaVer
	}
	for i, dst := range []*int{&k.Model, &k.Revision, &k.Addition} {
		n, ok := schemaVerNumber(nums[i], i == 0)
		if !ok {
			return SchemaKey{}, InvalidSchemaVer
		}
		*dst = n
	}
	return k, ""
}

// igluPart reports whether s is a non-empty run of [a-zA-Z0-9-_], plus '.' in vendors.
func igluPart(s string, vendor bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.' && vendor:
		default:
			return false
		}
	}
	return true
}

// schemaVerNumber parses one SchemaVer number: no leading zeros, and the model is not 0.
func schemaVerNumber(s string, model bool) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') || (model && s == "0") {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
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
