package igluapi

import (
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich/iglu"
)

func TestCanonicalSchema(t *testing.T) {
	key, _ := iglu.ParseSchemaKey("iglu:com.acme/x/jsonschema/1-0-0")
	for _, tc := range []struct {
		name, in, want, err string
		key                 *iglu.SchemaKey
	}{
		{name: "bare gets self", in: ` {"type":"object","$schema":"http://json-schema.org/draft-04/schema#"} `, key: &key,
			want: `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"},"type":"object"}`},
		{name: "empty bare", in: `{}`, key: &key,
			want: `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"}}`},
		{name: "self kept as written", in: "{\"self\": {\"vendor\":\"com.acme\",\"name\":\"x\",\"format\":\"jsonschema\",\"version\":\"1-0-0\"}}\n",
			want: `{"self": {"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"}}`},
		{name: "self extra key", in: `{"self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0","x":1}}`, err: "only vendor"},
		{name: "self bad vendor", in: `{"self":{"vendor":"com/acme","name":"x","format":"jsonschema","version":"1-0-0"}}`, err: "self:"},
		{name: "trailing data", in: `{} {}`, key: &key, err: "after the JSON object"},
	} {
		got, err := canonicalSchema([]byte(tc.in), tc.key)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case string(got.body) != tc.want || got.key != key:
			t.Errorf("%s: %s %s\nwant %s", tc.name, got.key, got.body, tc.want)
		}
	}
}
